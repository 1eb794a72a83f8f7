"""Compiled encoders: models -> JSON data, validating as they go, built once per class.

Encoding checks every value against its annotation and the API's constraints (`minimum`,
`maximum`, `minLength`, `maxLength`, `pattern`) and raises RequestValidationError naming the
field path, so a bad request never leaves the process.

Properties: an UNSET property is left out; None is left out of an optional property and sent
as null for a nullable one; a required property must not be None. An enum field accepts its
members and the raw values of its members (including values the SDK itself decoded, so a
decoded model can be sent back unchanged).
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import enum
import typing
from typing import Any, Callable, Dict, List, Optional, Tuple

from .compile_cache import CompileCache
from .constraints import Constraints
from .errors import RequestValidationError
from .model_fields import UNSET
from .type_info import is_model, json_fields, optional_inner, type_key, type_label, union_branches
from .wire_values import Invalid, format_datetime

Encoder = Callable[[Any], Any]



def _got(value: Any) -> str:
    return f"got {type(value).__name__} {value!r}"[:120]


def _check_str(value: Any) -> Any:
    if isinstance(value, str):
        return value.value if isinstance(value, enum.Enum) else value
    raise Invalid(f"expected str, {_got(value)}")


def _check_int(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value) if isinstance(value, enum.Enum) else value
    raise Invalid(f"expected int, {_got(value)}")


def _check_float(value: Any) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    raise Invalid(f"expected a number, {_got(value)}")


def _check_bool(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    raise Invalid(f"expected bool, {_got(value)}")


def _encode_datetime(value: Any) -> Any:
    if isinstance(value, _dt.datetime):
        return format_datetime(value)
    raise Invalid(f"expected datetime.datetime, {_got(value)}")


def _encode_date(value: Any) -> Any:
    if isinstance(value, _dt.date) and not isinstance(value, _dt.datetime):
        return value.isoformat()
    raise Invalid(f"expected datetime.date, {_got(value)}")


def _encode_any(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value.value if isinstance(value, enum.Enum) else value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return encoder_for(type(value))(value)
    if isinstance(value, dict):
        return {str(k): _encode_any(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_encode_any(v) for v in value]
    if isinstance(value, _dt.datetime):
        return format_datetime(value)
    if isinstance(value, _dt.date):
        return value.isoformat()
    raise Invalid(f"is not JSON-serializable: {_got(value)}")


def _encode_enum(cls: Any) -> Encoder:
    values = cls._value2member_map_  # members, and pseudo-members of values the SDK decoded
    allowed = ", ".join(repr(m.value) for m in cls)

    def encode(value: Any) -> Any:
        if isinstance(value, cls):
            return value.value
        if not isinstance(value, (enum.Enum, bool)) and value in values:
            return value
        raise Invalid(f"{value!r} is not a valid {cls.__name__}; expected one of {allowed}")

    return encode


def encoder_for(tp: Any) -> Encoder:
    """A function turning a value of type `tp` into JSON data, validating it (cached)."""
    return _ENCODERS.get(tp, type_key(tp))


def _encode_list(item: Encoder) -> Encoder:
    def encode(value: Any) -> Any:
        if not isinstance(value, (list, tuple)):
            raise Invalid(f"expected a list, {_got(value)}")
        try:
            return [item(x) for x in value]
        except Invalid:
            for index, x in enumerate(value):
                try:
                    item(x)
                except Invalid as error:
                    raise error.at(f"[{index}]") from None
            raise

    return encode


def _encode_map(item: Encoder) -> Encoder:
    def encode(value: Any) -> Any:
        if not isinstance(value, dict):
            raise Invalid(f"expected a dict, {_got(value)}")
        out = {}
        for key, x in value.items():
            if not isinstance(key, str):
                raise Invalid(f"keys must be str, {_got(key)}")
            try:
                out[key] = item(x)
            except Invalid as error:
                raise error.at(f"[{key!r}]") from None
        return out

    return encode


def _encode_union(branches: Tuple[Any, ...]) -> Encoder:
    models = [(b, encoder_for(b)) for b in branches if is_model(b)]
    scalars = [(b, encoder_for(b)) for b in branches if not is_model(b)]
    labels = " | ".join(type_label(b) for b in branches)

    def encode(value: Any) -> Any:
        for cls, encode_branch in models:
            if isinstance(value, cls):
                return encode_branch(value)
        for _, encode_branch in scalars:
            try:
                return encode_branch(value)
            except Invalid:
                continue
        raise Invalid(f"expected {labels}, {_got(value)}")

    return encode


def _build(tp: Any, key: Any) -> Encoder:
    inner = optional_inner(tp)
    if inner is not None:
        encode_inner = encoder_for(inner)
        return lambda value: None if value is None else encode_inner(value)
    if tp is Any or tp is object:
        return _encode_any
    simple = {
        str: _check_str,
        int: _check_int,
        float: _check_float,
        bool: _check_bool,
        _dt.datetime: _encode_datetime,
        _dt.date: _encode_date,
    }.get(tp)
    if simple is not None:
        return simple
    if union_branches(tp):
        return _encode_union(union_branches(tp))
    origin = typing.get_origin(tp)
    if origin in (list, List):
        args = typing.get_args(tp)
        return _encode_list(encoder_for(args[0]) if args else _encode_any)
    if origin in (dict, Dict):
        args = typing.get_args(tp)
        return _encode_map(encoder_for(args[1]) if len(args) == 2 else _encode_any)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return _encode_enum(tp)
    if is_model(tp):
        # CompileCache.get drops the placeholder if this fails.
        return _compile_model(tp, key)
    return _encode_any


#: Exact-type fast paths for scalars: the common case costs one class comparison; anything
#: else (a subclass, an enum member, a wrong type) goes through the checking function.
_SCALAR_FAST = {
    str: ("{v}.__class__ is str", _check_str),
    int: ("{v}.__class__ is int", _check_int),
    bool: ("{v}.__class__ is bool", _check_bool),
    float: ("{v}.__class__ is float", _check_float),
}


class _Inline:
    """Builds the source of one encoding expression, inlining scalars and containers.

    The inlined form reports a bad value by field only; the class encoder then re-runs the
    field through the plain encoders, which name the exact list index or dict key.
    """

    def __init__(self, namespace: Dict[str, Any]) -> None:
        self.namespace = namespace
        self.depth = 0

    def name_of(self, value: Any) -> str:
        for name, known in self.namespace.items():
            if known is value:
                return name
        name = f"e{len(self.namespace)}"
        self.namespace[name] = value
        return name

    def expr(self, tp: Any, var: str) -> str:
        inner = optional_inner(tp)
        if inner is not None:
            return f"(None if {var} is None else {self.expr(inner, var)})"
        fast = _SCALAR_FAST.get(tp)
        if fast is not None:
            test, check = fast
            return f"({var} if {test.format(v=var)} else {self.name_of(check)}({var}))"
        origin = typing.get_origin(tp)
        if origin in (list, List):
            args = typing.get_args(tp)
            self.depth += 1
            item = f"x{self.depth}"
            body = self.expr(args[0], item) if args else f"{self.name_of(_encode_any)}({item})"
            self.depth -= 1
            plain = self.name_of(encoder_for(tp))
            return f"[{body} for {item} in {var}] if {var}.__class__ is list else {plain}({var})"
        if origin in (dict, Dict):
            args = typing.get_args(tp)
            self.depth += 1
            key, item = f"k{self.depth}", f"x{self.depth}"
            body = self.expr(args[1], item) if len(args) == 2 else f"{self.name_of(_encode_any)}({item})"
            self.depth -= 1
            return (
                f"{{{key}: {body} for {key}, {item} in {var}.items()}} "
                f"if {var}.__class__ is dict and all({key}.__class__ is str for {key} in {var}) "
                f"else {self.name_of(encoder_for(tp))}({var})"
            )
        return f"{self.name_of(encoder_for(tp))}({var})"


def check_constraints(constraints: Constraints, value: Any) -> None:
    problem = constraints.problem(value)
    if problem is not None:
        raise Invalid(problem)


def _compile_model(cls: type, key: Any) -> Encoder:
    # Registered before compiling the fields so that recursive models find it.
    slot = _ENCODERS.reserve(key)

    infos = json_fields(cls)
    namespace: Dict[str, Any] = {
        "cls": cls,
        "_Invalid": Invalid,
        "_wrong_model": _wrong_model,
        "_locate": _locate,
        "UNSET": UNSET,
        "_check": check_constraints,
    }
    namespace["plain"] = {info.name: encoder_for(info.type) for info in infos}
    inline = _Inline(namespace)
    lines = [
        "def encode(obj):",
        "    if obj.__class__ is not cls and not isinstance(obj, cls):",
        "        raise _Invalid(_wrong_model(cls, obj))",
        "    out = {}",
        "    field = None",
        "    try:",
        "        pass",
    ]
    for info in infos:
        expr = inline.expr(info.type, "v")
        wire = repr(info.wire)
        lines.append(f"        field = {info.name!r}")
        lines.append(f"        v = obj.{info.name}")
        if info.constraints is not None:
            lines.append(f"        if v is not None and v is not UNSET: _check({inline.name_of(info.constraints)}, v)")
        if info.required and optional_inner(info.type) is None and info.type is not Any:
            lines.append("        if v is None or v is UNSET:")
            lines.append("            raise _Invalid('is required')")
            lines.append(f"        out[{wire}] = {expr}")
        elif info.omit_if_none:
            lines.append("        if v is not None and v is not UNSET:")
            lines.append(f"            out[{wire}] = {expr}")
        else:
            lines.append("        if v is not UNSET:")
            lines.append(f"            out[{wire}] = None if v is None else {expr}")
    lines += [
        "    except _Invalid as error:",
        "        raise _locate(error, plain.get(field), getattr(obj, field), field) from None",
        "    return out",
    ]
    exec(compile("\n".join(lines) + "\n", f"<encoder {cls.__qualname__}>", "exec"), namespace)  # noqa: S102
    encode = namespace["encode"]
    slot.append(encode)
    return encode  # type: ignore[no-any-return]


def _wrong_model(cls: type, value: Any) -> str:
    """The problem and the fix when something other than the model instance is given."""
    public = cls.__name__
    if cls.__module__.startswith("sdk.models."):
        public = f"{cls.__module__.split('.')[-2]}.{public}"
    text = f"expected {public}, {_got(value)}"
    if isinstance(value, dict):
        text += f"; build it with {public}(...) or {public}.from_dict(...)"
    return text


def _locate(error: Invalid, plain: Optional[Encoder], value: Any, field: str) -> Invalid:
    """The most precise error for a field: the plain encoders name list indexes and keys."""
    if plain is not None and value is not None and value is not UNSET:
        try:
            plain(value)
        except Invalid as precise:
            error = precise
    return error.at("." + field)


def encode_value(value: Any, tp: Any, label: str, constraints: Optional[Constraints] = None) -> Any:
    """Encode `value` as type `tp`, raising RequestValidationError that names `label`.path."""
    try:
        encoded = encoder_for(tp)(value)
        if constraints is not None and value is not None:
            check_constraints(constraints, value)
        return encoded
    except Invalid as error:
        raise RequestValidationError(label + "".join(error.path), error.problem) from None


_ENCODERS: CompileCache[Encoder] = CompileCache(_build)
