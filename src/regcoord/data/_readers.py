"""Readers for CSV, Parquet and XLSX in three layouts.

- ``region-year`` (the usual one): one row per region and year, a column per indicator;
- ``long``: columns region, year, indicator, value (optional unit and source);
- ``wide-year``: one row per region (or region and indicator), a column per year
  (``1940``, ``pcgdp1940``, ...).

``layout="auto"`` picks one from the header.  Every reader returns a validated
:class:`~regcoord.data.Panel`; problems are a :class:`~regcoord.errors.DataError` naming
file, row, column and what was expected.  Row numbers are the file's own (the header is
row 1 of a CSV or XLSX sheet; blank lines keep their numbers and are skipped).
CSV files are read as UTF-8 (with or without BOM) and, failing that, as GB 18030 (the
superset of GBK that Chinese statistical exports often use).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from regcoord.data._panel import BLANKS, Panel
from regcoord.data._sniff import check_binary_file, check_text_file
from regcoord.errors import DataError

Layout = Literal["auto", "long", "region-year", "wide-year"]
LAYOUTS = ("auto", "long", "region-year", "wide-year")

_REGION_NAMES = ("region", "code", "region_code", "adcode", "geo", "nuts", "fips", "state_fips", "id")
_YEAR_NAMES = ("year", "yr", "time", "period")
_YEAR_COLUMN = re.compile(r"^(?P<prefix>\D*?)[_ ]?(?P<year>(1[6-9]|2[0-9])\d\d)$")
_ENCODINGS = ("utf-8-sig", "gb18030")


def _read_csv(p: Path, sep: str) -> pd.DataFrame:
    for i, enc in enumerate(_ENCODINGS):
        try:
            return pd.read_csv(
                p, dtype=str, keep_default_na=False, sep=sep, encoding=enc, skip_blank_lines=False
            )
        except UnicodeDecodeError:
            if i == len(_ENCODINGS) - 1:
                raise
    raise AssertionError("unreachable")


def read_table(path: str | Path, *, sheet: str | int | None = None) -> tuple[pd.DataFrame, int]:
    """Read a file as text cells; return the frame and the file row of its first data row."""
    p = Path(path)
    if not p.exists():
        raise DataError("file not found", source=str(p))
    suffix = p.suffix.lower()
    if suffix in (".csv", ".txt", ".tsv", ".tab"):
        check_text_file(p, "CSV" if suffix in (".csv", ".txt") else "TSV")
    elif suffix in (".parquet", ".pq"):
        check_binary_file(p, "Parquet", b"PAR1")
    elif suffix in (".xlsx", ".xlsm"):
        check_binary_file(p, "XLSX", b"PK\x03\x04")
    try:
        if suffix in (".csv", ".txt"):
            return _read_csv(p, ","), 2
        if suffix in (".tsv", ".tab"):
            return _read_csv(p, "\t"), 2
        if suffix in (".parquet", ".pq"):
            return pd.read_parquet(p), 1
        if suffix in (".xlsx", ".xlsm", ".xls"):
            return pd.read_excel(p, sheet_name=sheet if sheet is not None else 0, dtype=object), 2
    except (UnicodeDecodeError, pd.errors.ParserError, ValueError, OSError) as exc:
        raise DataError(f"cannot read the file: {exc}", source=str(p)) from exc
    raise DataError(
        f"unsupported file type {suffix!r}", source=str(p), expected=".csv, .tsv, .parquet or .xlsx"
    )


def read_panel(
    path: str | Path,
    *,
    layout: Layout = "auto",
    region: str | None = None,
    year: str | None = None,
    indicator: str | None = None,
    indicators: Iterable[str] | None = None,
    units: Mapping[str, str] | None = None,
    catalog: object | None = None,
    allow_missing: bool = False,
    sheet: str | int | None = None,
) -> Panel:
    """Read a panel file (CSV, Parquet or XLSX) in any of the three layouts.

    ``region``/``year`` name the identifier columns when they are not one of the usual
    names; ``indicator`` names the single indicator of a wide-by-year file;
    ``indicators`` restricts a region-year file to these columns.
    """
    frame, first_row = read_table(path, sheet=sheet)
    return panel_from_frame(
        frame,
        layout=layout,
        region=region,
        year=year,
        indicator=indicator,
        indicators=indicators,
        units=units,
        catalog=catalog,
        allow_missing=allow_missing,
        source=str(path),
        first_row=first_row,
        default_indicator=Path(path).stem,
    )


def panel_from_frame(
    frame: pd.DataFrame,
    *,
    layout: Layout = "auto",
    region: str | None = None,
    year: str | None = None,
    indicator: str | None = None,
    indicators: Iterable[str] | None = None,
    units: Mapping[str, str] | None = None,
    catalog: object | None = None,
    allow_missing: bool = False,
    source: str | None = None,
    first_row: int = 2,
    default_indicator: str = "value",
) -> Panel:
    """Build a :class:`Panel` from an in-memory table in one of the three layouts."""
    if layout not in LAYOUTS:
        raise DataError(f"unknown layout {layout!r}", source=source, expected=" | ".join(LAYOUTS))
    df = frame.copy()
    df.columns = [str(c).strip() for c in df.columns]
    if df.columns.duplicated().any():
        dup = df.columns[df.columns.duplicated()][0]
        raise DataError(f"column {dup!r} appears twice in the header", source=source, row=1, column=dup)
    df["_row"] = np.arange(len(df)) + first_row
    df = df[~_blank_cells(df.drop(columns="_row")).all(axis=1)]
    lower = {c.lower(): c for c in df.columns}
    if layout == "auto":
        layout = _detect_layout(df, lower, year, source)
    region_col = _pick(df, lower, region, _REGION_NAMES, "region", source)
    if layout == "long":
        return _from_long(df, lower, region_col, year, units, catalog, allow_missing, source)
    if layout == "wide-year":
        return _from_wide_year(
            df, lower, region_col, indicator, default_indicator, units, catalog, allow_missing, source
        )
    return _from_region_year(df, lower, region_col, year, indicators, units, catalog, allow_missing, source)


def _detect_layout(df: pd.DataFrame, lower: dict[str, str], year: str | None, source: str | None) -> Layout:
    if "indicator" in lower and "value" in lower:
        return "long"
    if sum(1 for c in df.columns if _YEAR_COLUMN.match(c)) >= 2:
        return "wide-year"
    if year is not None or any(n in lower for n in _YEAR_NAMES):
        return "region-year"
    raise DataError(
        "cannot tell the layout from the header",
        source=source,
        row=1,
        expected="a year column (region-year), indicator and value columns (long), or year columns (wide-year)",
    )


def _pick(
    df: pd.DataFrame,
    lower: dict[str, str],
    given: str | None,
    names: tuple[str, ...],
    what: str,
    source: str | None,
) -> str:
    if given is not None:
        if given not in df.columns:
            raise DataError(
                f"no column {given!r}",
                source=source,
                row=1,
                column=given,
                expected=f"one of {', '.join(c for c in df.columns if c != '_row')}",
            )
        return given
    for n in names:
        if n in lower:
            return lower[n]
    for c in df.columns:
        if c.lower().endswith(("_code", "code", "fips")):
            return c
    raise DataError(
        f"no {what} column",
        source=source,
        row=1,
        expected=f"a column named one of {', '.join(names)} (or pass its name)",
    )


def _from_long(
    df: pd.DataFrame,
    lower: dict[str, str],
    region_col: str,
    year: str | None,
    units: Mapping[str, str] | None,
    catalog: object | None,
    allow_missing: bool,
    source: str | None,
) -> Panel:
    year_col = _pick(df, lower, year, _YEAR_NAMES, "year", source)
    out = pd.DataFrame(
        {
            "region": df[region_col],
            "year": df[year_col],
            "indicator": df[lower.get("indicator", "indicator")],
            "value": df[lower.get("value", "value")],
        }
    )
    unit_map: dict[str, str] = {}
    src_map: dict[str, str] = {}
    if "unit" in lower:
        for ind, u in zip(out["indicator"], df[lower["unit"]], strict=True):
            unit_map.setdefault(str(ind), str(u))
    if "source" in lower:
        for ind, s in zip(out["indicator"], df[lower["source"]], strict=True):
            src_map.setdefault(str(ind), str(s))
    unit_map.update(units or {})
    return Panel.from_long(
        out,
        units=unit_map,
        catalog=catalog,
        source=source,
        allow_missing=allow_missing,
        row_numbers=df["_row"].tolist(),
        sources=src_map,
        value_columns=[lower.get("value", "value")] * len(out),
        region_column=region_col,
    )


def _from_region_year(
    df: pd.DataFrame,
    lower: dict[str, str],
    region_col: str,
    year: str | None,
    indicators: Iterable[str] | None,
    units: Mapping[str, str] | None,
    catalog: object | None,
    allow_missing: bool,
    source: str | None,
) -> Panel:
    year_col = _pick(df, lower, year, _YEAR_NAMES, "year", source)
    rest = [c for c in df.columns if c not in (region_col, year_col, "_row")]
    if indicators is not None:
        wanted = list(indicators)
        for c in wanted:
            if c not in rest:
                raise DataError(
                    f"no indicator column {c!r}",
                    source=source,
                    row=1,
                    column=c,
                    expected=f"one of {', '.join(rest)}",
                )
        value_cols = wanted
        attr_cols = [
            c
            for c in rest
            if c not in wanted and _column_role(df, c, region_col, source, strict=False) == "attribute"
        ]
    else:
        roles = {c: _column_role(df, c, region_col, source, strict=True) for c in rest}
        attr_cols = [c for c in rest if roles[c] == "attribute"]
        value_cols = [c for c in rest if roles[c] == "value"]
    if not value_cols:
        raise DataError("no indicator columns", source=source, row=1, expected="at least one numeric column")
    long = df.melt(
        id_vars=[region_col, year_col, "_row"],
        value_vars=value_cols,
        var_name="indicator",
        value_name="value",
    )
    long = long.rename(columns={region_col: "region", year_col: "year"})
    attrs = _attributes(df, region_col, attr_cols)
    return Panel.from_long(
        long,
        units=units,
        catalog=catalog,
        source=source,
        attributes=attrs,
        allow_missing=allow_missing,
        row_numbers=long["_row"].tolist(),
        value_columns=long["indicator"].astype(str).tolist(),
        region_column=region_col,
    )


def _from_wide_year(
    df: pd.DataFrame,
    lower: dict[str, str],
    region_col: str,
    indicator: str | None,
    default_indicator: str,
    units: Mapping[str, str] | None,
    catalog: object | None,
    allow_missing: bool,
    source: str | None,
) -> Panel:
    year_cols: dict[str, int] = {}
    prefixes = set()
    for c in df.columns:
        m = _YEAR_COLUMN.match(c)
        if m:
            year_cols[c] = int(m.group("year"))
            prefixes.add(m.group("prefix"))
    if not year_cols:
        raise DataError(
            "no year columns", source=source, row=1, expected="columns such as 1990, 1991 or gdp1990"
        )
    ind_col = lower.get("indicator")
    id_vars = [region_col, ind_col, "_row"] if ind_col is not None else [region_col, "_row"]
    long = df.melt(id_vars=id_vars, value_vars=list(year_cols), var_name="_col", value_name="value")
    long["year"] = long["_col"].map(year_cols)
    long = long.rename(columns={region_col: "region"})
    if ind_col is not None:
        long = long.rename(columns={ind_col: "indicator"})
    else:
        name = (
            indicator
            or (prefixes.pop() if len(prefixes) == 1 and "" not in prefixes else None)
            or default_indicator
        )
        long["indicator"] = name
    attr_cols = [c for c in df.columns if c not in year_cols and c not in id_vars]
    attrs = _attributes(df, region_col, attr_cols)
    return Panel.from_long(
        long,
        units=units,
        catalog=catalog,
        source=source,
        attributes=attrs,
        allow_missing=allow_missing,
        row_numbers=long["_row"].tolist(),
        value_columns=long["_col"].astype(str).tolist(),
        region_column=region_col,
    )


def _blank_cells(df: pd.DataFrame) -> pd.DataFrame:
    """True where a cell holds no value (NaN, None or one of :data:`BLANKS`)."""
    return df.isna() | df.astype(str).apply(lambda s: s.str.strip()).isin(BLANKS)


def _column_role(df: pd.DataFrame, col: str, region_col: str, source: str | None, *, strict: bool) -> str:
    """``"value"`` (an indicator) or ``"attribute"`` (static text per region, e.g. a name or group).

    A column is an indicator when any non-blank cell is a number (a stray text cell is
    then reported as "not a number", never silently turning the column into text).  A
    text column must be constant per region: a region in two groups of one column is a
    :class:`DataError` (unless ``strict=False``, when such a column is ignored).
    """
    s = df[col]
    blank = _blank_cells(s.to_frame())[col]
    filled = s[~blank]
    if filled.empty or pd.to_numeric(filled, errors="coerce").notna().any():
        return "value"
    per_region = df.loc[~blank, [region_col, col, "_row"]]
    counts = per_region.groupby(region_col)[col].nunique()
    if (counts <= 1).all():
        return "attribute"
    if not strict:
        return "ignored"
    region = counts.index[counts > 1][0]
    rows = per_region[per_region[region_col] == region].drop_duplicates(subset=[col])
    first, second = rows.iloc[0], rows.iloc[1]
    raise DataError(
        f"region {region} is in two groups of column {col!r}: {first[col]!r} (row {int(first['_row'])}) "
        f"and {second[col]!r}",
        source=source,
        row=int(second["_row"]),
        column=col,
        expected="one group per region (a partition), or numbers; pass indicators= to read only some columns",
    )


def _attributes(df: pd.DataFrame, region_col: str, cols: list[str]) -> pd.DataFrame:
    if not cols:
        return pd.DataFrame(index=pd.Index([], name="region"))
    a = df.loc[:, [region_col, *cols]].copy()
    a[region_col] = a[region_col].map(
        lambda v: str(int(v)) if isinstance(v, float) and v.is_integer() else str(v).strip()
    )
    a = a.drop_duplicates(subset=[region_col]).set_index(region_col)
    a.index.name = "region"
    return a
