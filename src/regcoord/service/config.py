"""Settings of the coordination service (pydantic-settings).

Sources, highest first: arguments to :class:`Settings`, ``REGCOORD_*`` environment
variables, a ``.env`` file (in the working directory, or ``REGCOORD_ENV_FILE``), and a
secrets directory (one file per setting, named like the variable in lower case, e.g.
``/run/secrets/regcoord_secret_key``; the directory is ``REGCOORD_SECRETS_DIR``, default
``/run/secrets`` when it exists, as Docker and Kubernetes mount secrets).

Every setting is used:

- ``REGCOORD_DATABASE_URL``: SQLAlchemy URL (default: SQLite file in the user data dir)
- ``REGCOORD_SECRET_KEY``: signs the CSRF tokens of the web pages (bound to the session);
  random per process if unset (then tokens do not survive a restart or span workers)
- ``REGCOORD_TOKEN_TTL_HOURS``: lifetime of API tokens and sessions (default 12)
- ``REGCOORD_COOKIE_SECURE``: ``1`` marks the cookies Secure and sends HSTS (behind HTTPS)
- ``REGCOORD_LOG_FORMAT``: ``text`` (default) or ``json`` (one JSON object a line, with
  the request id)
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from regcoord.errors import DataError

_PLACEHOLDERS = frozenset({"changeme", "change-me", "secret", "please-change"})
DEFAULT_SECRETS_DIR = Path("/run/secrets")


def default_database_url() -> str:
    """A SQLite file in the user's data directory (platformdirs)."""
    from platformdirs import user_data_dir

    path = Path(user_data_dir("regcoord", appauthor=False)) / "regcoord.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


class Settings(BaseSettings):
    """One settings object for the service (see the module docstring for sources and names)."""

    model_config = SettingsConfigDict(env_prefix="REGCOORD_", frozen=True, extra="ignore")

    database_url: str = Field(default_factory=default_database_url)
    secret_key: str = Field(default_factory=lambda: secrets.token_urlsafe(32))
    token_ttl_hours: int = Field(default=12, gt=0)
    cookie_secure: bool = False
    log_format: Literal["text", "json"] = "text"

    @field_validator("secret_key")
    @classmethod
    def _real_secret(cls, v: str) -> str:
        if v.strip().lower() in _PLACEHOLDERS or len(v) < 16:
            raise ValueError("a placeholder or too short: expected a random secret of at least 16 characters")
        return v

    @classmethod
    def from_env(
        cls,
        env: dict[str, str] | None = None,
        *,
        env_file: str | Path | None = None,
        secrets_dir: str | Path | None = None,
    ) -> Settings:
        """Settings from the environment (or ``env``), the ``.env`` file and the secrets directory.

        A bad value is a :class:`DataError` naming the variable and what was expected.
        """
        e = dict(os.environ if env is None else env)
        env_file = env_file or e.get("REGCOORD_ENV_FILE") or ".env"
        secrets_dir = secrets_dir or e.get("REGCOORD_SECRETS_DIR")
        if secrets_dir is None and DEFAULT_SECRETS_DIR.is_dir():
            secrets_dir = DEFAULT_SECRETS_DIR
        given: dict[str, Any] = {
            k[len("REGCOORD_") :].lower(): v
            for k, v in e.items()
            if k.startswith("REGCOORD_") and k[len("REGCOORD_") :].lower() in cls.model_fields
        }
        try:
            return cls(  # type: ignore[call-arg]
                _env_file=env_file if Path(env_file).is_file() else None,
                _secrets_dir=secrets_dir,
                **given,
            )
        except ValidationError as exc:
            err = exc.errors()[0]
            name = f"REGCOORD_{str(err['loc'][0]).upper()}" if err["loc"] else "REGCOORD_*"
            raise DataError(
                f"{name} is not valid: {err['msg']}", column=name, expected=_EXPECTED.get(name)
            ) from None


_EXPECTED = {
    "REGCOORD_SECRET_KEY": "a random secret of at least 16 characters",
    "REGCOORD_TOKEN_TTL_HOURS": "a positive whole number of hours",
    "REGCOORD_COOKIE_SECURE": "1 or 0 (true or false)",
    "REGCOORD_LOG_FORMAT": "text or json",
}
