"""Market rules of real rights markets: price bands, price collars, supply control, vintages, offsets.

Every rule reads its parameters from a dated rule set (``rules/params``) so that the
number used is the one valid on the day, with its source:

* **price bands** of China's national carbon market (``china_carbon_market``): a limit
  price of a listed agreement trade must lie within ``band_listed`` of the previous close,
  a block trade within ``band_block``; one-way bidding (单向竞价) is an auction by the seller
  and has no band.  Limits in integer fen: ``low = ceil(close * (1 - r))``,
  ``high = floor(close * (1 + r))`` (exact rational arithmetic), so a price in
  ``[low, high]`` never deviates by more than ``r`` from the close;
* **price collar and containment reserve** (``california_cap_and_trade``): no allowance is
  sold below the auction reserve price; the reserve sells fixed-price tiers of equal size,
  lowest price first, and a bidder is served in a tier only when its maximum price is at
  least the tier price (17 CCR 95913); an oversubscribed tier is shared pro rata by the
  largest-remainder (Hamilton) rule;
* **market stability reserve** (``eu_ets_msr``, Decision (EU) 2015/1814 as amended): for the
  TNAC of year ``Y`` under the rules valid on 1 September ``Y+1``::

      intake  = TNAC - upper                  if upper < TNAC <= band_top   (from 2024)
              = floor(rate * TNAC)            if TNAC > upper otherwise
              = 0                             otherwise
      release = min(release_amount, held)     if TNAC < lower, else 0

* **vintages and offsets**: a surrender for period ``p`` uses offsets first, at most
  ``floor(offset_cap * obligation)``, then allowances of vintages ``<= p`` oldest first
  (vintages ``< p`` only when banking is allowed), then borrowed vintages
  ``p+1 .. p+borrowing_years`` up to ``floor(borrowing_share * obligation)``; what is left
  is the shortfall.

Pure: no I/O; the caller passes a :class:`regcoord.rules.RuleSnapshot`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from fractions import Fraction
from typing import Any

import pandas as pd

from regcoord._display import FrameHTML
from regcoord.errors import DataError, RuleError
from regcoord.rules import RuleSnapshot
from regcoord.trading._allocation import largest_remainder


def _ratio(value: Any, name: str) -> Fraction:
    try:
        r = Fraction(Decimal(str(value)))
    except (ArithmeticError, ValueError):
        raise RuleError(f"{name} {value!r} is not a number") from None
    if not 0 <= r <= 1:
        raise RuleError(f"{name} {value} is outside [0, 1]")
    return r


# -- price bands (China national carbon market) ----------------------------------------------------
class TradeMode(Enum):
    """Trade types of the national carbon market (碳排放权交易管理规则（试行）第六条)."""

    LISTED = "listed"  # 挂牌协议交易
    BLOCK = "block"  # 大宗协议交易
    ONE_WAY = "one_way"  # 单向竞价

    @property
    def zh(self) -> str:
        return {"listed": "挂牌协议交易", "block": "大宗协议交易", "one_way": "单向竞价"}[self.value]

    @classmethod
    def parse(cls, value: str) -> TradeMode:
        try:
            return cls(str(value))
        except ValueError:
            raise DataError(
                f"trade mode {value!r} is unknown", column="mode", expected=", ".join(m.value for m in cls)
            ) from None


@dataclass(frozen=True, slots=True)
class PriceBand:
    """The daily band of one trade mode: integer fen limits around the previous close."""

    mode: TradeMode
    previous_close: int
    ratio: Fraction | None  # None: no band (one-way bidding)
    low: int
    high: int | None

    def contains(self, price: int) -> bool:
        return price >= self.low and (self.high is None or price <= self.high)

    def check(self, price: int, *, row: int | None = None) -> None:
        """Raise :class:`DataError` when ``price`` (fen) is outside the band."""
        if not self.contains(price):
            raise DataError(
                f"price {price} fen is outside the {self.mode.value} ({self.mode.zh}) band "
                f"of the previous close {self.previous_close} fen",
                row=row,
                column="price_fen",
                expected=f"{self.low} <= price <= {self.high} fen",
            )

    def to_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode.value,
            "previous_close_fen": self.previous_close,
            "ratio": None if self.ratio is None else str(self.ratio),
            "low_fen": self.low,
            "high_fen": self.high,
        }


def price_band(rules: RuleSnapshot, mode: TradeMode | str, previous_close: int) -> PriceBand:
    """The band of ``mode`` around ``previous_close`` (fen) under ``rules`` (``china_carbon_market``).

    ``low = ceil(close * (1 - r))``, ``high = floor(close * (1 + r))`` with ``r`` the rule set's
    ``band_listed`` or ``band_block``; one-way bidding has no band (``low = 1``, ``high = None``).
    """
    m = mode if isinstance(mode, TradeMode) else TradeMode.parse(mode)
    if isinstance(previous_close, bool) or not isinstance(previous_close, int) or previous_close < 1:
        raise DataError(
            f"previous close {previous_close!r} is invalid", column="previous_close", expected="fen >= 1"
        )
    allowed = {str(v) for v in rules.get("trade_modes", (m.value,))}
    if m.value not in allowed:
        raise DataError(
            f"trade mode {m.value} is not allowed by {rules.rule_set} on {rules.date}",
            column="mode",
            expected=", ".join(sorted(allowed)),
        )
    if m is TradeMode.ONE_WAY:
        return PriceBand(m, previous_close, None, 1, None)
    r = _ratio(rules["band_listed" if m is TradeMode.LISTED else "band_block"], f"band_{m.value}")
    low = max(1, math.ceil(previous_close * (1 - r)))
    high = math.floor(previous_close * (1 + r))
    return PriceBand(m, previous_close, r, low, high)


# -- price collar and containment reserve (California) ---------------------------------------------
@dataclass(frozen=True, slots=True)
class ReserveBid:
    """A bid in a containment reserve sale: up to ``quantity`` units at no more than ``max_price``."""

    bidder: str
    quantity: int
    max_price: int


@dataclass(frozen=True, slots=True)
class ReserveFill:
    """Units one bidder bought in one tier at the tier's fixed price."""

    bidder: str
    tier: int
    price: int
    quantity: int


@dataclass(frozen=True, slots=True)
class ReserveSale(FrameHTML):
    """The outcome of a containment reserve sale: fills per tier and bidder, units left per tier."""

    fills: tuple[ReserveFill, ...]
    offered: tuple[int, ...]
    sold: tuple[int, ...]
    prices: tuple[int, ...]

    @property
    def revenue(self) -> int:
        return sum(f.price * f.quantity for f in self.fills)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            [(f.bidder, f.tier, f.price, f.quantity) for f in self.fills],
            columns=["bidder", "tier", "price", "quantity"],
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "fills": [
                {"bidder": f.bidder, "tier": f.tier, "price": f.price, "quantity": f.quantity}
                for f in self.fills
            ],
            "offered": list(self.offered),
            "sold": list(self.sold),
            "prices": list(self.prices),
            "revenue": self.revenue,
        }


def reserve_sale(rules: RuleSnapshot, tier_units: int, bids: Sequence[ReserveBid]) -> ReserveSale:
    """Sell the containment reserve: tiers of ``tier_units`` each at the rule set's tier prices.

    Tiers are sold lowest price first.  In a tier, a bidder demands what it still wants if its
    ``max_price`` is at least the tier price; when demand exceeds the tier, the tier is shared
    in proportion to demand by largest remainder (ties by bidder order), so every unit is
    either sold once or stays in the reserve.
    """
    prices = tuple(int(p) for p in rules["reserve_tier_prices"])
    if isinstance(tier_units, bool) or not isinstance(tier_units, int) or tier_units < 0:
        raise DataError(f"tier size {tier_units!r} is invalid", column="tier_units", expected="units >= 0")
    for i, b in enumerate(bids):
        if b.quantity < 0 or b.max_price < 0:
            raise DataError(f"bid {i} has a negative quantity or price", row=i, column="bids")
    want = [b.quantity for b in bids]
    fills: list[ReserveFill] = []
    sold: list[int] = []
    for t, price in sorted(enumerate(prices), key=lambda x: x[1]):
        eligible = [i for i, b in enumerate(bids) if b.max_price >= price and want[i] > 0]
        demand = sum(want[i] for i in eligible)
        if demand <= tier_units:
            got = [want[i] for i in eligible]
        else:
            got = [int(x) for x in largest_remainder(tier_units, [Fraction(want[i]) for i in eligible])]
        for i, q in zip(eligible, got, strict=True):
            if q:
                fills.append(ReserveFill(bids[i].bidder, t, price, q))
                want[i] -= q
        sold.append(sum(got))
    order = sorted(range(len(prices)), key=lambda t: prices[t])
    sold_by_tier = [0] * len(prices)
    for t, s in zip(order, sold, strict=True):
        sold_by_tier[t] = s
    return ReserveSale(tuple(fills), tuple([tier_units] * len(prices)), tuple(sold_by_tier), prices)


def collar(rules: RuleSnapshot) -> tuple[int, int | None]:
    """(floor, ceiling) prices of ``rules``: the auction reserve price and the price ceiling (if any)."""
    floor = int(rules["auction_reserve_price"])
    ceiling = rules.get("price_ceiling")
    return floor, None if ceiling is None else int(ceiling)


def check_auction_price(rules: RuleSnapshot, price: int) -> None:
    """Refuse a settlement price below the floor or above the ceiling of ``rules``."""
    floor, ceiling = collar(rules)
    if price < floor or (ceiling is not None and price > ceiling):
        raise DataError(
            f"price {price} is outside the collar of {rules.rule_set} on {rules.date}",
            column="price",
            expected=f"{floor} <= price" + ("" if ceiling is None else f" <= {ceiling}"),
        )


# -- market stability reserve (EU) -----------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class MsrYear:
    """One year of the reserve: the TNAC published, the intake and the release it triggers."""

    year: int
    tnac: int
    intake: int
    release: int
    held_after: int | None
    rule: str

    def to_dict(self) -> dict[str, int]:
        return {"year": self.year, "tnac": self.tnac, "intake": self.intake, "release": self.release}


@dataclass(frozen=True, slots=True)
class MsrRun(FrameHTML):
    """Years of the market stability reserve, oldest first."""

    years: tuple[MsrYear, ...]

    def to_dict(self) -> list[dict[str, int]]:
        return [y.to_dict() for y in self.years]

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            [(y.year, y.tnac, y.intake, y.release, y.held_after, y.rule) for y in self.years],
            columns=["year", "tnac", "intake", "release", "held_after", "rule"],
        )


def msr_rule_date(year: int) -> dt.date:
    """The date whose rules apply to the TNAC of ``year``: the intake starts 1 September ``year + 1``."""
    return dt.date(year + 1, 9, 1)


def msr_year(rules: RuleSnapshot, year: int, tnac: int, held: int | None = None) -> MsrYear:
    """Intake and release for the TNAC of ``year`` under ``rules`` (``eu_ets_msr`` at :func:`msr_rule_date`).

    ``held`` is what the reserve holds before the release (``None``: enough for any release).
    """
    if isinstance(tnac, bool) or not isinstance(tnac, int) or tnac < 0:
        raise DataError(
            f"TNAC {tnac!r} of {year} is invalid", row=year, column="tnac", expected="an integer >= 0"
        )
    upper = int(rules["upper_threshold"])
    lower = int(rules["lower_threshold"])
    rate = _ratio(rules["intake_rate"], "intake_rate")
    top = rules.get("intake_band_top")
    intake = release = 0
    rule = "none"
    if tnac > upper:
        if top is not None and tnac <= int(top):
            intake, rule = tnac - upper, "surplus above threshold"
        else:
            intake, rule = math.floor(rate * tnac), f"{rate.numerator}/{rate.denominator} of TNAC"
    elif tnac < lower:
        amount = int(rules["release_amount"])
        release = amount if held is None else min(amount, held)
        rule = "release"
    after = None if held is None else held + intake - release
    return MsrYear(year, tnac, intake, release, after, rule)


def msr_run(
    rules_for: Mapping[int, RuleSnapshot] | Any, tnac: Mapping[int, int], held: int | None = None
) -> MsrRun:
    """The reserve over the years of ``tnac`` (``{year: TNAC}``), oldest first.

    ``rules_for`` is a :class:`regcoord.rules.RuleSet` (or a mapping year -> snapshot); the
    snapshot of year ``Y`` is taken at :func:`msr_rule_date` ``(Y)``.  ``held`` (optional) is
    the reserve's holding before the first year; it is carried from year to year.
    """
    out = []
    for year in sorted(tnac):
        snap = rules_for[year] if isinstance(rules_for, Mapping) else rules_for.at(msr_rule_date(year))
        y = msr_year(snap, year, tnac[year], held)
        held = y.held_after
        out.append(y)
    return MsrRun(tuple(out))


# -- vintages, banking, borrowing and offsets ------------------------------------------------------
@dataclass(frozen=True, slots=True)
class VintagePolicy:
    """Banking, borrowing and offset limits of one scheme on one date."""

    banking: bool
    borrowing_years: int = 0
    borrowing_share: Fraction = Fraction(0)
    offset_cap: Fraction = Fraction(0)

    @classmethod
    def from_rules(cls, rules: RuleSnapshot) -> VintagePolicy:
        """Read ``banking_allowed``, ``borrowing_years``, ``borrowing_share``, ``offset_cap`` (absent: none)."""
        return cls(
            banking=bool(rules.get("banking_allowed", False)),
            borrowing_years=int(rules.get("borrowing_years", 0)),
            borrowing_share=_ratio(rules.get("borrowing_share", 0), "borrowing_share"),
            offset_cap=_ratio(rules.get("offset_cap", 0), "offset_cap"),
        )


@dataclass(frozen=True, slots=True)
class SurrenderPlan:
    """How an obligation is met: offsets, units per vintage (banked, current, borrowed), shortfall."""

    period: int
    obligation: int
    offsets: int
    by_vintage: Mapping[int, int] = field(default_factory=dict)
    borrowed: int = 0
    shortfall: int = 0

    @property
    def surrendered(self) -> int:
        return self.offsets + sum(self.by_vintage.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "obligation": self.obligation,
            "offsets": self.offsets,
            "by_vintage": {str(v): q for v, q in sorted(self.by_vintage.items())},
            "borrowed": self.borrowed,
            "shortfall": self.shortfall,
        }


def plan_surrender(
    policy: VintagePolicy, period: int, obligation: int, holdings: Mapping[int, int], offsets: int = 0
) -> SurrenderPlan:
    """Meet ``obligation`` units for ``period`` from ``offsets`` and ``holdings`` (``{vintage: units}``).

    Offsets first (at most ``floor(offset_cap * obligation)``), then vintages ``<= period``
    oldest first (only ``period`` itself without banking), then vintages
    ``period + 1 .. period + borrowing_years`` nearest first up to
    ``floor(borrowing_share * obligation)``; the rest is the shortfall.
    """
    for name, v in (("obligation", obligation), ("offsets", offsets)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise DataError(f"{name} {v!r} is invalid", column=name, expected="an integer >= 0")
    for vintage, units in holdings.items():
        if isinstance(units, bool) or not isinstance(units, int) or units < 0:
            raise DataError(
                f"holding of vintage {vintage} is {units!r}", row=vintage, column="units", expected=">= 0"
            )
    need = obligation
    use_off = min(offsets, math.floor(policy.offset_cap * obligation), need)
    need -= use_off
    taken: dict[int, int] = {}
    current = sorted(v for v in holdings if v <= period and (policy.banking or v == period))
    for v in current:
        q = min(holdings[v], need)
        if q:
            taken[v] = q
            need -= q
    borrow_room = math.floor(policy.borrowing_share * obligation)
    borrowed = 0
    for v in range(period + 1, period + policy.borrowing_years + 1):
        q = min(holdings.get(v, 0), need, borrow_room - borrowed)
        if q > 0:
            taken[v] = q
            need -= q
            borrowed += q
    return SurrenderPlan(period, obligation, use_off, taken, borrowed, need)


# -- water rights transfers (China) ----------------------------------------------------------------
class WaterTransferKind(Enum):
    """Kinds of water rights trading (水权交易管理暂行办法 第三条)."""

    REGIONAL = "regional"  # 区域水权交易
    INTAKE = "intake"  # 取水权交易
    IRRIGATION = "irrigation"  # 灌溉用水户水权交易

    @property
    def zh(self) -> str:
        return {"regional": "区域水权交易", "intake": "取水权交易", "irrigation": "灌溉用水户水权交易"}[
            self.value
        ]


class WaterTransferMethod(Enum):
    """How a transfer is concluded: public listing on a platform or a negotiated agreement."""

    PUBLIC_LISTING = "public_listing"  # 公开交易
    NEGOTIATED = "negotiated"  # 协议转让

    @property
    def zh(self) -> str:
        return {"public_listing": "公开交易", "negotiated": "协议转让"}[self.value]


@dataclass(frozen=True, slots=True)
class WaterTransfer:
    """A water rights transfer: ``annual_volume`` m3 a year for ``term_years`` years from ``start_year``.

    ``seller_region``/``buyer_region`` are the regions of the parties; ``permit_expiry_year``
    is the last year of the seller's intake permit (intake-right transfers);
    ``district`` the irrigation district of both users (irrigation-user transfers).
    """

    kind: WaterTransferKind
    method: WaterTransferMethod
    seller: str
    buyer: str
    seller_region: str
    buyer_region: str
    annual_volume: int
    term_years: int
    start_year: int
    price_fen_per_m3: int
    permit_expiry_year: int | None = None
    seller_district: str | None = None
    buyer_district: str | None = None

    @property
    def total_volume(self) -> int:
        return self.annual_volume * self.term_years

    @property
    def value_fen(self) -> int:
        return self.total_volume * self.price_fen_per_m3

    def schedule(self) -> tuple[tuple[int, int], ...]:
        """(year, m3) delivered each year of the term."""
        return tuple((self.start_year + i, self.annual_volume) for i in range(self.term_years))

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "kind_zh": self.kind.zh,
            "method": self.method.value,
            "method_zh": self.method.zh,
            "seller": self.seller,
            "buyer": self.buyer,
            "annual_volume_m3": self.annual_volume,
            "term_years": self.term_years,
            "start_year": self.start_year,
            "total_volume_m3": self.total_volume,
            "value_fen": self.value_fen,
        }


@dataclass(frozen=True, slots=True)
class WaterTransferCheck:
    """The transfer accepted, with whether it must be filed (备案) with the district or county."""

    transfer: WaterTransfer
    needs_filing: bool

    def to_dict(self) -> dict[str, Any]:
        return {**self.transfer.to_dict(), "needs_filing": self.needs_filing}


def check_water_transfer(
    rules: RuleSnapshot, t: WaterTransfer, *, row: int | None = None
) -> WaterTransferCheck:
    """Validate ``t`` against ``rules`` (``china_water_rights``); raise :class:`DataError` naming the field.

    Regional transfers are between two different regions; an intake-right transfer may not run
    past the last year of the seller's permit; irrigation-user transfers stay inside one
    irrigation district and need filing when longer than ``irrigation_filing_years``.
    """

    def bad(column: str, problem: str, expected: str) -> DataError:
        return DataError(problem, row=row, column=column, expected=expected)

    kinds = {str(k) for k in rules["kinds"]}
    methods = {str(m) for m in rules["methods"]}
    if t.kind.value not in kinds:
        raise bad("kind", f"kind {t.kind.value} is not in {rules.rule_set}", ", ".join(sorted(kinds)))
    if t.method.value not in methods:
        raise bad("method", f"method {t.method.value} is not in {rules.rule_set}", ", ".join(sorted(methods)))
    if t.seller == t.buyer:
        raise bad("buyer", f"buyer {t.buyer} is the seller", "two different parties")
    if t.annual_volume < 1:
        raise bad("annual_volume_m3", f"annual volume {t.annual_volume} m3", "an integer >= 1 (m3/year)")
    if t.term_years < 1:
        raise bad("term_years", f"term {t.term_years} years", "an integer >= 1 (years)")
    if t.price_fen_per_m3 < 0:
        raise bad("price_fen_per_m3", f"price {t.price_fen_per_m3}", "fen per m3 >= 0")
    needs_filing = False
    if t.kind is WaterTransferKind.REGIONAL and t.seller_region == t.buyer_region:
        raise bad("buyer_region", f"regional transfer inside {t.seller_region}", "two different regions")
    if t.kind is WaterTransferKind.INTAKE:
        if t.permit_expiry_year is None:
            raise bad("permit_expiry_year", "intake-right transfer without the permit's term", "a year")
        last = t.start_year + t.term_years - 1
        if last > t.permit_expiry_year:
            raise bad(
                "term_years",
                f"transfer runs to {last}, past the permit's last year {t.permit_expiry_year}",
                f"term_years <= {t.permit_expiry_year - t.start_year + 1}",
            )
    if t.kind is WaterTransferKind.IRRIGATION:
        if not t.seller_district or t.seller_district != t.buyer_district:
            raise bad(
                "buyer_district",
                f"irrigation users of districts {t.seller_district!r} and {t.buyer_district!r}",
                "both users in one irrigation district",
            )
        needs_filing = t.term_years > int(rules["irrigation_filing_years"])
    return WaterTransferCheck(t, needs_filing)
