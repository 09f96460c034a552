"""Files saved the way Chinese Excel saves them, made in memory for the reader tests.

- "CSV (逗号分隔)" from Chinese Excel: GBK text, no byte-order mark, CRLF line ends;
- XLSX written by openpyxl, numbers as numbers, dates as date cells, a Chinese sheet name;
- legacy XLS (BIFF8) written by xlwt (dev dependency), the format of Excel 97-2003.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence

import openpyxl

Cell = str | int | float | dt.date | None


def gbk_csv(rows: Sequence[Sequence[Cell]]) -> bytes:
    """GBK bytes, BOM-less, CRLF: what Excel's "CSV (逗号分隔)" writes on a Chinese Windows."""
    lines = [",".join("" if c is None else str(c) for c in row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode("gbk")


def xlsx(rows: Sequence[Sequence[Cell]], sheet: str = "数据") -> bytes:
    """An XLSX workbook whose first sheet, named ``sheet``, holds ``rows``."""
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.title = sheet
    for row in rows:
        ws.append(list(row))
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def xls(rows: Sequence[Sequence[Cell]], sheet: str = "数据") -> bytes:
    """A legacy Excel 97-2003 workbook (BIFF8) written by xlwt; dates with a date format."""
    import xlwt  # type: ignore[import-untyped]

    book = xlwt.Workbook(encoding="utf-8")
    ws = book.add_sheet(sheet)
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if isinstance(v, dt.date):
                ws.write(r, c, dt.datetime(v.year, v.month, v.day), date_style)
            elif v is not None:
                ws.write(r, c, v)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()
