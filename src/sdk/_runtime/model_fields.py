"""How generated models declare their fields, in a form type checkers understand.

A generated model is

    @model
    class V2Posting(Model):
        amount: int = prop("amount", minimum=0)
        asset: str = prop("asset")
        metadata: Optional[Dict[str, str]] = prop("metadata", default=UNSET, omit=True, nullable=True)

`model` is a plain `dataclasses.dataclass` at run time. It is declared with PEP 681
`dataclass_transform`, naming the field specifiers below, so that mypy/pyright see that a
field specifier called without `default=` is a *required* constructor argument (with a plain
`= dataclasses.field(...)` or `= prop(...)` returning `Any`, every field would look optional).

Each specifier records what the codec and the request builder need in the field metadata:
`metadata["sdk"]` is a `JsonProperty` (or a `Location`), and `metadata["dataclasses_json"]`
keeps the 4.2.0 spelling (`letter_case` naming the wire property, `exclude` when it is omitted
while None), which 4.2.0-era code and our surface test read.
"""

from __future__ import annotations

import dataclasses
import sys
from typing import Any, Callable, Dict, Mapping, Optional, TypeVar, overload

from .constraints import Constraints

if sys.version_info >= (3, 11):
    from typing import dataclass_transform
else:  # pragma: no cover - exercised on 3.9/3.10 only
    from typing_extensions import dataclass_transform

__all__ = [
    "UNSET",
    "JsonProperty",
    "Location",
    "body",
    "exclude_if_none",
    "get_field_name",
    "header",
    "model",
    "path_param",
    "prop",
    "query_param",
    "security",
]

_MISSING: Any = dataclasses.MISSING


class _Unset:
    """The default of nullable optional fields: "not given", as opposed to an explicit None.

    An unset field is left out of the JSON; a field set to None is sent as `null` (what 4.2.0
    did with its own sentinel). It is falsy, so `if not obj.metadata:` reads naturally.
    """

    _instance: Optional[_Unset] = None

    def __new__(cls) -> _Unset:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False

    def __copy__(self) -> _Unset:
        return self

    def __deepcopy__(self, memo: Dict[int, Any]) -> _Unset:
        return self

    def __reduce__(self) -> str:
        return "UNSET"  # pickles as a reference to the module-level singleton


UNSET: Any = _Unset()


class JsonProperty:
    """One JSON property of a model: its wire name and how None/unset values are written."""

    __slots__ = ("wire", "omit_if_none", "nullable", "constraints")

    def __init__(self, wire: str, omit_if_none: bool, nullable: bool, constraints: Optional[Constraints]) -> None:
        self.wire = wire
        #: None is left out of the JSON (an optional property that is not nullable).
        self.omit_if_none = omit_if_none
        #: None is sent as JSON null; only UNSET is left out.
        self.nullable = nullable
        self.constraints = constraints


class Location:
    """Where a field of an operation request goes: path, query, header, body or security."""

    __slots__ = ("kind", "constraints")

    def __init__(self, kind: str, constraints: Optional[Constraints]) -> None:
        self.kind = kind
        self.constraints = constraints


def get_field_name(name: str) -> Callable[[str], str]:
    """The `letter_case` callable of 4.2.0's field metadata: it always answers the wire name."""

    def override(_: str, _name: str = name) -> str:
        return _name

    return override


def exclude_if_none(value: Any) -> bool:
    return value is None


def _checks(
    minimum: Optional[float], maximum: Optional[float], min_length: Optional[int], max_length: Optional[int],
    pattern: Optional[str],
) -> Optional[Constraints]:
    if minimum is None and maximum is None and min_length is None and max_length is None and pattern is None:
        return None
    return Constraints(minimum, maximum, min_length, max_length, pattern)


def prop(
    wire: str,
    *,
    default: Any = _MISSING,
    omit: bool = False,
    nullable: bool = False,
    minimum: Optional[float] = None,
    maximum: Optional[float] = None,
    min_length: Optional[int] = None,
    max_length: Optional[int] = None,
    pattern: Optional[str] = None,
) -> Any:
    """A JSON property named `wire`. Without `default` the field is required.

    `omit` leaves it out of the JSON when it is None; `nullable` sends an explicit None as
    null (and leaves only UNSET out). The constraints are checked before a request is sent.
    """
    config: Dict[str, Any] = {"letter_case": get_field_name(wire)}
    if omit:
        config["exclude"] = exclude_if_none
    checks = _checks(minimum, maximum, min_length, max_length, pattern)
    spec = JsonProperty(wire, omit and not nullable, nullable, checks)
    return dataclasses.field(default=default, metadata={"dataclasses_json": config, "sdk": spec})


def _location(kind: str, details: Mapping[str, Any], default: Any, constraints: Optional[Constraints]) -> Any:
    return dataclasses.field(default=default, metadata={kind: dict(details), "sdk": Location(kind, constraints)})


def path_param(
    name: str,
    *,
    default: Any = _MISSING,
    style: str = "simple",
    explode: bool = False,
    minimum: Optional[float] = None,
    maximum: Optional[float] = None,
    min_length: Optional[int] = None,
    max_length: Optional[int] = None,
    pattern: Optional[str] = None,
) -> Any:
    details = {"field_name": name, "style": style, "explode": explode}
    return _location("path_param", details, default, _checks(minimum, maximum, min_length, max_length, pattern))


def query_param(
    name: str,
    *,
    default: Any = _MISSING,
    style: str = "form",
    explode: bool = True,
    minimum: Optional[float] = None,
    maximum: Optional[float] = None,
    min_length: Optional[int] = None,
    max_length: Optional[int] = None,
    pattern: Optional[str] = None,
) -> Any:
    details = {"field_name": name, "style": style, "explode": explode}
    return _location("query_param", details, default, _checks(minimum, maximum, min_length, max_length, pattern))


def header(
    name: str,
    *,
    default: Any = _MISSING,
    style: str = "simple",
    explode: bool = False,
    minimum: Optional[float] = None,
    maximum: Optional[float] = None,
    min_length: Optional[int] = None,
    max_length: Optional[int] = None,
    pattern: Optional[str] = None,
) -> Any:
    details = {"field_name": name, "style": style, "explode": explode}
    return _location("header", details, default, _checks(minimum, maximum, min_length, max_length, pattern))


def body(media_type: str, *, default: Any = _MISSING, nullable: bool = False) -> Any:
    """The request body. A `nullable` body set to None is sent as `null`; UNSET sends none."""
    location = Location("body-nullable" if nullable else "body", None)
    return dataclasses.field(default=default, metadata={"request": {"media_type": media_type}, "sdk": location})


def security(name: str, *, default: Any = _MISSING, sub_type: str = "client_credentials") -> Any:
    return dataclasses.field(
        default=default,
        metadata={
            "security": {"scheme": True, "type": "oauth2", "sub_type": sub_type, "field_name": name},
            "sdk": Location("security", None),
        },
    )


T = TypeVar("T", bound=type)


@overload
def model(cls: T) -> T: ...


@overload
def model(*, eq: bool = True, repr: bool = True) -> Callable[[T], T]: ...


@dataclass_transform(field_specifiers=(prop, path_param, query_param, header, body, security, dataclasses.field))
def model(cls: Optional[T] = None, *, eq: bool = True, repr: bool = True) -> Any:  # noqa: A002 - dataclass spelling
    """Make `cls` a dataclass (with `eq`/`repr` as in `dataclasses.dataclass`)."""

    def wrap(target: T) -> T:
        return dataclasses.dataclass(eq=eq, repr=repr)(target)  # type: ignore[return-value]

    return wrap if cls is None else wrap(cls)
