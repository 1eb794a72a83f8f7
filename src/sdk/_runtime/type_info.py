"""What the codec reads from a model class or an annotation, computed once per class."""

from __future__ import annotations

import dataclasses
import enum
import typing
from typing import Any, Dict, Optional, Tuple

from .constraints import Constraints
from .model_fields import UNSET, JsonProperty

NONE_TYPE = type(None)
MISSING: Any = dataclasses.MISSING


class FieldInfo:
    """One JSON property of a model class."""

    __slots__ = ("name", "wire", "type", "required", "absent", "omit_if_none", "nullable", "constraints")

    def __init__(
        self,
        name: str,
        wire: str,
        tp: Any,
        required: bool,
        absent: Any,
        omit_if_none: bool,
        nullable: bool,
        constraints: Optional[Constraints],
    ) -> None:
        self.name = name
        self.wire = wire
        self.type = tp
        self.required = required  # no default: the constructor (and the JSON) must have it
        #: The value when the property is absent from a response: the spec's default, else None.
        self.absent = absent
        self.omit_if_none = omit_if_none  # an optional, non-nullable property: None is not sent
        self.nullable = nullable  # None is sent as null; only UNSET is left out
        self.constraints = constraints


_FIELDS: Dict[type, Tuple[FieldInfo, ...]] = {}


def json_fields(cls: type) -> Tuple[FieldInfo, ...]:
    """The JSON properties of a model class, in declaration order."""
    found = _FIELDS.get(cls)
    if found is not None:
        return found
    hints = field_types(cls)
    infos = []
    for item in dataclasses.fields(cls):
        spec = item.metadata.get("sdk")
        if not isinstance(spec, JsonProperty):
            continue  # operation parameters and envelope fields are not JSON properties
        required = item.default is MISSING and item.default_factory is MISSING
        absent = None if required or item.default is UNSET or item.default is MISSING else item.default
        infos.append(
            FieldInfo(
                item.name,
                spec.wire,
                hints[item.name],
                required,
                absent,
                spec.omit_if_none,
                spec.nullable,
                spec.constraints,
            )
        )
    result = tuple(infos)
    _FIELDS[cls] = result
    return result


def field_types(cls: type) -> Dict[str, Any]:
    """Field name -> type; generated models carry real annotations, others are resolved."""
    found = {item.name: item.type for item in dataclasses.fields(cls)}
    if any(isinstance(tp, str) for tp in found.values()):
        hints = typing.get_type_hints(cls)
        found = {name: hints[name] for name in found}
    return found


def optional_inner(tp: Any) -> Optional[Any]:
    """For Optional[X] return X (or the Union without None); otherwise None."""
    if typing.get_origin(tp) is typing.Union:
        args = typing.get_args(tp)
        if NONE_TYPE in args:
            rest = tuple(a for a in args if a is not NONE_TYPE)
            return rest[0] if len(rest) == 1 else typing.Union[rest]  # type: ignore[return-value]
    return None


def is_model(tp: Any) -> bool:
    return isinstance(tp, type) and dataclasses.is_dataclass(tp)


def is_enum(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, enum.Enum)


def union_branches(tp: Any) -> Tuple[Any, ...]:
    return typing.get_args(tp) if typing.get_origin(tp) is typing.Union else ()


_KEYS: Dict[int, Tuple[Any, str]] = {}


def type_key(tp: Any) -> Any:
    """A cache key for `tp` that keeps union order.

    `Union[A, B] == Union[B, A]` (and so do lists of them), but their tie-break order differs,
    so typing constructs are keyed by their repr, which lists the arguments in order. The repr
    is remembered per object (by identity, the object kept alive with it): this runs on every
    encode and decode call.
    """
    if isinstance(tp, type):
        return tp
    found = _KEYS.get(id(tp))
    if found is not None and found[0] is tp:
        return found[1]
    key = repr(tp)
    _KEYS[id(tp)] = (tp, key)
    return key


def type_label(tp: Any) -> str:
    if isinstance(tp, type):
        return tp.__name__
    return str(tp).replace("typing.", "").replace("sdk.models.", "")
