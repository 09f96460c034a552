"""Settings of the coordination service, from ``REGCOORD_*`` environment variables."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from regcoord.errors import DataError

_PLACEHOLDERS = frozenset({"changeme", "change-me", "secret", "please-change"})


def default_database_url() -> str:
    """A SQLite file in the user's data directory (platformdirs)."""
    from platformdirs import user_data_dir

    path = Path(user_data_dir("regcoord", appauthor=False)) / "regcoord.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


@dataclass(frozen=True)
class Settings:
    """One settings object for the service.

    - ``REGCOORD_DATABASE_URL``: SQLAlchemy URL (default: SQLite file in the user data dir)
    - ``REGCOORD_SECRET_KEY``: secret for signed cookies (random per process if unset)
    - ``REGCOORD_TOKEN_TTL_HOURS``: lifetime of API tokens and sessions (default 12)
    - ``REGCOORD_COOKIE_SECURE``: ``1`` to mark the session cookie Secure (behind HTTPS)
    """

    database_url: str
    secret_key: str
    token_ttl_hours: int = 12
    cookie_secure: bool = False

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        e = dict(os.environ if env is None else env)
        url = e.get("REGCOORD_DATABASE_URL") or default_database_url()
        secret = e.get("REGCOORD_SECRET_KEY") or secrets.token_urlsafe(32)
        if secret.lower() in _PLACEHOLDERS or len(secret) < 16:
            raise DataError(
                "REGCOORD_SECRET_KEY is a placeholder or too short",
                column="REGCOORD_SECRET_KEY",
                expected="a random secret of at least 16 characters",
            )
        try:
            ttl = int(e.get("REGCOORD_TOKEN_TTL_HOURS", "12"))
        except ValueError:
            raise DataError(
                "REGCOORD_TOKEN_TTL_HOURS is not an integer", column="REGCOORD_TOKEN_TTL_HOURS"
            ) from None
        return cls(
            database_url=url,
            secret_key=secret,
            token_ttl_hours=ttl,
            cookie_secure=e.get("REGCOORD_COOKIE_SECURE", "0") in ("1", "true", "yes"),
        )
