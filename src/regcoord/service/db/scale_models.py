"""Tables that keep reads cheap at national scale (on the service's declarative ``Base``).

``audit_checkpoint`` holds signed heads of the audit chain: each row says "the chain from
the genesis up to ``seq`` was verified and ended in ``hash``", signed with HMAC-SHA256
under the service's secret key (RFC 2104), so that a verification can start from the last
checkpoint instead of the genesis (:func:`regcoord.service.audit.verify_incremental`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from regcoord.service.db.models import Base
from regcoord.service.db.types import UTCDateTime


class AuditCheckpoint(Base):
    """A verified, signed head of the audit chain (append-only)."""

    __tablename__ = "audit_checkpoint"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, index=True)
    hash: Mapped[str] = mapped_column(String(64))
    #: "full" (walked from the genesis) or "incremental" (from the previous checkpoint)
    kind: Mapped[str] = mapped_column(String(12))
    #: hex HMAC-SHA256 of "seq:hash:kind" under the service's secret key
    signature: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
