"""Tables of authentication hardening (on the service's declarative ``Base``).

``login_throttle`` holds the failed-login counters of the throttle
(:mod:`regcoord.service.usecases.sessions`): one row per account (``user:<name>``) and per
client address (``client:<ip>``). The state lives in the database so that every worker of
the service (any number of processes on PostgreSQL) sees the same counters.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from regcoord.service.db.models import Base
from regcoord.service.db.types import UTCDateTime


class LoginThrottle(Base):
    """Failed logins of one account or one client within the current window."""

    __tablename__ = "login_throttle"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    #: failures not yet written to the audit log (aggregated into one ``auth.failure`` row)
    unaudited: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime())
    last_failure: Mapped[datetime] = mapped_column(UTCDateTime())
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
