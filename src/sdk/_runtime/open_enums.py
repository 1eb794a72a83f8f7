"""Enums that keep values newer than the SDK.

The API adds enum values over time (a new error code, a new log type). A generated enum
declares `_missing_ = classmethod(keep_unknown_value)`: `V2ErrorsEnum("NEW_CODE")` then gives a
pseudo-member (not listed by iteration, `.value == "NEW_CODE"`, an instance of the enum) instead
of raising, so a decoded model's annotation stays true and `e.error_code.value` works.

The pseudo-member is remembered in `_value2member_map_` (as the standard library's own Flag
does), so the same value always gives the same object and sending it back is accepted.
"""

from __future__ import annotations

import enum
import threading
from typing import Any, Optional

_LOCK = threading.Lock()


def keep_unknown_value(cls: Any, value: object) -> Optional[enum.Enum]:
    """`_missing_` of the generated enums: a pseudo-member for a value of the enum's base type."""
    base = int if issubclass(cls, int) else str
    if not isinstance(value, base) or isinstance(value, bool):
        return None  # a value of the wrong type stays a ValueError
    with _LOCK:
        found = cls._value2member_map_.get(value)
        if found is not None:
            return found  # type: ignore[no-any-return]
        member = base.__new__(cls, value)
        member._name_ = str(value)
        member._value_ = value
        cls._value2member_map_[value] = member
        return member  # type: ignore[no-any-return]
