"""The data a reform runs on: one row per region, numeric columns, optional population and plate."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from regcoord.errors import DataError
from regcoord.rules import to_decimal

__all__ = ["ReformData", "china_plates"]

_TEXT_COLUMNS = {"region", "plate", "name", "name_zh", "name_en"}


def china_plates(regions: Sequence[str]) -> tuple[str, ...] | None:
    """The NBS plate (east, central, west, northeast) of each region, or ``None`` when any
    region is not one of China's 31 provincial divisions (matched by code, English or
    Chinese name, or short Chinese name)."""
    from regcoord.regions import china
    from regcoord.regions._model import Level

    tree = china()
    names: dict[str, str] = {}
    for r in tree.at_level(Level.PROVINCE):
        for key in (r.code, r.name_en, r.name_zh, r.short_zh):
            if key:
                names[key.lower()] = r.code
    codes: list[str] = []
    for reg in regions:
        code = names.get(str(reg).strip().lower()) or tree.resolve(str(reg), strict=False)
        if code is None or code not in names.values():
            return None
        codes.append(code)
    return tuple(tree.grouping("plate").labels(codes))


@dataclass(frozen=True)
class ReformData:
    """Region labels, numeric columns as exact Decimals, population and plate when known.

    ``first_row`` is the row number of the first region in error messages (2 for a CSV
    file with a header line).
    """

    regions: tuple[str, ...]
    columns: Mapping[str, tuple[Decimal, ...]]
    groups: tuple[str, ...] | None = None
    source: str | None = None
    first_row: int = 1
    _float_cache: dict[str, np.ndarray] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, *, source: str | None = None, first_row: int = 1) -> ReformData:
        if "region" not in frame.columns:
            raise DataError(
                "no 'region' column", source=source, column="region", expected="a column 'region'"
            )
        regions = tuple(str(r).strip() for r in frame["region"])
        if len(regions) < 2:
            raise DataError(f"{len(regions)} region(s)", source=source, expected="at least 2 regions")
        seen: set[str] = set()
        for i, r in enumerate(regions):
            if not r or r == "nan":
                raise DataError("empty region", source=source, row=i + first_row, column="region")
            if r in seen:
                raise DataError(f"duplicate region {r!r}", source=source, row=i + first_row, column="region")
            seen.add(r)
        cols: dict[str, tuple[Decimal, ...]] = {}
        for name in frame.columns:
            if str(name) in _TEXT_COLUMNS:
                continue
            out: list[Decimal] = []
            for i, v in enumerate(frame[name]):
                if v is None or (isinstance(v, float) and np.isnan(v)):
                    raise DataError(
                        "empty cell", source=source, row=i + first_row, column=str(name), expected="a number"
                    )
                try:
                    out.append(to_decimal(v if not isinstance(v, str) else v.strip(), name=str(name)))
                except DataError:
                    raise DataError(
                        f"{v!r} is not a number",
                        source=source,
                        row=i + first_row,
                        column=str(name),
                        expected="a number",
                    ) from None
            cols[str(name)] = tuple(out)
        if "population" in cols:
            for i, p in enumerate(cols["population"]):
                if p <= 0:
                    raise DataError(
                        f"population is {p}",
                        source=source,
                        row=i + first_row,
                        column="population",
                        expected="> 0",
                    )
        if "plate" in frame.columns:
            groups: tuple[str, ...] | None = tuple(str(g).strip() for g in frame["plate"])
        else:
            groups = china_plates(regions)
        return cls(regions, cols, groups, source, first_row)

    @property
    def n(self) -> int:
        return len(self.regions)

    @property
    def has_population(self) -> bool:
        return "population" in self.columns

    def has(self, name: str) -> bool:
        return name in self.columns

    def decimals(self, name: str) -> np.ndarray:
        """Column ``name`` as an object array of Decimal, shape (n,)."""
        if name not in self.columns:
            raise DataError(f"missing column {name!r}", source=self.source, column=name)
        out = np.empty(self.n, dtype=object)
        out[:] = self.columns[name]
        return out

    def floats(self, name: str) -> np.ndarray:
        """Column ``name`` as float64, shape (n,) (cached; read-only)."""
        if name not in self._float_cache:
            if name not in self.columns:
                raise DataError(f"missing column {name!r}", source=self.source, column=name)
            a = np.array([float(v) for v in self.columns[name]], dtype=float)
            a.flags.writeable = False
            self._float_cache[name] = a
        return self._float_cache[name]

    def row_of(self, i: int) -> dict[str, Any]:
        return {"region": self.regions[i], **{k: str(v[i]) for k, v in self.columns.items()}}
