"""Initial allocation of rights under a cap: grandfathering, benchmarking, per capita, auction.

Every method returns integer units whose total never exceeds the cap.  Shares are turned
into integers with the *largest-remainder* (Hamilton, Hare-quota) method, in exact
rational arithmetic, so the total equals the cap exactly whenever the shares add up to the
whole cap, and falls below it only where the method itself leaves units unallocated
(benchmarking demand below the cap, an undersubscribed auction).

Parameters (cap, benchmark intensity, reserve price) are explicit arguments, or come from
a dated rule set (``regcoord.rules``, OpenFisca style) through :func:`allocate_by_rule`.
No trading rule set is bundled: the project's domain documents hold no published,
verified allocation parameters for these schemes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from math import lcm
from typing import Any, Literal

import numpy as np
import pandas as pd

from regcoord._display import FrameHTML
from regcoord.errors import DataError
from regcoord.rules import largest_remainder_round
from regcoord.trading._rights import Instrument

Method = Literal["grandfathering", "benchmarking", "per_capita", "auction"]
Number = int | float | str | Fraction | Decimal | np.integer | np.floating

METHODS: tuple[Method, ...] = ("grandfathering", "benchmarking", "per_capita", "auction")


def exact(value: Number, *, what: str = "value", row: int | None = None) -> Fraction:
    """An exact rational from ``value``.

    Floats are read by their shortest decimal representation (``0.7`` is ``7/10``, not the
    binary double just below it), so ``10 * 0.7`` floors to 7 as a person expects.
    """
    if isinstance(value, bool):
        raise DataError(f"{what} {value!r} is a boolean", row=row, column=what, expected="a number")
    try:
        if isinstance(value, float | np.floating):
            f = float(value)
            if not np.isfinite(f):
                raise DataError(f"{what} is {f}", row=row, column=what, expected="a finite number")
            return Fraction(repr(f))
        if isinstance(value, np.integer):
            return Fraction(int(value))
        return Fraction(value)
    except (ValueError, TypeError, ZeroDivisionError):
        raise DataError(
            f"{what} {value!r} is not a number", row=row, column=what, expected="a number"
        ) from None


def largest_remainder(total: int, weights: Sequence[Number] | np.ndarray) -> np.ndarray:
    """Apportion ``total`` integer units in proportion to ``weights`` (Hamilton's method).

    .. math::  q_i = T\\,w_i / \\sum_j w_j, \\qquad n_i = \\lfloor q_i \\rfloor + [i \\in R]

    where ``R`` holds the ``T - \\sum_i \\lfloor q_i \\rfloor`` indices with the largest
    fractional parts ``q_i - \\lfloor q_i \\rfloor``.  Ties in the fractional part go to the
    larger weight, then to the earlier position in the input (a documented, deterministic
    rule).  Computed exactly with rationals: the result sums to ``total`` and every
    ``n_i`` lies in ``{floor(q_i), ceil(q_i)}`` (the quota property).  The rounding step is
    :func:`regcoord.rules.largest_remainder_round`, shared with money apportionment.

    Source: A. Hamilton (1792); M. Balinski and H. P. Young, *Fair Representation*
    (2nd ed., Brookings, 2001), ch. 2.

    Raises :class:`DataError` for a negative total, a negative weight or all-zero weights.

    >>> largest_remainder(10, [47_000, 16_000, 15_800, 12_000, 6_100, 3_100]).tolist()
    [5, 2, 1, 1, 1, 0]
    """
    if isinstance(total, bool) or not isinstance(total, int | np.integer) or total < 0:
        raise DataError(
            f"total {total!r} is not a non-negative integer", column="cap", expected="an integer >= 0"
        )
    total = int(total)
    fr = [exact(w, what="weight", row=i) for i, w in enumerate(weights)]
    for i, w in enumerate(fr):
        if w < 0:
            raise DataError(f"weight {w} is negative", row=i, column="weight", expected=">= 0")
    if not fr:
        raise DataError("no holders to allocate to", column="weight", expected="at least one row")
    den = lcm(*(w.denominator for w in fr))
    num = [w.numerator * (den // w.denominator) for w in fr]
    big_n = sum(num)
    if big_n == 0:
        raise DataError("all weights are zero", column="weight", expected="at least one positive weight")
    floors = largest_remainder_round([total * n for n in num], big_n, total, prefer=num)
    return np.array(floors, dtype=np.int64)


@dataclass(frozen=True)
class Bid:
    """A sealed bid: ``quantity`` units at ``price`` fen per unit (or better)."""

    bidder: str
    quantity: int
    price: int


@dataclass(frozen=True)
class Allocation(FrameHTML):
    """Integer allocation of one instrument under a cap.

    ``units[i]`` goes to ``holders[i]``; ``unallocated = cap - units.sum() >= 0``.
    For an auction ``clearing_price`` (fen per unit) and ``payments`` (fen) are set.
    """

    method: Method
    instrument: Instrument
    cap: int
    holders: tuple[str, ...]
    units: np.ndarray
    clearing_price: int | None = None
    payments: np.ndarray | None = None
    parameters: dict[str, Any] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return int(self.units.sum())

    @property
    def unallocated(self) -> int:
        return self.cap - self.total

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "method": self.method,
            "instrument": self.instrument.to_dict(),
            "cap": self.cap,
            "total": self.total,
            "unallocated": self.unallocated,
            "holders": list(self.holders),
            "units": [int(u) for u in self.units],
            "parameters": {k: (str(v) if isinstance(v, Fraction) else v) for k, v in self.parameters.items()},
        }
        if self.clearing_price is not None:
            out["clearing_price_fen"] = self.clearing_price
        if self.payments is not None:
            out["payments_fen"] = [int(p) for p in self.payments]
        return out

    def to_frame(self) -> pd.DataFrame:
        frame = pd.DataFrame({"holder": list(self.holders), "units": self.units})
        if self.payments is not None:
            frame["payment_fen"] = self.payments
        return frame


def _check_cap(cap: int) -> int:
    if isinstance(cap, bool) or not isinstance(cap, int | np.integer) or cap < 0:
        raise DataError(
            f"cap {cap!r} is not a non-negative integer", column="cap", expected="an integer >= 0"
        )
    return int(cap)


def _check_holders(holders: Sequence[str], n: int, what: str) -> tuple[str, ...]:
    hs = tuple(str(h) for h in holders)
    if len(hs) != n:
        raise DataError(
            f"{len(hs)} holders but {n} values of {what}", column=what, expected="one value per holder"
        )
    seen: set[str] = set()
    for i, h in enumerate(hs):
        if h in seen:
            raise DataError(f"holder {h!r} appears twice", row=i, column="holder", expected="unique holders")
        seen.add(h)
    return hs


def grandfathering(
    instrument: Instrument, cap: int, holders: Sequence[str], history: Sequence[Number] | np.ndarray
) -> Allocation:
    """Allocate the cap in proportion to historical use (grandfathering).

    .. math::  n_i = \\mathrm{LR}\\big(C;\\, h_i / \\textstyle\\sum_j h_j\\big)

    with ``h_i`` the holder's historical emissions/use in the base period and LR the
    largest-remainder apportionment (:func:`largest_remainder`).  Total equals the cap.
    Source: A. D. Ellerman, F. J. Convery, C. de Perthuis, *Pricing Carbon: The European
    Union Emissions Trading Scheme* (CUP, 2010), ch. 3 (free allocation on historical
    emissions).
    """
    cap = _check_cap(cap)
    hs = _check_holders(holders, len(history), "history")
    units = largest_remainder(cap, history)
    return Allocation("grandfathering", instrument, cap, hs, units)


def per_capita(
    instrument: Instrument, cap: int, holders: Sequence[str], population: Sequence[Number] | np.ndarray
) -> Allocation:
    """Allocate the cap equally per head: ``n_i = LR(C; P_i / sum_j P_j)``.

    The equal-per-capita principle of emission-rights allocation (e.g. A. Agarwal and
    S. Narain, *Global Warming in an Unequal World*, CSE, 1991).  Total equals the cap.
    """
    cap = _check_cap(cap)
    hs = _check_holders(holders, len(population), "population")
    units = largest_remainder(cap, population)
    return Allocation("per_capita", instrument, cap, hs, units)


def benchmarking(
    instrument: Instrument,
    cap: int,
    holders: Sequence[str],
    output: Sequence[Number] | np.ndarray,
    intensity: Number | Sequence[Number] | np.ndarray,
) -> Allocation:
    """Allocate output times benchmark intensity, scaled down pro rata if that exceeds the cap.

    .. math::  d_i = y_i\\,b_i, \\qquad
               n_i = \\lfloor d_i \\rfloor \\text{ if } \\sum_j d_j \\le C,
               \\quad\\text{else } n_i = \\mathrm{LR}(C;\\, d_i/\\textstyle\\sum_j d_j)

    ``y_i`` is the holder's output and ``b_i`` the benchmark intensity (right units per
    unit of output; one number for all holders or one per holder).  When demand fits under
    the cap each holder gets its floored demand and the rest of the cap stays unallocated;
    otherwise the whole cap is apportioned (a uniform correction factor, as in the EU ETS
    cross-sectoral correction factor, Decision 2011/278/EU, Art. 15).  Exact rationals.
    """
    cap = _check_cap(cap)
    hs = _check_holders(holders, len(output), "output")
    ys = [exact(y, what="output", row=i) for i, y in enumerate(output)]
    if isinstance(intensity, Sequence | np.ndarray) and not isinstance(intensity, str):
        bs = [exact(b, what="intensity", row=i) for i, b in enumerate(intensity)]
        if len(bs) != len(ys):
            raise DataError(
                f"{len(bs)} intensities for {len(ys)} holders", column="intensity", expected="one per holder"
            )
    else:
        bs = [exact(intensity, what="intensity")] * len(ys)
    for i, (y, b) in enumerate(zip(ys, bs, strict=True)):
        if y < 0:
            raise DataError(f"output {y} is negative", row=i, column="output", expected=">= 0")
        if b < 0:
            raise DataError(f"intensity {b} is negative", row=i, column="intensity", expected=">= 0")
    demand = [y * b for y, b in zip(ys, bs, strict=True)]
    params: dict[str, Any] = {"intensity": str(bs[0]) if len(set(bs)) == 1 else [str(b) for b in bs]}
    if sum(demand) <= cap:
        units = np.array([d.numerator // d.denominator for d in demand], dtype=np.int64)
        params["scaled"] = False
    else:
        units = largest_remainder(cap, demand)
        params["scaled"] = True
    return Allocation("benchmarking", instrument, cap, hs, units, parameters=params)


def auction(instrument: Instrument, cap: int, bids: Sequence[Bid], *, reserve_price: int = 0) -> Allocation:
    """Sealed-bid uniform-price auction of ``cap`` units with a reserve price.

    Bids below ``reserve_price`` (fen per unit) are rejected.  The rest are ranked by
    price, highest first; units go down the ranking until the cap is sold.  The clearing
    price is the price of the bid at which the cumulated volume reaches the cap, i.e. the
    lowest accepted bid (Commission Regulation (EU) No 1031/2010, Art. 7, as described in
    EEX's auction design); every winner pays it per unit.  Bids at the clearing price that
    cannot all be filled share the remaining units pro rata to their quantities by largest
    remainder (ties to the earlier bid) -- a deterministic choice where the EU rule sorts
    tied bids by random selection.  When bids at or above the reserve do not cover the cap,
    all of them are filled at the lowest one (as in the UK ETS Auctioning Regulations 2021,
    reg. 7(1)(c); the EU rule would cancel the auction) and the rest stays unallocated, so
    the total is at most the cap.

    One bidder may submit several bids; the allocation is summed per bidder, listed in
    order of first appearance.
    """
    cap = _check_cap(cap)
    if isinstance(reserve_price, bool) or not isinstance(reserve_price, int) or reserve_price < 0:
        raise DataError(
            f"reserve price {reserve_price!r} is invalid", column="reserve_price", expected="fen >= 0"
        )
    bidders: list[str] = []
    index: dict[str, int] = {}
    for i, b in enumerate(bids):
        for name, v in (("quantity", b.quantity), ("price", b.price)):
            if isinstance(v, bool) or not isinstance(v, int | np.integer) or v < 0:
                raise DataError(
                    f"bid {name} {v!r} is invalid", row=i, column=name, expected="an integer >= 0"
                )
        if b.bidder not in index:
            index[b.bidder] = len(bidders)
            bidders.append(b.bidder)
    valid = [(i, b) for i, b in enumerate(bids) if b.price >= reserve_price and b.quantity > 0]
    valid.sort(key=lambda ib: (-ib[1].price, ib[0]))
    got = [0] * len(bids)
    left = cap
    clearing: int | None = None
    k = 0
    while k < len(valid) and left > 0:
        price = valid[k][1].price
        j = k
        while j < len(valid) and valid[j][1].price == price:
            j += 1
        tier = valid[k:j]
        want = sum(b.quantity for _, b in tier)
        if want <= left:
            for i, b in tier:
                got[i] = b.quantity
            left -= want
        else:
            share = largest_remainder(left, [b.quantity for _, b in tier])
            for (i, _), s in zip(tier, share, strict=True):
                got[i] = int(s)
            left = 0
        clearing = price
        k = j
    units = np.zeros(len(bidders), dtype=np.int64)
    for i, b in enumerate(bids):
        units[index[b.bidder]] += got[i]
    payments = units * (clearing if clearing is not None else 0)
    return Allocation(
        "auction",
        instrument,
        cap,
        tuple(bidders),
        units,
        clearing_price=clearing,
        payments=payments,
        parameters={"reserve_price_fen": reserve_price},
    )


def _rule_int(snapshot: Any, name: str) -> int:
    value = exact(snapshot[name], what=name)
    if value.denominator != 1 or value < 0:
        raise DataError(
            f"rule set {getattr(snapshot, 'rule_set', '?')!r}: {name} = {value} is not a whole number >= 0",
            column=name,
            expected="an integer",
        )
    return int(value)


def allocate_by_rule(
    snapshot: Any,
    instrument: Instrument,
    holders: Sequence[str] = (),
    data: Sequence[Number] | np.ndarray = (),
    *,
    bids: Sequence[Bid] = (),
) -> Allocation:
    """Allocate with the parameters of a dated rule set valid on one date.

    ``snapshot`` is a :class:`regcoord.rules.RuleSnapshot` (``load_rule_set(name).at(date)``)
    holding ``method`` (one of :data:`METHODS`), ``cap`` (units) and, as the method needs,
    ``benchmark_intensity`` (right units per unit of output) or ``reserve_price`` (fen per
    unit, default 0).  ``data`` is the per-holder history, population or output; an
    auction takes ``bids`` instead.  The rule set name, date and the parameters' labels
    are kept in ``Allocation.parameters``.  No trading rule set is bundled yet: no
    published parameters for it are in the project's domain documents.
    """
    method = str(snapshot["method"]).strip()
    if method not in METHODS:
        raise DataError(f"rule method {method!r} is unknown", column="method", expected=", ".join(METHODS))
    cap = _rule_int(snapshot, "cap")
    if method == "grandfathering":
        result = grandfathering(instrument, cap, holders, data)
    elif method == "per_capita":
        result = per_capita(instrument, cap, holders, data)
    elif method == "benchmarking":
        result = benchmarking(instrument, cap, holders, data, snapshot["benchmark_intensity"])
    else:
        reserve = _rule_int(snapshot, "reserve_price") if "reserve_price" in snapshot else 0
        result = auction(instrument, cap, bids, reserve_price=reserve)
    date = getattr(snapshot, "date", None)
    params = dict(result.parameters)
    params["rule_set"] = getattr(snapshot, "rule_set", "")
    params["date"] = date.isoformat() if date is not None else ""
    labels = {
        name: getattr(p, "label", "")
        for name, p in getattr(snapshot, "params", {}).items()
        if hasattr(p, "label")
    }
    if labels:
        params["labels"] = labels
    return Allocation(
        result.method,
        instrument,
        cap,
        result.holders,
        result.units,
        clearing_price=result.clearing_price,
        payments=result.payments,
        parameters=params,
    )
