"""Passwords (argon2id), API bearer tokens and session tokens.

Tokens are random (``secrets.token_urlsafe(32)``); only their SHA-256 is stored, so a
leaked database does not leak usable tokens.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from regcoord.agreements import Principal, Role
from regcoord.service.db.models import AuthToken, User

_hasher = PasswordHasher()
#: a valid hash of a random password, verified when the user is unknown (equal timing)
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def authenticate(session: Session, username: str, password: str) -> User | None:
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        verify_password(_DUMMY_HASH, password)
        return None
    return user if verify_password(user.password_hash, password) else None


def issue_token(session: Session, user: User, *, kind: str, now: datetime, ttl_hours: int) -> str:
    token = secrets.token_urlsafe(32)
    session.add(
        AuthToken(
            token_hash=token_digest(token),
            user_id=user.id,
            kind=kind,
            created_at=now,
            expires_at=now + timedelta(hours=ttl_hours),
        )
    )
    session.flush()
    return token


def user_for_token(session: Session, token: str, *, now: datetime) -> User | None:
    row = session.scalar(select(AuthToken).where(AuthToken.token_hash == token_digest(token)))
    if row is None or row.expires_at <= now:
        return None
    user = session.get(User, row.user_id)
    return user if user is not None and user.active else None


def revoke_token(session: Session, token: str) -> None:
    row = session.scalar(select(AuthToken).where(AuthToken.token_hash == token_digest(token)))
    if row is not None:
        session.delete(row)


def principal_of(user: User) -> Principal:
    return Principal(
        user_id=user.id,
        role=Role(user.role),
        region=user.region_code,
        actor_kind=None if user.actor is None else user.actor.kind,
        actor_id=user.actor_id,
    )
