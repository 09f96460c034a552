"""Readers for CSV, Parquet and XLSX in three layouts.

- ``region-year`` (the usual one): one row per region and year, a column per indicator;
- ``long``: columns region, year, indicator, value (optional unit and source);
- ``wide-year``: one row per region (or region and indicator), a column per year
  (``1940``, ``pcgdp1940``, ...).

``layout="auto"`` picks one from the header.  Every reader returns a validated
:class:`~regcoord.data.Panel`; problems are a :class:`~regcoord.errors.DataError` naming
file, row, column and what was expected.  Row numbers are the file's own (the header is
row 1 of a CSV or XLSX sheet; blank lines keep their numbers and are skipped).

One reader policy serves the library, the command line and the service uploads
(:func:`read_bytes`): CSV files are read as UTF-8 (with or without BOM) and, failing that,
as GB 18030 (the superset of GBK that Chinese Excel and statistical exports save); XLSX and
legacy XLS workbooks are read with python-calamine (``pandas.read_excel(engine="calamine")``),
the first sheet unless ``sheet`` names one (a Chinese sheet name such as ``"数据"`` works).
Excel cells become the text a person sees: whole numbers without ``.0``, dates as ISO dates.
"""

from __future__ import annotations

import datetime as dt
import io
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
#: internal column names; a NUL character cannot be in a header a reader accepts, so no
#: column a user names can collide with them
_ROW, _COL, _IND, _VAL = "\x00row", "\x00col", "\x00indicator", "\x00value"
#: suffixes read as delimited text, and their separator
_TEXT_SUFFIXES = {".csv": ",", ".txt": ",", ".tsv": "\t", ".tab": "\t"}
_EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")
_PARQUET_SUFFIXES = (".parquet", ".pq")
#: the first bytes of an XLSX (a zip archive) and of an XLS (an OLE2 compound file)
_EXCEL_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
#: the suffixes every reader accepts, for messages
ACCEPTED = ".csv (UTF-8 or GBK/GB 18030), .tsv, .xlsx, .xls or .parquet"


def is_workbook(data: bytes, name: str) -> bool:
    """True for an XLSX/XLS file: by its suffix, or by its first bytes (zip or OLE2 signature)."""
    return Path(name).suffix.lower() in _EXCEL_SUFFIXES or data.startswith(_EXCEL_MAGIC)


def decode_text(raw: bytes, *, source: str | None = None) -> str:
    """Text of a CSV file: UTF-8 (BOM allowed) or, failing that, GB 18030 (a superset of GBK).

    GB 18030 decodes almost any byte string, so a file that is neither is recognised by the
    replacement of control characters: NUL bytes mean a binary file, which is refused.
    """
    for enc in _ENCODINGS:
        try:
            text = raw.decode(enc)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            break
        return text
    raise DataError(
        "the file is not text in UTF-8 or GBK/GB 18030", source=source, expected="a CSV file saved as text"
    )


def _cell_text(v: object) -> str:
    """An Excel cell as the text a person sees: ``2020.0`` -> ``2020``, a date -> ``2020-01-31``."""
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return ""
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    if isinstance(v, pd.Timestamp | dt.datetime):
        ts = pd.Timestamp(v)
        return ts.date().isoformat() if ts == ts.normalize() else ts.isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)


def _read_excel(data: bytes, sheet: str | int | None, source: str) -> pd.DataFrame:
    try:
        frame = pd.read_excel(
            io.BytesIO(data), sheet_name=sheet if sheet is not None else 0, dtype=object, engine="calamine"
        )
    except (ValueError, KeyError, IndexError, OSError) as exc:
        if sheet is not None:
            raise DataError(
                f"cannot read sheet {sheet!r}: {exc}", source=source, expected="the name or index of a sheet"
            ) from None
        raise DataError(
            f"cannot read the workbook: {exc}", source=source, expected="an XLSX or XLS workbook"
        ) from None
    except Exception as exc:  # calamine raises its own error types for damaged workbooks
        raise DataError(
            f"cannot read the workbook: {exc}", source=source, expected="an XLSX or XLS workbook"
        ) from None
    frame.columns = [_cell_text(c) if not isinstance(c, str) else c for c in frame.columns]
    return frame.map(_cell_text) if hasattr(frame, "map") else frame.applymap(_cell_text)


def _read_delimited(data: bytes, sep: str, source: str) -> pd.DataFrame:
    text = decode_text(data, source=source)
    try:
        return pd.read_csv(
            io.StringIO(text), dtype=str, keep_default_na=False, sep=sep, skip_blank_lines=False
        )
    except pd.errors.EmptyDataError:
        raise DataError("the file is empty", source=source, expected="a header line and data rows") from None
    except (pd.errors.ParserError, ValueError) as exc:
        raise DataError(f"cannot read the file as CSV: {exc}", source=source, expected="a CSV file") from None


def read_bytes(data: bytes, name: str, *, sheet: str | int | None = None) -> tuple[pd.DataFrame, int]:
    """Read an uploaded or loaded file's bytes as text cells (one reader for library, CLI and service).

    ``name`` is the file name (its suffix picks the format; a workbook is also recognised by
    its first bytes whatever its name).  Returns the frame, every cell a ``str``, and the file
    row of its first data row (the header is row 1).  Problems are a
    :class:`~regcoord.errors.DataError` naming the file.
    """
    suffix = Path(name).suffix.lower()
    if is_workbook(data, name):
        return _read_excel(data, sheet, name), 2
    if suffix in _PARQUET_SUFFIXES:
        try:
            return pd.read_parquet(io.BytesIO(data)), 1
        except (ValueError, OSError) as exc:
            raise DataError(f"cannot read the file: {exc}", source=name, expected="a Parquet file") from None
    if suffix in _TEXT_SUFFIXES or suffix == "":
        return _read_delimited(data, _TEXT_SUFFIXES.get(suffix, ","), name), 2
    raise DataError(f"unsupported file type {suffix!r}", source=name, expected=ACCEPTED)


def read_table(path: str | Path, *, sheet: str | int | None = None) -> tuple[pd.DataFrame, int]:
    """Read a file as text cells; return the frame and the file row of its first data row."""
    p = Path(path)
    if not p.exists():
        raise DataError("file not found", source=str(p))
    if p.suffix.lower() not in (*_TEXT_SUFFIXES, *_EXCEL_SUFFIXES, *_PARQUET_SUFFIXES):
        raise DataError(f"unsupported file type {p.suffix.lower()!r}", source=str(p), expected=ACCEPTED)
    suffix = p.suffix.lower()  # a file that is not what its name says is named for what it is
    if suffix in (".csv", ".txt", ".tsv", ".tab"):
        check_text_file(p, "CSV" if suffix in (".csv", ".txt") else "TSV")
    elif suffix in (".parquet", ".pq"):
        check_binary_file(p, "Parquet", b"PAR1")
    elif suffix in (".xlsx", ".xlsm"):
        check_binary_file(p, "XLSX", b"PK\x03\x04")
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise DataError(f"cannot read the file: {exc}", source=str(p)) from None
    frame, first = read_bytes(data, str(p), sheet=sheet)
    return frame, first


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
    bad = next((c for c in df.columns if any(ord(ch) < 32 and ch not in "\t" for ch in c)), None)
    if bad is not None:
        raise DataError(
            f"column name {bad!r} contains a control character",
            source=source,
            row=1,
            expected="printable column names",
        )
    if df.columns.duplicated().any():
        dup = df.columns[df.columns.duplicated()][0]
        raise DataError(f"column {dup!r} appears twice in the header", source=source, row=1, column=dup)
    df[_ROW] = np.arange(len(df)) + first_row
    df = df[~_blank_cells(df.drop(columns=_ROW)).all(axis=1)]
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
                expected=f"one of {', '.join(c for c in df.columns if c != _ROW)}",
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
    _distinct(region_col, year_col, source)
    missing = [c for c in ("indicator", "value") if c not in lower]
    if missing:
        raise DataError(
            f"no {' and no '.join(missing)} column in a long file",
            source=source,
            row=1,
            expected="columns region, year, indicator, value",
        )
    out = pd.DataFrame(
        {
            "region": df[region_col],
            "year": df[year_col],
            "indicator": df[lower["indicator"]],
            "value": df[lower["value"]],
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
        row_numbers=df[_ROW].tolist(),
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
    _distinct(region_col, year_col, source)
    rest = [c for c in df.columns if c not in (region_col, year_col, _ROW)]
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
    melted = df.melt(
        id_vars=[region_col, year_col, _ROW], value_vars=value_cols, var_name=_IND, value_name=_VAL
    )
    long = pd.DataFrame(
        {
            "region": melted[region_col].to_numpy(),
            "year": melted[year_col].to_numpy(),
            "indicator": melted[_IND].to_numpy(),
            "value": melted[_VAL].to_numpy(),
            _ROW: melted[_ROW].to_numpy(),
        }
    )
    attrs = _attributes(df, region_col, attr_cols)
    return Panel.from_long(
        long,
        units=units,
        catalog=catalog,
        source=source,
        attributes=attrs,
        allow_missing=allow_missing,
        row_numbers=long[_ROW].tolist(),
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
    id_vars = [region_col, ind_col, _ROW] if ind_col is not None else [region_col, _ROW]
    melted = df.melt(id_vars=id_vars, value_vars=list(year_cols), var_name=_COL, value_name=_VAL)
    long = pd.DataFrame(
        {
            "region": melted[region_col].to_numpy(),
            "year": melted[_COL].map(year_cols).to_numpy(),
            "value": melted[_VAL].to_numpy(),
            _ROW: melted[_ROW].to_numpy(),
            _COL: melted[_COL].to_numpy(),
        }
    )
    if ind_col is not None:
        long["indicator"] = melted[ind_col].to_numpy()
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
        row_numbers=long[_ROW].tolist(),
        value_columns=long[_COL].astype(str).tolist(),
        region_column=region_col,
    )


def _distinct(region_col: str, year_col: str, source: str | None) -> None:
    if region_col == year_col:
        raise DataError(
            f"column {region_col!r} cannot be both the region and the year",
            source=source,
            row=1,
            column=region_col,
            expected="two different columns for region and year",
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
    per_region = df.loc[~blank, [region_col, col, _ROW]]
    counts = per_region.groupby(region_col)[col].nunique()
    if (counts <= 1).all():
        return "attribute"
    if not strict:
        return "ignored"
    region = counts.index[counts > 1][0]
    rows = per_region[per_region[region_col] == region].drop_duplicates(subset=[col])
    first, second = rows.iloc[0], rows.iloc[1]
    raise DataError(
        f"region {region} is in two groups of column {col!r}: {first[col]!r} (row {int(first[_ROW])}) "
        f"and {second[col]!r}",
        source=source,
        row=int(second[_ROW]),
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
