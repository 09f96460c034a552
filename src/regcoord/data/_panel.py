"""``Panel``: indicator data as one long table (region, year, indicator, value) with units.

A panel may use any region identifiers (Chinese GB/T 2260 codes, US FIPS codes, EU NUTS
codes).  When it names a catalog (``catalog="china"``) its codes are checked against it.
Static per-region attributes (names, group memberships such as the Mexican
``hanson98`` partition) travel with the panel in :attr:`Panel.attributes`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from regcoord._display import FrameHTML
from regcoord.errors import DataError

LONG_COLUMNS = ("region", "year", "indicator", "value")
#: cell texts that mean "no value" (NBS exports use ``..`` and ``-``)
BLANKS = ("", "nan", "NaN", "NA", "N/A", "..", "-", "None")


@dataclass(frozen=True, slots=True)
class DroppedRow:
    """A row that ``allow_missing=True`` dropped, and why."""

    row: int | None
    region: str
    year: int | None
    indicator: str
    reason: str

    def __str__(self) -> str:
        where = f"row {self.row}: " if self.row is not None else ""
        return f"{where}{self.region} {self.year} {self.indicator}: {self.reason}"


@dataclass(frozen=True, slots=True)
class PanelMatrix:
    """One indicator as a dense year x region array (no gaps), with its labels."""

    indicator: str
    values: np.ndarray  # shape (n_years, n_regions)
    years: tuple[int, ...]
    regions: tuple[str, ...]
    unit: str


@dataclass(frozen=True)
class Panel(FrameHTML):
    """Long-format indicator data.

    ``frame`` has the columns ``region`` (str), ``year`` (int), ``indicator`` (str) and
    ``value`` (float), sorted, without duplicates or missing values (those are errors or,
    with ``allow_missing``, listed in :attr:`dropped`).
    """

    frame: pd.DataFrame
    units: Mapping[str, str] = field(default_factory=dict)
    catalog: Any | None = None
    source: str | None = None
    attributes: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(index=pd.Index([], name="region")))
    dropped: tuple[DroppedRow, ...] = ()
    sources: Mapping[str, str] = field(default_factory=dict)

    # -- construction -----------------------------------------------------------------
    @classmethod
    def from_long(
        cls,
        frame: pd.DataFrame,
        *,
        units: Mapping[str, str] | None = None,
        catalog: Any | None = None,
        source: str | None = None,
        attributes: pd.DataFrame | None = None,
        allow_missing: bool = False,
        row_numbers: Sequence[int] | None = None,
        sources: Mapping[str, str] | None = None,
        value_columns: Sequence[str] | None = None,
        region_column: str = "region",
    ) -> Panel:
        """Build and validate a panel from a long frame (region, year, indicator, value).

        ``row_numbers`` gives each row's line in the source file and ``value_columns`` the
        file column each value came from (``value`` in a long file, the indicator in a
        region-year file, the year column in a wide file), for error messages.  With a
        ``catalog``, region codes are checked and replaced by the catalog's own codes
        (``110000`` becomes ``11``), so that aliases cannot make one region two.
        ``region_column`` is the file's name of the region column, for error messages.
        """
        missing_cols = [c for c in LONG_COLUMNS if c not in frame.columns]
        if missing_cols:
            raise DataError(
                f"missing column(s) {', '.join(missing_cols)}",
                source=source,
                expected="columns region, year, indicator, value",
            )
        rows = list(row_numbers) if row_numbers is not None else [i + 2 for i in range(len(frame))]
        df = frame.loc[:, list(LONG_COLUMNS)].copy()
        df["_row"] = rows
        if value_columns is not None:
            cols = list(value_columns)
            if len(cols) != len(df):
                raise DataError(f"{len(cols)} value column names for {len(df)} rows", source=source)
            df["_col"] = [str(c) for c in cols]
        df["region"] = df["region"].map(_code_text)
        dropped: list[DroppedRow] = []
        # years
        years = pd.to_numeric(df["year"], errors="coerce")
        bad_year = years.isna() | (years != np.floor(years))
        if bad_year.any():
            i = int(np.flatnonzero(bad_year.to_numpy())[0])
            raise DataError(
                f"year {df['year'].iloc[i]!r} is not a whole number",
                source=source,
                row=int(df["_row"].iloc[i]),
                column="year",
                expected="an integer year",
            )
        df["year"] = years.astype(int)
        # values
        raw = df["value"]
        values = pd.to_numeric(raw, errors="coerce")
        is_blank = raw.isna() | raw.astype(str).str.strip().isin(BLANKS)
        non_numeric = values.isna() & ~is_blank
        if non_numeric.any():
            i = int(np.flatnonzero(non_numeric.to_numpy())[0])
            raise DataError(
                f"value {raw.iloc[i]!r} of {df['indicator'].iloc[i]} for region "
                f"{df['region'].iloc[i]} in {df['year'].iloc[i]} is not a number",
                source=source,
                row=int(df["_row"].iloc[i]),
                column=_value_column(df, i),
                expected="a number",
            )
        inf = np.isinf(values.to_numpy(dtype=float, na_value=np.nan))
        if inf.any():
            i = int(np.flatnonzero(inf)[0])
            raise DataError(
                "value is infinite",
                source=source,
                row=int(df["_row"].iloc[i]),
                column=_value_column(df, i),
                expected="a finite number",
            )
        blank = values.isna()
        if blank.any():
            if not allow_missing:
                i = int(np.flatnonzero(blank.to_numpy())[0])
                raise DataError(
                    f"missing value of {df['indicator'].iloc[i]} for region "
                    f"{df['region'].iloc[i]} in {df['year'].iloc[i]} "
                    f"({int(blank.sum())} missing in all; pass allow_missing to drop and list them)",
                    source=source,
                    row=int(df["_row"].iloc[i]),
                    column=_value_column(df, i),
                    expected="a number",
                )
            gone = df[blank]
            dropped.extend(
                DroppedRow(int(row), str(region), int(year), str(ind), "missing value")
                for row, region, year, ind in zip(
                    gone["_row"], gone["region"], gone["year"], gone["indicator"], strict=True
                )
            )
            df = df[~blank]
            values = values[~blank]
        df["value"] = values.astype(float)
        df["indicator"] = df["indicator"].astype(str)
        if catalog is not None:
            df["region"] = _canonical_codes(df, catalog, source, region_column)
        dup = df.duplicated(subset=["region", "year", "indicator"], keep="first")
        if dup.any():
            i = int(np.flatnonzero(dup.to_numpy())[0])
            r = df.iloc[i]
            first = df[
                (df["region"] == r["region"])
                & (df["year"] == r["year"])
                & (df["indicator"] == r["indicator"])
            ]
            raise DataError(
                f"duplicate ({r['region']}, {r['year']}, {r['indicator']}); first seen at row "
                f"{int(first['_row'].iloc[0])}",
                source=source,
                row=int(r["_row"]),
                column=region_column,
                expected="one value per region, year and indicator",
            )
        df = df.sort_values(["indicator", "year", "region"], kind="stable").reset_index(drop=True)
        attrs = attributes if attributes is not None else pd.DataFrame(index=pd.Index([], name="region"))
        return cls(
            frame=df.loc[:, list(LONG_COLUMNS)],
            units=dict(units or {}),
            catalog=catalog,
            source=source,
            attributes=attrs,
            dropped=tuple(dropped),
            sources=dict(sources or {}),
        )

    # -- description ------------------------------------------------------------------
    @property
    def indicators(self) -> list[str]:
        return sorted(self.frame["indicator"].unique().tolist())

    @property
    def regions(self) -> list[str]:
        return sorted(self.frame["region"].unique().tolist(), key=_region_sort_key)

    @property
    def years(self) -> list[int]:
        return sorted(int(y) for y in self.frame["year"].unique())

    def years_of(self, indicator: str) -> list[int]:
        self._require(indicator)
        sub = self.frame[self.frame["indicator"] == indicator]
        return sorted(int(y) for y in sub["year"].unique())

    def unit(self, indicator: str) -> str:
        return self.units.get(indicator, "")

    def __len__(self) -> int:
        return len(self.frame)

    def _require(self, indicator: str) -> None:
        if indicator not in set(self.frame["indicator"]):
            raise DataError(
                f"unknown indicator {indicator!r}",
                source=self.source,
                column="indicator",
                expected=f"one of {', '.join(self.indicators)}",
            )

    # -- views ----------------------------------------------------------------------------
    def wide(self, indicator: str) -> pd.DataFrame:
        """One indicator as a region x year table (NaN where absent)."""
        self._require(indicator)
        sub = self.frame[self.frame["indicator"] == indicator]
        out = sub.pivot(index="region", columns="year", values="value")
        return out.reindex(sorted(out.index, key=_region_sort_key))

    def by_region_year(self, indicators: Iterable[str] | None = None) -> pd.DataFrame:
        """The usual layout: one row per (region, year), one column per indicator."""
        names = list(indicators) if indicators is not None else self.indicators
        for n in names:
            self._require(n)
        sub = self.frame[self.frame["indicator"].isin(names)]
        out = sub.pivot_table(index=["region", "year"], columns="indicator", values="value", aggfunc="first")
        out.columns.name = None
        return out.loc[:, names]

    def matrix(
        self,
        indicator: str,
        *,
        years: Iterable[int] | None = None,
        regions: Iterable[str] | None = None,
    ) -> PanelMatrix:
        """Dense year x region array of one indicator; every cell must be present.

        A gap is a :class:`DataError` naming the region and year (never a silent drop).
        """
        w = self.wide(indicator)
        ys = list(years) if years is not None else [int(c) for c in w.columns]
        rs = list(regions) if regions is not None else list(w.index)
        for y in ys:
            if y not in w.columns:
                raise DataError(
                    f"{indicator} has no values for {y}",
                    source=self.source,
                    column="year",
                    expected=f"a year in {min(w.columns)}..{max(w.columns)}",
                )
        for r in rs:
            if r not in w.index:
                raise DataError(
                    f"{indicator} has no values for region {r}", source=self.source, column="region"
                )
        w = w.loc[rs, ys]
        gaps = np.argwhere(w.isna().to_numpy())
        if len(gaps):
            i, j = gaps[0]
            raise DataError(
                f"{indicator} is missing for region {rs[i]} in {ys[j]} ({len(gaps)} gaps in all)",
                source=self.source,
                column=indicator,
                expected="a value for every region and year (select complete years or regions)",
            )
        return PanelMatrix(
            indicator, w.to_numpy(dtype=float).T.copy(), tuple(ys), tuple(rs), self.unit(indicator)
        )

    # -- transformations --------------------------------------------------------------------
    def select(
        self,
        *,
        indicators: Iterable[str] | None = None,
        years: Iterable[int] | None = None,
        regions: Iterable[str] | None = None,
    ) -> Panel:
        df = self.frame
        if indicators is not None:
            names = list(indicators)
            for n in names:
                self._require(n)
            df = df[df["indicator"].isin(names)]
        if years is not None:
            df = df[df["year"].isin(list(years))]
        if regions is not None:
            df = df[df["region"].isin([str(r) for r in regions])]
        return replace(self, frame=df.reset_index(drop=True))

    def with_values(self, indicator: str, wide: pd.DataFrame, *, unit: str, source: str = "") -> Panel:
        """A new panel with ``indicator`` added from a region x year table (NaN cells skipped)."""
        if indicator in set(self.frame["indicator"]):
            raise DataError(f"indicator {indicator!r} already exists", source=self.source, column="indicator")
        long = wide.stack().rename("value").reset_index()
        long.columns = ["region", "year", "value"]
        long["indicator"] = indicator
        long["year"] = long["year"].astype(int)
        df = pd.concat([self.frame, long.loc[:, list(LONG_COLUMNS)]], ignore_index=True)
        df = df.sort_values(["indicator", "year", "region"], kind="stable").reset_index(drop=True)
        units = {**self.units, indicator: unit}
        sources = {**self.sources, indicator: source} if source else dict(self.sources)
        return replace(self, frame=df, units=units, sources=sources)

    def derive_ratio(
        self,
        name: str,
        numerator: str,
        denominator: str,
        *,
        scale: float = 1.0,
        unit: str,
    ) -> Panel:
        """Add ``name = scale * numerator / denominator`` where both exist (e.g. GDP per capita).

        The denominator must be positive where it is used.
        """
        num, den = self.wide(numerator), self.wide(denominator)
        idx = num.index.intersection(den.index)
        cols = num.columns.intersection(den.columns)
        num, den = num.loc[idx, cols], den.loc[idx, cols]
        both = num.notna() & den.notna()
        bad = both & (den <= 0)
        if bad.to_numpy().any():
            r, y = np.argwhere(bad.to_numpy())[0]
            raise DataError(
                f"{denominator} is {den.iloc[r, y]} for region {idx[r]} in {cols[y]}",
                source=self.source,
                column=denominator,
                expected="a positive value for a ratio",
            )
        ratio = (num * scale / den).where(both)
        src = f"derived: {scale:g} x {numerator} / {denominator}"
        return self.with_values(name, ratio, unit=unit, source=src)

    # -- validation ---------------------------------------------------------------------------
    def validate(
        self,
        *,
        catalog: Any | None = None,
        positive: Iterable[str] = (),
        complete: Iterable[str] = (),
    ) -> Panel:
        """Check the panel; return it unchanged or raise :class:`DataError`.

        - ``catalog``: a :class:`~regcoord.regions.RegionTree` or a catalog name; every
          region code must be in it (defaults to the panel's own ``catalog``).
        - ``positive``: indicators that must be > 0 (they enter a log or a share).
        - ``complete``: indicators that must have a value for every region and year.
        """
        cat = catalog if catalog is not None else self.catalog
        if cat is not None:
            _check_catalog(self.frame, cat, self.source)
        for name in positive:
            self._require(name)
            sub = self.frame[(self.frame["indicator"] == name) & ~(self.frame["value"] > 0)]
            if len(sub):
                r = sub.iloc[0]
                raise DataError(
                    f"{name} is {r['value']:g} for region {r['region']} in {r['year']} "
                    f"({len(sub)} non-positive values in all)",
                    source=self.source,
                    column=name,
                    expected="a positive value (it enters a log or a share)",
                )
        for name in complete:
            self.matrix(name)
        return self

    def group_labels(self, column: str, regions: Sequence[str]) -> list[str]:
        """Group of each region from a static attribute column (e.g. ``hanson98``)."""
        if column not in self.attributes.columns:
            raise DataError(
                f"no region attribute {column!r}",
                source=self.source,
                column=column,
                expected=f"one of {', '.join(map(str, self.attributes.columns)) or '(none)'}",
            )
        col = self.attributes[column]
        out = []
        for r in regions:
            if r not in col.index or pd.isna(col.loc[r]):
                raise DataError(
                    f"region {r} has no {column}",
                    source=self.source,
                    column=column,
                    expected="a group for every region",
                )
            v = col.loc[r]
            out.append(str(int(v)) if isinstance(v, float) and float(v).is_integer() else str(v))
        return out

    def to_frame(self) -> pd.DataFrame:
        """The long table with a ``unit`` column."""
        out = self.frame.copy()
        out["unit"] = out["indicator"].map(lambda n: self.units.get(n, ""))
        return out


def _code_text(v: object) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def _region_sort_key(code: str) -> tuple[int, int | str]:
    return (0, int(code)) if code.isdigit() else (1, code)


def _value_column(df: pd.DataFrame, i: int) -> str:
    if "_col" in df.columns:
        return str(df["_col"].iloc[i])
    return str(df["indicator"].iloc[i])


def _canonical_codes(
    df: pd.DataFrame, catalog: Any, source: str | None, region_column: str = "region"
) -> pd.Series:
    """Region codes replaced by the catalog's own codes; an unknown code is a :class:`DataError`."""
    from regcoord.data._catalogs import resolve_catalog

    tree = resolve_catalog(catalog)
    uniques = pd.unique(df["region"].to_numpy())
    mapping = {code: tree.resolve(str(code), strict=False) for code in uniques}
    unknown = [c for c, m in mapping.items() if m is None]
    if unknown:
        bad = df["region"].isin(unknown).to_numpy()
        pos = int(np.flatnonzero(bad)[0])
        code = df["region"].iloc[pos]
        more = (
            f" ({len(unknown)} unknown codes in all: {', '.join(map(str, unknown[:5]))})"
            if len(unknown) > 1
            else ""
        )
        raise DataError(
            f"unknown region code {code!r}{more}",
            source=source,
            row=int(df["_row"].iloc[pos]) if "_row" in df else None,
            column=region_column,
            expected=f"a code of catalog {tree.name!r}",
        )
    return df["region"].map(mapping)


def _check_catalog(df: pd.DataFrame, catalog: Any, source: str | None) -> None:
    _canonical_codes(df, catalog, source)
