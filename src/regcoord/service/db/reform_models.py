"""Tables of the reform workbench (issue 11), on the service's declarative ``Base``.

A saved reform keeps what is needed to reproduce it (scheme, rule date, the reform in
its flat form, the data: ``null`` for the bundled illustrative set, else the uploaded
rows) and the result computed when it was saved, with its author.  Rows never change:
saving again makes a new reform.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from regcoord.service.db.models import Base
from regcoord.service.db.types import UTCDateTime


class SavedReform(Base):
    """One saved reform with its inputs and its result (``result`` = ``SchemeRun.to_dict()``)."""

    __tablename__ = "reform_saved"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    scheme: Mapped[str] = mapped_column(String(60), index=True)
    rule_date: Mapped[date] = mapped_column(Date)
    reform: Mapped[dict[str, Any]] = mapped_column(JSON)
    data_source: Mapped[str] = mapped_column(String(20))
    data_rows: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, nullable=True)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
