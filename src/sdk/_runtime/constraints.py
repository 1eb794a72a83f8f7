"""The value constraints an API description states on request fields, checked before sending.

`minimum`/`maximum` apply to numbers, `min_length`/`max_length`/`pattern` to strings (the
OpenAPI `minLength`, `maxLength`, `pattern`). A value of another type is left to the type
check that runs first.
"""

from __future__ import annotations

import re
from typing import Any, Optional


class Constraints:
    __slots__ = ("minimum", "maximum", "min_length", "max_length", "pattern", "_regex")

    def __init__(
        self,
        minimum: Optional[float] = None,
        maximum: Optional[float] = None,
        min_length: Optional[int] = None,
        max_length: Optional[int] = None,
        pattern: Optional[str] = None,
    ) -> None:
        self.minimum = minimum
        self.maximum = maximum
        self.min_length = min_length
        self.max_length = max_length
        self.pattern = pattern
        # OpenAPI patterns are ECMA-262 regexes matched anywhere in the string (not anchored).
        self._regex = re.compile(pattern) if pattern is not None else None

    def problem(self, value: Any) -> Optional[str]:
        """Why `value` breaks a constraint, or None when it satisfies all of them."""
        if isinstance(value, bool):
            return None
        if isinstance(value, (int, float)):
            if self.minimum is not None and value < self.minimum:
                return f"must be >= {_number(self.minimum)}, got {value!r}"
            if self.maximum is not None and value > self.maximum:
                return f"must be <= {_number(self.maximum)}, got {value!r}"
        elif isinstance(value, str):
            if self.min_length is not None and len(value) < self.min_length:
                return f"must be at least {self.min_length} characters long, got {len(value)}"
            if self.max_length is not None and len(value) > self.max_length:
                return f"must be at most {self.max_length} characters long, got {len(value)}"
            if self._regex is not None and self._regex.search(value) is None:
                return f"must match the pattern {self.pattern!r}, got {value!r}"[:200]
        return None

    def __repr__(self) -> str:
        parts = [f"{name}={getattr(self, name)!r}" for name in self.__slots__[:-1] if getattr(self, name) is not None]
        return f"Constraints({', '.join(parts)})"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
