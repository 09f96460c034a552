"""Tradable rights: typed, dated by vintage, held in integer units by regions (or enterprises).

Section 9 of the source document (Opinions on establishing a more effective new mechanism
of coordinated regional development, 2018) asks for "the initial allocation and trading
system for water rights, emission rights, carbon emissions rights and energy rights"
(水权、排污权、碳排放权、用能权初始分配与交易制度).  This module fixes the vocabulary: a
:class:`RightType` with its physical unit, an :class:`Instrument` (right type + vintage
year, the thing an order book trades) and holder identifiers.

Quantities are integer counts of the right's unit (one cubic metre of water, one tonne of
COD, one tonne of CO2e, one tonne of standard coal equivalent); money is integer fen
(1 yuan = 100 fen).  No floats touch a balance.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from regcoord.errors import DataError


class RightType(StrEnum):
    """The four right families of §9, with emission rights split by pollutant."""

    WATER = "water"
    COD = "cod"
    AMMONIA_N = "ammonia_n"
    CO2E = "co2e"
    ENERGY = "energy"

    @property
    def unit(self) -> str:
        """The physical unit one integer unit of this right stands for."""
        return _UNITS[self][0]

    @property
    def label_en(self) -> str:
        return _UNITS[self][1]

    @property
    def label_zh(self) -> str:
        return _UNITS[self][2]

    @classmethod
    def parse(cls, text: str | RightType) -> RightType:
        """Parse a right type from its value (``"co2e"``), name (``"CO2E"``) or Chinese label."""
        if isinstance(text, RightType):
            return text
        key = str(text).strip()
        for member in cls:
            if key.lower() in (member.value, member.name.lower()) or key == member.label_zh:
                return member
        raise DataError(
            f"unknown right type {text!r}",
            expected="one of " + ", ".join(m.value for m in cls),
        )


_UNITS: dict[RightType, tuple[str, str, str]] = {
    RightType.WATER: ("m3", "water right", "水权"),
    RightType.COD: ("t", "COD emission right", "化学需氧量排污权"),
    RightType.AMMONIA_N: ("t", "ammonia-nitrogen emission right", "氨氮排污权"),
    RightType.CO2E: ("tCO2e", "carbon emission right", "碳排放权"),
    RightType.ENERGY: ("tce", "energy-use right", "用能权"),
}


@dataclass(frozen=True, slots=True, order=True)
class Instrument:
    """One tradable instrument: a right type of one vintage (the year it is valid for)."""

    right: RightType
    vintage: int
    _hash: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.right, RightType):
            object.__setattr__(self, "right", RightType.parse(self.right))
        if isinstance(self.vintage, bool) or not isinstance(self.vintage, int):
            raise DataError(
                f"vintage {self.vintage!r} is not a year", column="vintage", expected="an integer"
            )
        if not 1900 <= self.vintage <= 2200:
            raise DataError(
                f"vintage {self.vintage} is out of range", column="vintage", expected="1900..2200"
            )
        # instruments key every balance dict of the order book: hash once, not per lookup
        object.__setattr__(self, "_hash", hash((self.right.value, self.vintage)))

    def __hash__(self) -> int:
        return self._hash

    @property
    def code(self) -> str:
        """Text form ``"co2e:2025"`` (used in JSON and by :meth:`parse`)."""
        return f"{self.right.value}:{self.vintage}"

    @classmethod
    def parse(cls, text: str) -> Instrument:
        """Parse ``"co2e:2025"``."""
        right, sep, year = str(text).partition(":")
        if not sep or not year.strip().isdigit():
            raise DataError(f"instrument {text!r} is malformed", expected="RIGHT:YEAR, e.g. co2e:2025")
        return cls(RightType.parse(right), int(year))

    def to_dict(self) -> dict[str, object]:
        return {"right": self.right.value, "vintage": self.vintage, "unit": self.right.unit}


#: separator between a region code and an enterprise id in a holder id
ENTERPRISE_SEPARATOR = "/"


def holder_id(region: str, enterprise: str | None = None) -> str:
    """The account id of a region (``"330000"``) or of an enterprise in it (``"330000/E17"``)."""
    region = str(region).strip()
    if not region or ENTERPRISE_SEPARATOR in region:
        raise DataError(
            f"region code {region!r} is empty or contains {ENTERPRISE_SEPARATOR!r}", column="holder"
        )
    if enterprise is None:
        return region
    enterprise = str(enterprise).strip()
    if not enterprise or ENTERPRISE_SEPARATOR in enterprise:
        raise DataError(
            f"enterprise id {enterprise!r} is empty or contains {ENTERPRISE_SEPARATOR!r}", column="holder"
        )
    return f"{region}{ENTERPRISE_SEPARATOR}{enterprise}"


def region_of(holder: str) -> str:
    """The region code of a holder id (the part before ``/``)."""
    return holder.split(ENTERPRISE_SEPARATOR, 1)[0]
