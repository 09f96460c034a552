"""Passwords (argon2id, strength policy), API bearer tokens and session tokens.

Tokens are random (``secrets.token_urlsafe(32)``); only their SHA-256 is stored, so a
leaked database does not leak usable tokens.

Password policy (ASVS V6.2): at least :data:`MIN_PASSWORD` characters and a zxcvbn
strength score of at least :data:`MIN_SCORE` (of 0-4). zxcvbn (Wheeler, "zxcvbn:
Low-Budget Password Strength Estimation", USENIX Security 2016) estimates the guesses an
attacker needs, matching common-password and dictionary lists, keyboard patterns, dates,
and the user's own data (user name, actor name, region) given as ``user_inputs``.
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
from regcoord.errors import DataError
from regcoord.service.db.models import AuthToken, User

_hasher = PasswordHasher()
#: a valid hash of a random password, verified when the user is unknown (equal timing)
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


#: shortest password accepted
MIN_PASSWORD = 10
#: lowest zxcvbn score accepted (3: "safely unguessable: moderate protection from offline
#: slow-hash scenario", < 10^10 guesses, Wheeler 2016)
MIN_SCORE = 3
#: zxcvbn's cost grows with length; characters beyond this add nothing to the estimate
_ZXCVBN_CHARS = 100


def check_password_strength(password: str, *, user_inputs: list[str]) -> None:
    """Raise a bilingual :class:`DataError` if ``password`` is too short or too guessable.

    ``user_inputs`` are the user's own words (user name, actor name, region names) that a
    password must not be built from. The password itself never appears in the message.
    """
    from zxcvbn import zxcvbn

    if len(password) < MIN_PASSWORD:
        raise DataError(
            f"密码至少需要 {MIN_PASSWORD} 个字符 / password shorter than {MIN_PASSWORD} characters",
            column="password",
            expected=f">= {MIN_PASSWORD} characters",
        )
    result = zxcvbn(password[:_ZXCVBN_CHARS], user_inputs=[u for u in user_inputs if u])
    if int(result["score"]) < MIN_SCORE:
        feedback = result.get("feedback") or {}
        hint = " ".join([str(feedback.get("warning") or ""), *map(str, feedback.get("suggestions") or [])])
        raise DataError(
            f"密码太容易被猜到（强度 {result['score']}/4，至少需要 {MIN_SCORE}；避免常见密码、"
            f"用户名和姓名）/ password too easy to guess (strength {result['score']}/4, "
            f"at least {MIN_SCORE} needed; avoid common passwords, your user name and name). "
            f"{hint}".strip(),
            column="password",
            expected=f"zxcvbn score >= {MIN_SCORE}",
        )


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
