"""The stored credit standing of each region (issue 17: one truth for score and breaches).

``credit_standing`` holds, per subject, the score and the number of breaches, updated in the
transaction of every credit event (:func:`regcoord.service.usecases.monitoring.record_credit_events`).
Every page and the API read it with one query; the fold over ``credit_event``
(:func:`regcoord.agreements.credit_record`) stays as the verification.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from regcoord.service.db.models import Base
from regcoord.service.db.types import UTCDateTime


class CreditStanding(Base):
    __tablename__ = "credit_standing"
    subject: Mapped[str] = mapped_column(String(12), primary_key=True)
    score: Mapped[int] = mapped_column(Integer)
    n_events: Mapped[int] = mapped_column(Integer)
    breaches: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
