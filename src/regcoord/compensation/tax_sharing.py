"""Sharing the taxes of relocated enterprises between origin and destination.

Beijing-Tianjin-Hebei rule (财预〔2015〕92号, rule set ``bth_relocation_tax``):

* eligible when the origin government led the relocation, it fits the destination's
  layout, and the firm paid on average at least 20 million yuan a year of the "three
  taxes" (local shares of VAT, corporate income tax, business tax) in the three years
  before moving;
* the three taxes paid in the three years after the registration change and reaching
  full production are split 50:50 between destination and origin;
* the origin's cumulative share is capped at the three taxes paid in the three years
  before moving (``cap``); if the cap is not reached after three years, sharing continues
  for two more years (always within the cap).

Per year ``t``: ``origin_t = min(share * T_t, cap - sum_{u<t} origin_u)``,
``destination_t = T_t - origin_t``.  Money is Decimal yuan rounded to the fen
(ROUND_HALF_EVEN) per year.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Any

import pandas as pd

from regcoord._display import FrameHTML
from regcoord.compensation._payment import PRECISION, nonnegative
from regcoord.errors import DataError
from regcoord.rules import RuleSnapshot, Trace, TraceBuilder, round_fen

__all__ = ["TaxShareResult", "relocated_tax_sharing"]


@dataclass(frozen=True)
class TaxShareResult(FrameHTML):
    """Year-by-year split of the three taxes between origin and destination."""

    origin: str
    destination: str
    eligible: bool
    cap: Decimal
    years: tuple[int, ...]
    taxes: tuple[Decimal, ...]
    origin_share: tuple[Decimal, ...]
    destination_share: tuple[Decimal, ...]
    extended: bool
    trace: Trace

    @property
    def origin_total(self) -> Decimal:
        return sum(self.origin_share, Decimal(0))

    def to_dict(self) -> dict[str, Any]:
        return {
            "origin": self.origin,
            "destination": self.destination,
            "eligible": self.eligible,
            "cap": str(self.cap),
            "extended": self.extended,
            "years": list(self.years),
            "taxes": [str(v) for v in self.taxes],
            "origin_share": [str(v) for v in self.origin_share],
            "destination_share": [str(v) for v in self.destination_share],
            "origin_total": str(self.origin_total),
            "trace": self.trace.to_dict(),
        }

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "year": self.years,
                "three_taxes": self.taxes,
                "origin": self.origin_share,
                "destination": self.destination_share,
            }
        )


def _year_total(value: Any, taxes: Sequence[str], where: str) -> Decimal:
    if isinstance(value, Mapping):
        unknown = set(value) - set(taxes)
        if unknown:
            raise DataError(f"{where}: unknown tax(es) {sorted(unknown)}", expected=f"some of {list(taxes)}")
        return sum((nonnegative(v, name=f"tax {k!r}", where=where) for k, v in value.items()), Decimal(0))
    return nonnegative(value, name="three taxes", where=where)


def relocated_tax_sharing(
    pre_move: Sequence[Any],
    post_move: Sequence[Any],
    snapshot: RuleSnapshot,
    *,
    first_year: int,
    origin: str = "origin",
    destination: str = "destination",
    origin_led: bool = True,
    fits_layout: bool = True,
) -> TaxShareResult:
    """Split the three taxes of a relocated firm (see the module docstring).

    ``pre_move``: the three taxes of each of the ``cap_lookback_years`` years before
    moving (oldest first).  ``post_move``: the three taxes of each year from the first
    full-production year ``first_year`` on; each entry a number or a mapping
    ``{vat|corporate_income_tax|business_tax: amount}``.  Years beyond the sharing period
    (3, or 3 + 2 when extended) stay wholly with the destination.
    """
    tb = TraceBuilder()
    taxes = tuple(str(t) for t in tb.parameter(snapshot.param("taxes")))
    share = tb.parameter(snapshot.param("origin_share"))
    dshare = tb.parameter(snapshot.param("destination_share"))
    if share + dshare != 1:
        raise DataError(f"origin and destination shares sum to {share + dshare}", expected="1")
    n_share = int(tb.parameter(snapshot.param("sharing_years")))
    n_ext = int(tb.parameter(snapshot.param("extension_years")))
    lookback = int(tb.parameter(snapshot.param("cap_lookback_years")))
    threshold = tb.parameter(snapshot.param("eligibility_threshold"))
    if len(pre_move) != lookback:
        raise DataError(
            f"{len(pre_move)} pre-move years given", expected=f"{lookback} (the years before moving)"
        )
    if not post_move:
        raise DataError("no post-move tax years given", expected="taxes from the first full-production year")
    pre = [_year_total(v, taxes, f"pre-move year {i + 1}") for i, v in enumerate(pre_move)]
    for i, v in enumerate(pre):
        tb.input(f"three taxes, pre-move year -{lookback - i}", v, "yuan")
    cap = tb.value("cap", sum(pre, Decimal(0)), f"sum of the {lookback} pre-move years", "yuan")
    with localcontext() as ctx:
        ctx.prec = PRECISION
        avg = tb.value("pre-move average", cap / lookback, f"cap / {lookback}", "yuan/year")
    tb.input("origin led the relocation", origin_led)
    tb.input("fits the destination's layout", fits_layout)
    eligible = tb.decision(
        "eligible", bool(origin_led and fits_layout and avg >= threshold), f"average {avg} >= {threshold}"
    )
    years = tuple(first_year + i for i in range(len(post_move)))
    post = [_year_total(v, taxes, f"year {y}") for y, v in zip(years, post_move, strict=True)]
    o_sh: list[Decimal] = []
    d_sh: list[Decimal] = []
    cum = Decimal(0)
    extended = False
    for i, (y, t) in enumerate(zip(years, post, strict=True)):
        tb.input(f"three taxes {y}", t, "yuan")
        if i == n_share:
            extended = bool(
                tb.decision("extension", eligible and cum < cap, f"origin total {cum} < cap {cap}")
            )
        in_period = eligible and (i < n_share or (extended and i < n_share + n_ext))
        if in_period:
            o = round_fen(min(share * t, cap - cum))
            formula = f"min({share} * {t}, cap {cap} - cumulative {cum})"
        else:
            o = Decimal("0.00")
            formula = "outside the sharing period" if eligible else "not eligible"
        o_sh.append(tb.value(f"origin share {y}", o, formula, "yuan"))
        d_sh.append(tb.value(f"destination share {y}", round_fen(t) - o, "taxes - origin share", "yuan"))
        cum += o
    tb.value("origin total", cum, "sum of the origin's shares", "yuan")
    return TaxShareResult(
        origin=origin,
        destination=destination,
        eligible=eligible,
        cap=cap,
        years=years,
        taxes=tuple(round_fen(t) for t in post),
        origin_share=tuple(o_sh),
        destination_share=tuple(d_sh),
        extended=extended,
        trace=tb.build(),
    )
