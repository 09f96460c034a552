"""Shared input helpers of the command line: option values parsed into checked values.

Every helper raises :class:`regcoord.errors.DataError` naming the option and what it
expected, so that :func:`regcoord.cli._output.user_errors` shows it with exit code 2.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pandas as pd

from regcoord.data import decode_text, is_workbook, read_bytes
from regcoord.data._sniff import check_text_file
from regcoord.errors import DataError


def parse_date(text: str | None, default: dt.date, *, option: str = "--date") -> dt.date:
    """``YYYY-MM-DD`` from an option, or ``default`` when the option was not given."""
    if text is None:
        return default
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise DataError(f"{option} {text!r} is not a date", expected="YYYY-MM-DD") from None


def parse_assignments(
    text: str, option: str, *, expected: str = "NAME=NUMBER pairs like A=1,B=2"
) -> dict[str, float]:
    """``"A=1,B=2"`` -> ``{"A": 1.0, "B": 2.0}``; empty items are skipped, no pair at all is an error."""
    out: dict[str, float] = {}
    for part in text.split(","):
        if not part.strip():
            continue
        name, sep, value = part.partition("=")
        if not sep or not name.strip():
            raise DataError(f"cannot read {part.strip()!r}", column=option, expected=expected)
        try:
            out[name.strip()] = float(value)
        except ValueError:
            raise DataError(
                f"value {value.strip()!r} of {name.strip()!r} is not a number",
                column=option,
                expected="a number",
            ) from None
    if not out:
        raise DataError("no values given", column=option, expected=expected)
    return out


def read_csv(path: Path, **options: Any) -> pd.DataFrame:
    """A table file as a frame (``options`` go to :func:`pandas.read_csv`), header names stripped.

    The file is read by the library's one reader policy (:func:`regcoord.data.read_bytes`):
    CSV in UTF-8 or GBK/GB 18030, XLSX or XLS (first sheet); a workbook's cells are read as
    the text a person sees and then parsed with ``options`` as a CSV would be.  A missing,
    unreadable or malformed file is a :class:`DataError` naming the file.
    """
    if not path.exists():
        raise DataError("file not found", source=str(path))
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DataError(f"cannot read CSV ({exc})", source=str(path)) from None
    if is_workbook(data, str(path)):
        table, _ = read_bytes(data, str(path))
        text = table.to_csv(index=False)
    else:
        check_text_file(path, "CSV")  # a PNG or PDF renamed .csv is said to be one
        text = decode_text(data, source=str(path))
    try:
        frame = pd.read_csv(io.StringIO(text), **options)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise DataError(f"cannot read CSV ({exc})", source=str(path)) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame
