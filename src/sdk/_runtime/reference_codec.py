"""The readable reference codec: the same rules as the compiled one, walking types every call.

It is the specification the property tests hold the compiled decoders and encoders to, the
way the compiled decoder finds the exact JSON path of a value it refused, and the measure of
how well a union branch fits (`fit`).

Decoding rules (a value that breaks one raises Invalid, with its JSON path):
- a model needs a JSON object; unknown properties are ignored; a required property must be
  present; an absent optional property takes the spec's default, else None; null in a
  property that is not required (or is nullable) is None;
- scalars follow wire_values; an enum value the SDK does not know is kept (a pseudo-member);
- a list needs a JSON array, a map a JSON object; unions follow union_choice.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import enum
import typing
from typing import Any, Dict, List, Optional

from .model_fields import UNSET
from .type_info import (
    field_types,
    is_enum,
    is_model,
    json_fields,
    optional_inner,
    type_key,
    union_branches,
)
from .union_choice import UnionChoice
from .wire_values import SCALAR_DECODERS, Invalid, decode_enum, expected, format_datetime

_CHOICES: Dict[Any, UnionChoice] = {}


def union_choice(tp: Any) -> UnionChoice:
    key = type_key(tp)
    found = _CHOICES.get(key)
    if found is None:
        found = _CHOICES[key] = UnionChoice(union_branches(tp))
    return found


def fit(tp: Any, value: Any, hint: Optional[str]) -> Optional[int]:
    """How many properties of `value` type `tp` accounts for; None when it cannot hold it."""
    counter = [0]
    try:
        _decode(tp, value, hint, counter)
    except (Invalid, RecursionError):
        return None
    return counter[0]


def reference_decode(tp: Any, value: Any, hint: Optional[str] = None) -> Any:
    """Decode `value` (JSON data) as `tp`; raises Invalid naming the JSON path of a bad value."""
    return _decode(tp, value, hint, None)


def _decode(tp: Any, value: Any, hint: Optional[str], counter: Optional[List[int]]) -> Any:
    inner = optional_inner(tp)
    if inner is not None:
        return None if value is None else _decode(inner, value, hint, counter)
    if tp is Any or tp is object:
        return value
    scalar = SCALAR_DECODERS.get(tp)
    if scalar is not None:
        return scalar(value)
    if union_branches(tp):
        choice = union_choice(tp)
        branch = choice.branches[choice.pick(value, hint, fit)]
        return _decode(branch, value, hint, counter)
    origin = typing.get_origin(tp)
    if origin in (list, List):
        if not isinstance(value, list):
            raise expected("an array", value)
        (item,) = typing.get_args(tp) or (Any,)
        out = []
        for index, element in enumerate(value):
            try:
                out.append(_decode(item, element, hint, counter))
            except Invalid as error:
                raise error.at(f"[{index}]") from None
        return out
    if origin in (dict, Dict):
        if not isinstance(value, dict):
            raise expected("a JSON object", value)
        args = typing.get_args(tp)
        item = args[1] if len(args) == 2 else Any
        result = {}
        for key, element in value.items():
            try:
                result[key] = _decode(item, element, hint, counter)
            except Invalid as error:
                raise error.at(f"[{key!r}]") from None
        return result
    if is_enum(tp):
        return decode_enum(tp, value)
    if is_model(tp):
        return _decode_model(tp, value, hint, counter)
    return value


def _decode_model(cls: Any, value: Any, hint: Optional[str], counter: Optional[List[int]]) -> Any:
    if not isinstance(value, dict):
        raise expected(f"a JSON object ({cls.__name__})", value)
    by_name = {info.name: info for info in json_fields(cls)}
    kwargs: Dict[str, Any] = {}
    for item in dataclasses.fields(cls):
        if not item.init:
            continue
        info = by_name.get(item.name)
        if info is None:  # not a JSON property (e.g. Security credentials): never on the wire
            kwargs[item.name] = None
            continue
        if info.wire not in value:
            if info.required:
                raise Invalid("required property missing").at("." + info.wire)
            kwargs[item.name] = info.absent
            continue
        if counter is not None:
            counter[0] += 1
        try:
            kwargs[item.name] = _decode(info.type, value[info.wire], hint, counter)
        except Invalid as error:
            raise error.at("." + info.wire) from None
    return cls(**kwargs)


def reference_encode(tp: Any, value: Any) -> Any:
    """Encode by walking the type on every call (slow; the specification for `encoder_for`).

    No validation: it writes what it is given (Model.to_dict falls back to it for a model that
    would not pass request validation).
    """
    if value is None:
        return None
    inner = optional_inner(tp)
    if inner is not None:
        return reference_encode(inner, value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, _dt.datetime):
        return format_datetime(value)
    if isinstance(value, _dt.date):
        return value.isoformat()
    if union_branches(tp):
        for branch in union_branches(tp):
            if isinstance(branch, type) and isinstance(value, branch):
                return reference_encode(branch, value)
        return value
    origin = typing.get_origin(tp)
    if origin in (list, List):
        args = typing.get_args(tp)
        return [reference_encode(args[0] if args else Any, x) for x in value]
    if origin in (dict, Dict):
        args = typing.get_args(tp)
        return {k: reference_encode(args[1] if len(args) == 2 else Any, v) for k, v in value.items()}
    if dataclasses.is_dataclass(value):
        hints = field_types(type(value))
        out = {}
        for info in json_fields(type(value)):
            field_value = getattr(value, info.name)
            if field_value is UNSET or (field_value is None and info.omit_if_none):
                continue
            out[info.wire] = reference_encode(hints[info.name], field_value)
        return out
    if tp is Any and isinstance(value, (list, tuple)):
        return [reference_encode(Any, x) for x in value]
    if tp is Any and isinstance(value, dict):
        return {k: reference_encode(Any, v) for k, v in value.items()}
    return value
