"""Scalar values on the wire: what a JSON value may be for each scalar type, and the errors.

Shared by the compiled decoders, the reference codec and union scoring, so that all three
accept and refuse exactly the same data:

- str, bool: that JSON type.
- int (int64 and bigint alike): a JSON integer, or a decimal string such as "-12" (what ledgers
  send with `Formance-Bigint-As-String`); always an exact Python int. A JSON number with a
  fraction or an exponent (`1.5`, `1e30`, even `1.0`) is refused: it may already have lost
  digits in the server's or the parser's floating point.
- float (number): any JSON number.
- datetime / date: an RFC 3339 string.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
import sys
from typing import Any, Callable, Dict, List

_UTC = _dt.timezone.utc
_NATIVE_FROMISOFORMAT_HANDLES_Z = sys.version_info >= (3, 11)
_DECIMAL = re.compile(r"-?[0-9]+")
_SHOWN_LIMIT = 60


class Invalid(Exception):
    """A value that does not fit its type; `path` is completed as the error travels outwards."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem
        self.path: List[str] = []

    def at(self, segment: str) -> Invalid:
        self.path.insert(0, segment)
        return self

    def where(self) -> str:
        text = "".join(self.path)
        return text[1:] if text.startswith(".") else text


def shown(value: Any) -> str:
    """A short JSON-like rendering of a received value, for error messages."""
    try:
        text = json.dumps(value, ensure_ascii=False, default=repr)
    except (TypeError, ValueError, RecursionError):
        text = repr(value)
    return text if len(text) <= _SHOWN_LIMIT else text[: _SHOWN_LIMIT - 3] + "..."


def expected(what: str, value: Any) -> Invalid:
    return Invalid(f"expected {what}, got {shown(value)}")


# --- datetimes -------------------------------------------------------------------------------


def parse_datetime(value: str) -> _dt.datetime:
    """Parse an RFC 3339 timestamp; fromisoformat when it is exact, dateutil otherwise."""
    text = value
    if not _NATIVE_FROMISOFORMAT_HANDLES_Z and text[-1:] in ("Z", "z"):
        text = text[:-1] + "+00:00"
    try:
        return _dt.datetime.fromisoformat(text)
    except (ValueError, TypeError):
        from dateutil import parser

        return parser.isoparse(value)


def parse_date(value: str) -> _dt.date:
    try:
        return _dt.date.fromisoformat(value)
    except (ValueError, TypeError):
        return parse_datetime(value).date()


def format_datetime(value: _dt.datetime) -> str:
    """RFC 3339 text; a naive datetime is taken to be UTC (documented in USAGE.md)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=_UTC)
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


# --- decoding scalars --------------------------------------------------------------------------


def decode_str(value: Any) -> Any:
    if isinstance(value, str):
        return value
    raise expected("string", value)


def decode_bool(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    raise expected("boolean", value)


def decode_int(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, str) and _DECIMAL.fullmatch(value):
        try:
            return int(value)
        except ValueError:  # more digits than int() accepts (sys.set_int_max_str_digits)
            pass
    if isinstance(value, float):
        raise Invalid(f"expected integer, got {shown(value)} (a number with a fraction or an exponent)")
    raise expected("integer", value)


def decode_float(value: Any) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    raise expected("number", value)


def decode_datetime(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return parse_datetime(value)
        except (ValueError, OverflowError):
            pass
    raise expected("an RFC 3339 date-time string", value)


def decode_date(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return parse_date(value)
        except (ValueError, OverflowError):
            pass
    raise expected("an RFC 3339 date string", value)


#: The decoder of each scalar annotation.
SCALAR_DECODERS: Dict[Any, Callable[[Any], Any]] = {
    str: decode_str,
    bool: decode_bool,
    int: decode_int,
    float: decode_float,
    _dt.datetime: decode_datetime,
    _dt.date: decode_date,
}


def decode_enum(cls: Any, value: Any) -> Any:
    """A member of `cls`; an unknown value of the right JSON type becomes a pseudo-member.

    Generated enums keep values newer than the SDK through `_missing_` (see open_enums), so the
    result is always an instance of `cls` and `.value` works.
    """
    try:
        member = cls._value2member_map_.get(value)
        if member is not None and not isinstance(value, bool):
            return member
        return cls(value)
    except (ValueError, TypeError):  # TypeError: an unhashable value (a list, an object)
        pass
    names = ", ".join(repr(m.value) for m in list(cls)[:8])
    raise Invalid(f"expected one of {names}{', ...' if len(cls) > 8 else ''} ({cls.__name__}), got {shown(value)}")

