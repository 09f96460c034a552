"""The one validation layer of the service's input: API bodies, web forms, CSV imports.

Every value that a caller sends passes through one of these checks before anything is
written, whichever door it came in by, so that the three doors refuse the same things with
the same message (a :class:`~regcoord.errors.DataError` naming the field, the row when there
is one, and what was expected; the API and the web answer it 422):

- numbers (:func:`number`): plain ASCII decimal text or a JSON number, parsed exactly.
  ``1_000`` (Python's digit separator), full-width digits ``１２``, surrounding blanks,
  ``NaN``/``Infinity``, hexadecimal and JSON ``true`` are refused (Python's ``Decimal``
  accepts the first four); at most :data:`MAX_DIGITS` significant digits and
  ``|x| <= 10^15`` unless the field declares a narrower range. The canonical text of an
  accepted number fits the 64-character decimal column on both backends.
- money: integer fen with ``|x| <=`` :data:`MAX_FEN` ``= 10^15`` (BIGINT holds 9.2e18; a
  sum of many such amounts still fits), the bound of every amount field of the schemas.
- dates (:func:`day`): ISO ``YYYY-MM-DD`` within 1900-01-01 .. 2200-12-31, so that date
  arithmetic downstream (deadlines + years, revision windows) can never overflow
  ``datetime.date.max`` (an instrument effective in year 9995 once broke the dashboard).
- ids (:func:`db_id`): whole numbers 1 .. 2^31-1 (the INTEGER primary keys of both
  backends; anything beyond 64-bit is refused before it reaches a driver).
- text (:func:`text`): no NUL character (PostgreSQL refuses them), at most the column's length.

The pydantic types at the end (``Day``, ``NumberText``, ``Num``) call the same functions,
so the OpenAPI schemas of the API and the checks of the use cases cannot drift apart.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field

from regcoord.errors import DataError

MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(2200, 12, 31)
#: bound of every amount of money, in fen (10^13 yuan)
MAX_FEN = 10**15
#: bound of every measured value or target
MAX_VALUE = Decimal(10) ** 15
#: significant digits of a number (28: the default context of ``decimal``)
MAX_DIGITS = 28
#: primary keys are INTEGER on both backends
MAX_ID = 2_147_483_647
#: the width of the decimal text columns (``DecimalText``)
DECIMAL_COLUMN = 64

_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,3})?", re.ASCII)
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_INT = re.compile(r"[+-]?[0-9]{1,20}", re.ASCII)


def _fail(problem: str, field: str, expected: str, row: int | None) -> DataError:
    return DataError(problem, column=field, row=row, expected=expected)


def _shown(value: Any) -> str:
    """A short, printable rendering of a bad value for a message (never the whole input)."""
    text = repr(value)
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text if len(text) <= 40 else text[:37] + "..."


def number(
    value: Any,
    *,
    field: str,
    lo: Decimal | int | None = None,
    hi: Decimal | int | None = None,
    row: int | None = None,
) -> Decimal:
    """Parse ``value`` (decimal text, int, or finite float) exactly into a ``Decimal``.

    The range is ``[lo, hi]`` (default ``[-10^15, 10^15]``).
    """
    lo_d = -MAX_VALUE if lo is None else Decimal(lo)
    hi_d = MAX_VALUE if hi is None else Decimal(hi)
    expected = f"a decimal number like 12.5 (ASCII digits), between {lo_d} and {hi_d}"
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise _fail(f"{field}: {_shown(value)} is not a number", field, expected, row)
    if isinstance(value, str):
        if value.strip().lower().lstrip("+-") in ("nan", "snan", "inf", "infinity"):
            raise _fail(f"{field}: {_shown(value)} is not a finite number", field, expected, row)
        if not _NUMBER.fullmatch(value):
            raise _fail(f"{field}: {_shown(value)} is not a number", field, expected, row)
        text = value
    elif isinstance(value, float):
        text = repr(value)  # shortest repr; nan/inf fail below
    else:
        text = str(value)
    try:
        d = Decimal(text)
    except InvalidOperation:
        raise _fail(f"{field}: {_shown(value)} is not a number", field, expected, row) from None
    if not d.is_finite():
        raise _fail(f"{field}: {_shown(value)} is not a finite number", field, expected, row)
    if len(d.as_tuple().digits) > MAX_DIGITS and d != d.to_integral_value():
        raise _fail(
            f"{field}: {_shown(value)} has more than {MAX_DIGITS} significant digits", field, expected, row
        )
    if not lo_d <= d <= hi_d:
        raise _fail(f"{field}: {_shown(value)} is out of range", field, expected, row)
    if len(d.as_tuple().digits) > MAX_DIGITS:
        d = d.normalize()
    if len(str(d)) > DECIMAL_COLUMN:
        raise _fail(f"{field}: {_shown(value)} is too long to store", field, expected, row)
    return d


def db_id(value: Any, *, field: str, row: int | None = None) -> int:
    """A database id: a whole number 1 .. 2^31-1 (text of ASCII digits or an int)."""
    expected = f"a whole number from 1 to {MAX_ID}"
    if isinstance(value, str):
        value = value.strip()
        if not _INT.fullmatch(value):
            raise _fail(f"{field}: {_shown(value)} is not a whole number", field, expected, row)
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ID:
        raise _fail(f"{field}: {_shown(value)} is not a valid id", field, expected, row)
    return value


def check_day(value: date, *, field: str = "date", row: int | None = None) -> date:
    """``value`` if it lies within 1900-01-01 .. 2200-12-31."""
    value_d = value.date() if isinstance(value, datetime) else value
    if not MIN_DATE <= value_d <= MAX_DATE:
        raise _fail(
            f"{field}: {value_d.isoformat()} is outside {MIN_DATE.year}-{MAX_DATE.year}",
            field,
            f"a date between {MIN_DATE.isoformat()} and {MAX_DATE.isoformat()}",
            row,
        )
    return value


def day(value: Any, *, field: str, row: int | None = None) -> date:
    """Parse an ISO date ``YYYY-MM-DD`` (text or ``date``) within 1900-2200."""
    expected = f"YYYY-MM-DD between {MIN_DATE.isoformat()} and {MAX_DATE.isoformat()}"
    if isinstance(value, date):
        return check_day(value, field=field, row=row)
    text_v = str(value).strip() if isinstance(value, str) else None
    if text_v is None or not _DAY.fullmatch(text_v):
        raise _fail(f"{field}: {_shown(value)} is not a date", field, expected, row)
    try:
        parsed = date.fromisoformat(text_v)
    except ValueError:
        raise _fail(f"{field}: {_shown(value)} is not a date", field, expected, row) from None
    return check_day(parsed, field=field, row=row)


def text(value: Any, *, field: str, max_len: int, min_len: int = 0, row: int | None = None) -> str:
    """Text of ``min_len`` .. ``max_len`` characters without NUL characters."""
    expected = f"text of {min_len} to {max_len} characters without NUL"
    if not isinstance(value, str):
        raise _fail(f"{field}: {_shown(value)} is not text", field, expected, row)
    if "\x00" in value:
        raise _fail(f"{field}: text contains a NUL character", field, expected, row)
    if len(value) > max_len:
        raise _fail(f"{field}: {len(value)} characters is too long", field, expected, row)
    if len(value.strip()) < min_len:
        raise _fail(f"{field}: text is empty", field, expected, row)
    return value


# -- pydantic types of the API schemas: the same checks ------------------------------------------
def _pyd_number(value: Any) -> Any:
    try:
        number(value, field="value")
    except DataError as exc:
        raise ValueError(exc.problem.removeprefix("value: ")) from None
    return value


def _pyd_day(value: date) -> date:
    try:
        return check_day(value)
    except DataError as exc:
        raise ValueError(
            f"{exc.problem.removeprefix('date: ')}; expected a date between "
            f"{MIN_DATE.isoformat()} and {MAX_DATE.isoformat()}"
        ) from None


def _no_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("a boolean is not a number")
    return value


#: a date within 1900-2200
Day = Annotated[date, AfterValidator(_pyd_day)]
#: a date-time whose date lies within 1900-2200
When = Annotated[datetime, AfterValidator(_pyd_day)]
#: a decimal number written as text (strict: ASCII digits, no separators, finite, bounded)
NumberText = Annotated[str, Field(min_length=1, max_length=40), AfterValidator(_pyd_number)]
#: a number as text or as a JSON number (never a boolean), with the same checks
Num = Annotated[str | int | float, BeforeValidator(_no_bool), AfterValidator(_pyd_number)]

__all__ = [
    "MAX_DATE",
    "MAX_FEN",
    "MAX_ID",
    "MAX_VALUE",
    "MIN_DATE",
    "Day",
    "Num",
    "NumberText",
    "When",
    "check_day",
    "day",
    "db_id",
    "number",
    "text",
]
