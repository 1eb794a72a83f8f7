"""Dates as the ledger keeps them: UTC, microsecond precision, stored as text that sorts by time.

Stored form: `2024-05-01T12:00:00.000000Z` (fixed width, so text order is time order and an
index on it serves ranges). Wire form: RFC 3339 with the fraction trimmed, as Go prints it.
"""

from __future__ import annotations

import datetime as _dt
import re

_UTC = _dt.timezone.utc
_RFC3339 = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|z|[+-]\d{2}:\d{2})$")


class TimestampError(ValueError):
    """Text that is not an RFC 3339 date-time."""


def parse_timestamp(text: str) -> str:
    """The stored form of an RFC 3339 date-time (any offset, converted to UTC)."""
    found = _RFC3339.match(text)
    if found is None:
        raise TimestampError(f"{text!r} is not an RFC 3339 date-time such as 2024-05-01T12:00:00Z")
    year, month, day, hour, minute, second, fraction, offset = found.groups()
    micros = int((fraction or "0").ljust(6, "0")[:6])
    if offset in ("Z", "z"):
        tz = _UTC
    else:
        sign = 1 if offset[0] == "+" else -1
        tz = _dt.timezone(sign * _dt.timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6])))
    try:
        moment = _dt.datetime(int(year), int(month), int(day), int(hour), int(minute), int(second), micros, tzinfo=tz)
    except ValueError as exc:
        raise TimestampError(f"{text!r} is not a valid date-time ({exc})") from None
    return to_stored(moment)


def to_stored(moment: _dt.datetime) -> str:
    moment = moment.astimezone(_UTC)
    if moment.year < 1:
        raise TimestampError("dates before year 1 are not supported")
    return (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T"
        f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}.{moment.microsecond:06d}Z"
    )


def now() -> str:
    return to_stored(_dt.datetime.now(_UTC))


def to_wire(stored: str) -> str:
    """RFC 3339 as the ledger prints it: no fraction when it is zero, trailing zeros trimmed."""
    head, fraction = stored[:19], stored[20:26].rstrip("0")
    return f"{head}.{fraction}Z" if fraction else f"{head}Z"
