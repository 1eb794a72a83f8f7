"""JSON <-> model conversion, compiled once per class.

The generated models are plain dataclasses. The first time a class is encoded or decoded, its
field list is turned into a small Python function (source built here, compiled with `exec`),
so a call does dictionary look-ups and constructor calls only — no per-call reflection.
`reference_decode` / `reference_encode` implement the same rules by walking the types on every
call; they are the readable specification that the tests hold the compiled functions to.

Rules (both paths):
- JSON property names come from the field metadata (`dataclasses_json.letter_case`).
- Integers stay Python ints (bigints are exact); datetimes are RFC 3339 strings on the wire.
- Decoding ignores unknown properties; a missing property decodes as None; an enum value the
  SDK does not know is kept as the raw value; an undecodable union value is kept as given.
- Unions pick their branch by discriminator when the API names one, otherwise the branch the
  data matches best (all required properties present, most known properties, fewest unknown).
- Encoding validates as it goes and raises RequestValidationError naming the field path.
"""

from __future__ import annotations

import contextvars
import dataclasses
import datetime as _dt
import enum
import json
import sys
import threading
import typing
from typing import Any, Callable, Dict, List, Optional, Tuple

from .errors import RequestValidationError

Decoder = Callable[[Any], Any]
Encoder = Callable[[Any], Any]

_NONE_TYPE = type(None)
_UTC = _dt.timezone.utc
_NATIVE_FROMISOFORMAT_HANDLES_Z = sys.version_info >= (3, 11)


# --- scalar helpers --------------------------------------------------------------------------


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


def _decode_enum(cls: Any) -> Decoder:
    members = cls._value2member_map_

    def decode(value: Any) -> Any:
        member = members.get(value)
        return member if member is not None else value

    return decode


# --- field metadata ----------------------------------------------------------------------------


class FieldInfo:
    """What the codec needs to know about one dataclass field."""

    __slots__ = ("name", "wire", "type", "required", "omit_if_none")

    def __init__(self, name: str, wire: str, tp: Any, required: bool, omit_if_none: bool) -> None:
        self.name = name
        self.wire = wire
        self.type = tp
        self.required = required
        self.omit_if_none = omit_if_none


_FIELDS: Dict[type, Tuple[FieldInfo, ...]] = {}


def json_fields(cls: type) -> Tuple[FieldInfo, ...]:
    """The JSON properties of a model class, in declaration order."""
    found = _FIELDS.get(cls)
    if found is not None:
        return found
    hints = field_types(cls)
    infos = []
    for item in dataclasses.fields(cls):
        config = item.metadata.get("dataclasses_json")
        if config is None:
            continue  # operation parameters and envelope fields are not JSON properties
        letter_case = config.get("letter_case")
        wire = letter_case(item.name) if letter_case else item.name
        required = item.default is dataclasses.MISSING and item.default_factory is dataclasses.MISSING
        infos.append(FieldInfo(item.name, wire, hints[item.name], required, "exclude" in config))
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
        if _NONE_TYPE in args:
            rest = tuple(a for a in args if a is not _NONE_TYPE)
            return rest[0] if len(rest) == 1 else typing.Union[rest]  # type: ignore[return-value]
    return None


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and dataclasses.is_dataclass(tp)


def _union_args(tp: Any) -> Tuple[Any, ...]:
    return typing.get_args(tp) if typing.get_origin(tp) is typing.Union else ()


# --- discriminators ------------------------------------------------------------------------------


def _discriminator(branches: Tuple[Any, ...]) -> Optional[Tuple[str, Dict[str, Any]]]:
    """The discriminator shared by union branches, declared by the generator on each class.

    A generated class that is a branch of a discriminated union carries
    `__discriminator__ = ("responseType", ("CREATE_TRANSACTION", ...))`.
    """
    prop = None
    mapping: Dict[str, Any] = {}
    for branch in branches:
        spec = getattr(branch, "__discriminator__", None) if _is_model(branch) else None
        if spec is None:
            return None
        if prop is None:
            prop = spec[0]
        elif spec[0] != prop:
            return None
        for value in spec[1]:
            mapping[value] = branch
    return (prop, mapping) if prop is not None else None


# --- best-match scoring for unions without a discriminator ---------------------------------------

#: How well data fits a type, summed over the whole value: (known properties, unknown
#: properties, declared properties the data lacks). None means it cannot fit at all.
Fit = Tuple[int, int, int]
_EMPTY_FIT: Fit = (0, 0, 0)


def _add(a: Fit, b: Fit) -> Fit:
    return (a[0] + b[0], a[1] + b[1], a[2] + b[2])


def fit(tp: Any, value: Any) -> Optional[Fit]:
    """How `value` fits `tp` (see Fit); None when it cannot (wrong type, required key missing)."""
    if value is None:
        return _EMPTY_FIT if (tp is Any or optional_inner(tp) is not None or tp is _NONE_TYPE) else None
    inner = optional_inner(tp)
    if inner is not None:
        tp = inner
    if tp is Any or tp is object:
        return _EMPTY_FIT
    origin = typing.get_origin(tp)
    if origin is typing.Union:
        ranked = [(rank(arg, value), arg) for arg in typing.get_args(tp)]
        fitting = [(key, arg) for key, arg in ranked if key is not None]
        if not fitting:
            return None
        best = max(fitting, key=lambda pair: pair[0])[1]
        return fit(best, value)
    if origin in (list, List):
        if not isinstance(value, list):
            return None
        (item,) = typing.get_args(tp) or (Any,)
        total = _EMPTY_FIT
        for element in value[:20]:
            found = fit(item, element)
            if found is None:
                return None
            total = _add(total, found)
        return total
    if origin in (dict, Dict):
        if not isinstance(value, dict):
            return None
        args = typing.get_args(tp)
        item = args[1] if len(args) == 2 else Any
        total = _EMPTY_FIT
        for element in list(value.values())[:20]:
            found = fit(item, element)
            if found is None:
                return None
            total = _add(total, found)
        return total
    if _is_model(tp):
        if not isinstance(value, dict):
            return None
        total = _EMPTY_FIT
        known = set()
        for info in json_fields(tp):
            known.add(info.wire)
            if info.wire in value:
                found = fit(info.type, value[info.wire])
                if found is None:
                    return None
                total = _add(total, (1 + found[0], found[1], found[2]))
            elif info.required:
                return None
            else:
                total = _add(total, (0, 0, 1))
        return _add(total, (0, sum(1 for key in value if key not in known), 0))
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return (1, 0, 0) if value in tp._value2member_map_ else _EMPTY_FIT
    if tp is bool:
        return _EMPTY_FIT if isinstance(value, bool) else None
    if tp is int:
        return _EMPTY_FIT if isinstance(value, int) and not isinstance(value, bool) else None
    if tp is float:
        return _EMPTY_FIT if isinstance(value, (int, float)) and not isinstance(value, bool) else None
    if tp is str:
        return _EMPTY_FIT if isinstance(value, str) else None
    if tp in (_dt.datetime, _dt.date):
        if not isinstance(value, str):
            return None
        try:
            parse_datetime(value) if tp is _dt.datetime else parse_date(value)
        except (ValueError, OverflowError):
            return None
        return _EMPTY_FIT
    return _EMPTY_FIT


def rank(tp: Any, value: Any) -> Optional[Tuple[int, int, int]]:
    """Sort key of a union branch for `value` (higher is better); None when it cannot fit.

    First the branch's own top-level properties (known minus unknown): a branch that names the
    object's keys beats one that merely tolerates them, however deep the data goes. Then the
    same over the whole value, then the tighter fit (fewer declared properties missing), so
    Wise {apiKey, name} wins over Stripe {apiKey, name, pageSize?} for Wise's data.
    """
    found = fit(tp, value)
    if found is None:
        return None
    top = 0
    inner = optional_inner(tp)
    model = inner if inner is not None else tp
    if _is_model(model) and isinstance(value, dict):
        wires = {info.wire for info in json_fields(model)}
        top = sum(1 if key in wires else -1 for key in value)
    return (top, found[0] - found[1], -found[2])


#: A word from the request that names the expected branch (e.g. the `connector` path parameter
#: "MONEYCORP"), set by the pipeline while it decodes a response. It only breaks ties: two
#: connector configs with identical properties cannot be told apart from the data alone.
branch_hint: contextvars.ContextVar[Optional[str]] = contextvars.ContextVar("sdk_branch_hint", default=None)


def _letters(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def _decode_union(branches: Tuple[Any, ...]) -> Decoder:
    disc = _discriminator(branches)
    decoders = [decoder_for(b) for b in branches]
    names = [_letters(getattr(b, "__name__", "")) for b in branches]

    def best(value: Any) -> Any:
        best_key = None
        tied: List[int] = []
        for index, branch in enumerate(branches):
            key = rank(branch, value)
            if key is None:
                continue
            if best_key is None or key > best_key:
                best_key, tied = key, [index]
            elif key == best_key:
                tied.append(index)
        if not tied:
            return value  # nothing fits: keep the data rather than guess
        chosen = tied[0]  # ties keep the earlier branch...
        hint = branch_hint.get()
        if len(tied) > 1 and hint:
            wanted = _letters(hint)
            chosen = next((i for i in tied if wanted and wanted in names[i]), chosen)  # ...unless the request names one
        return decoders[chosen](value)

    if disc is None:
        return best
    prop, mapping = disc
    by_value = {key: decoder_for(cls) for key, cls in mapping.items()}

    def by_discriminator(value: Any) -> Any:
        if isinstance(value, dict):
            chosen = by_value.get(str(value.get(prop)))
            if chosen is not None:
                return chosen(value)
        return best(value)

    return by_discriminator


# --- decoders ------------------------------------------------------------------------------------

_DECODERS: Dict[Any, Optional[Decoder]] = {}
_ENCODERS: Dict[Any, Optional[Encoder]] = {}
_COMPILE_LOCK = threading.RLock()


def _identity(value: Any) -> Any:
    return value


def _cached(cache: Dict[Any, Any], build: Callable[[Any], Any], tp: Any) -> Any:
    """`cache[tp]`, built once under a lock (lock-free once built)."""
    found = cache.get(tp)
    if found is not None:
        return found
    with _COMPILE_LOCK:
        found = cache.get(tp)
        if found is None:
            found = cache[tp] = build(tp)
    return found


def decoder_for(tp: Any) -> Decoder:
    """A function turning JSON data into a value of type `tp` (cached per type)."""
    return _cached(_DECODERS, _build_decoder, tp)  # type: ignore[no-any-return]


def _build_decoder(tp: Any) -> Decoder:
    inner = optional_inner(tp)
    if inner is not None:
        decode_inner = decoder_for(inner)
        if decode_inner is _identity:
            return _identity
        return lambda value: None if value is None else decode_inner(value)
    if tp in (Any, str, bool, int, float, _NONE_TYPE, object):
        return _identity
    if tp is _dt.datetime:
        return lambda value: parse_datetime(value) if isinstance(value, str) else value
    if tp is _dt.date:
        return lambda value: parse_date(value) if isinstance(value, str) else value
    origin = typing.get_origin(tp)
    if origin is typing.Union:
        return _decode_union(typing.get_args(tp))
    if origin in (list, List):
        args = typing.get_args(tp)
        item = decoder_for(args[0]) if args else _identity
        if item is _identity:
            return _identity
        return lambda value: [item(x) for x in value] if isinstance(value, list) else value
    if origin in (dict, Dict):
        args = typing.get_args(tp)
        item = decoder_for(args[1]) if len(args) == 2 else _identity
        if item is _identity:
            return _identity
        return lambda value: {k: item(v) for k, v in value.items()} if isinstance(value, dict) else value
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return _decode_enum(tp)
    if _is_model(tp):
        try:
            return _compile_class_decoder(tp)
        except BaseException:
            _DECODERS.pop(tp, None)  # drop the trampoline so a later call does not see a half-built decoder
            raise
    return _identity


class _SourceBuilder:
    """Shared by the decoder and encoder builders: the namespace the generated code runs in."""

    prefix = "f"

    def __init__(self, namespace: Dict[str, Any]) -> None:
        self.namespace = namespace
        self.depth = 0  # nesting of comprehensions, for unique loop variable names

    def function(self, function: Callable[[Any], Any]) -> str:
        """The name under which the generated code calls `function`."""
        for name, value in self.namespace.items():
            if value is function:
                return name
        name = f"{self.prefix}{len(self.namespace)}"
        self.namespace[name] = function
        return name


class _Inline(_SourceBuilder):
    """Builds the source of one decoding expression, inlining list/dict/optional handling.

    Inlining the containers (instead of calling one small function per level) is what keeps
    decoding a page of transactions close to the cost of `json.loads` itself.
    """

    prefix = "d"

    def expr(self, tp: Any, var: str) -> Optional[str]:
        """Source decoding `var` (never None here) into `tp`; None when no change is needed."""
        inner = optional_inner(tp)
        if inner is not None:
            body = self.expr(inner, var)
            return None if body is None else f"(None if {var} is None else {body})"
        origin = typing.get_origin(tp)
        if origin in (list, List):
            args = typing.get_args(tp)
            self.depth += 1
            item = f"x{self.depth}"
            body = self.expr(args[0], item) if args else None
            self.depth -= 1
            # Data of the wrong shape is kept as given (like reference_decode), never iterated.
            return None if body is None else f"([{body} for {item} in {var}] if {var}.__class__ is list else {var})"
        if origin in (dict, Dict):
            args = typing.get_args(tp)
            self.depth += 1
            key, item = f"k{self.depth}", f"x{self.depth}"
            body = self.expr(args[1], item) if len(args) == 2 else None
            self.depth -= 1
            if body is None:
                return None
            return f"({{{key}: {body} for {key}, {item} in {var}.items()}} if {var}.__class__ is dict else {var})"
        decode = decoder_for(tp)
        if decode is _identity:
            return None
        return f"{self.function(decode)}({var})"


def _compile_class_decoder(cls: type) -> Decoder:
    # Registered before compiling the fields so that recursive models find it.
    slot: List[Decoder] = []
    _DECODERS[cls] = lambda value: slot[0](value)

    namespace: Dict[str, Any] = {"cls": cls, "_not_an_object": _not_an_object}
    inline = _Inline(namespace)
    infos = {info.name: info for info in json_fields(cls)}
    args = []
    for item in dataclasses.fields(cls):
        if not item.init:
            continue
        info = infos.get(item.name)
        if info is None:
            args.append("None")
            continue
        access = f"get({info.wire!r})"
        body = inline.expr(info.type, "v")
        if body is None:
            args.append(access)
        else:
            # A property absent (or null) decodes as None whatever the declared type says.
            args.append(f"(None if (v := {access}) is None else {body})")
    source = (
        "def decode(data):\n"
        "    if data.__class__ is not dict:\n"
        "        return data if data is None else _not_an_object(cls, data)\n"
        "    get = data.get\n"
        f"    return cls({', '.join(args)})\n"
    )
    exec(compile(source, f"<decoder {cls.__qualname__}>", "exec"), namespace)  # noqa: S102
    decode = namespace["decode"]
    slot.append(decode)
    return decode


class DecodeError(ValueError):
    """The data does not have the shape of the target model."""


def _not_an_object(cls: type, data: Any) -> Any:
    if isinstance(data, dict):  # a dict subclass
        return decoder_for(cls)(dict(data))
    raise DecodeError(f"expected a JSON object for {cls.__name__}, got {type(data).__name__}")


# --- encoders ------------------------------------------------------------------------------------


class _Invalid(Exception):
    """Raised inside encoders; the path is completed as the error travels outwards."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem
        self.path: List[str] = []


def _type_label(tp: Any) -> str:
    if isinstance(tp, type):
        return tp.__name__
    return str(tp).replace("typing.", "").replace("sdk.models.", "")


def _got(value: Any) -> str:
    return f"got {type(value).__name__} {value!r}"[:120]


def _check_str(value: Any) -> Any:
    if isinstance(value, str):
        return value.value if isinstance(value, enum.Enum) else value
    raise _Invalid(f"expected str, {_got(value)}")


def _check_int(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value) if isinstance(value, enum.Enum) else value
    raise _Invalid(f"expected int, {_got(value)}")


def _check_float(value: Any) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    raise _Invalid(f"expected a number, {_got(value)}")


def _check_bool(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    raise _Invalid(f"expected bool, {_got(value)}")


def _encode_datetime(value: Any) -> Any:
    if isinstance(value, _dt.datetime):
        return format_datetime(value)
    raise _Invalid(f"expected datetime.datetime, {_got(value)}")


def _encode_date(value: Any) -> Any:
    if isinstance(value, _dt.date) and not isinstance(value, _dt.datetime):
        return value.isoformat()
    raise _Invalid(f"expected datetime.date, {_got(value)}")


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
    raise _Invalid(f"is not JSON-serializable: {_got(value)}")


def _encode_enum(cls: Any) -> Encoder:
    values = cls._value2member_map_
    allowed = ", ".join(repr(v) for v in values)

    def encode(value: Any) -> Any:
        if isinstance(value, cls):
            return value.value
        if not isinstance(value, enum.Enum) and value in values:
            return value
        raise _Invalid(f"{value!r} is not a valid {cls.__name__}; expected one of {allowed}")

    return encode


def encoder_for(tp: Any) -> Encoder:
    """A function turning a value of type `tp` into JSON data, validating it (cached)."""
    return _cached(_ENCODERS, _build_encoder, tp)  # type: ignore[no-any-return]


def _encode_list(item: Encoder) -> Encoder:
    def encode(value: Any) -> Any:
        if not isinstance(value, (list, tuple)):
            raise _Invalid(f"expected a list, {_got(value)}")
        try:
            return [item(x) for x in value]
        except _Invalid:
            for index, x in enumerate(value):
                try:
                    item(x)
                except _Invalid as error:
                    error.path.insert(0, f"[{index}]")
                    raise
            raise

    return encode


def _encode_map(item: Encoder) -> Encoder:
    def encode(value: Any) -> Any:
        if not isinstance(value, dict):
            raise _Invalid(f"expected a dict, {_got(value)}")
        out = {}
        for key, x in value.items():
            if not isinstance(key, str):
                raise _Invalid(f"keys must be str, {_got(key)}")
            try:
                out[key] = item(x)
            except _Invalid as error:
                error.path.insert(0, f"[{key!r}]")
                raise
        return out

    return encode


def _encode_union(branches: Tuple[Any, ...]) -> Encoder:
    models = [(b, encoder_for(b)) for b in branches if _is_model(b)]
    scalars = [(b, encoder_for(b)) for b in branches if not _is_model(b)]
    labels = " | ".join(_type_label(b) for b in branches)

    def encode(value: Any) -> Any:
        for cls, encode_branch in models:
            if isinstance(value, cls):
                return encode_branch(value)
        for _, encode_branch in scalars:
            try:
                return encode_branch(value)
            except _Invalid:
                continue
        raise _Invalid(f"expected {labels}, {_got(value)}")

    return encode


def _build_encoder(tp: Any) -> Encoder:
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
    }
    if tp in simple:
        return simple[tp]
    origin = typing.get_origin(tp)
    if origin is typing.Union:
        return _encode_union(typing.get_args(tp))
    if origin in (list, List):
        args = typing.get_args(tp)
        return _encode_list(encoder_for(args[0]) if args else _encode_any)
    if origin in (dict, Dict):
        args = typing.get_args(tp)
        return _encode_map(encoder_for(args[1]) if len(args) == 2 else _encode_any)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return _encode_enum(tp)
    if _is_model(tp):
        try:
            return _compile_class_encoder(tp)
        except BaseException:
            _ENCODERS.pop(tp, None)
            raise
    return _encode_any


#: Exact-type fast paths for scalars: the common case costs one class comparison; anything
#: else (a subclass, an enum member, a wrong type) goes through the checking function.
_SCALAR_FAST = {
    str: ("{v}.__class__ is str", _check_str),
    int: ("{v}.__class__ is int", _check_int),
    bool: ("{v}.__class__ is bool", _check_bool),
    float: ("{v}.__class__ is float", _check_float),
}


class _InlineEncoder(_SourceBuilder):
    """Builds the source of one encoding expression, inlining scalars and containers.

    The inlined form reports a bad value by field only; the class encoder then re-runs the
    field through the plain encoders, which name the exact list index or dict key.
    """

    prefix = "e"

    def expr(self, tp: Any, var: str) -> str:
        inner = optional_inner(tp)
        if inner is not None:
            return f"(None if {var} is None else {self.expr(inner, var)})"
        fast = _SCALAR_FAST.get(tp)
        if fast is not None:
            test, check = fast
            return f"({var} if {test.format(v=var)} else {self.function(check)}({var}))"
        origin = typing.get_origin(tp)
        if origin in (list, List):
            args = typing.get_args(tp)
            self.depth += 1
            item = f"x{self.depth}"
            body = self.expr(args[0], item) if args else f"{self.function(_encode_any)}({item})"
            self.depth -= 1
            return (
                f"[{body} for {item} in {var}] if {var}.__class__ is list else {self.function(encoder_for(tp))}({var})"
            )
        if origin in (dict, Dict):
            args = typing.get_args(tp)
            self.depth += 1
            key, item = f"k{self.depth}", f"x{self.depth}"
            body = self.expr(args[1], item) if len(args) == 2 else f"{self.function(_encode_any)}({item})"
            self.depth -= 1
            return (
                f"{{{key}: {body} for {key}, {item} in {var}.items()}} "
                f"if {var}.__class__ is dict and all({key}.__class__ is str for {key} in {var}) "
                f"else {self.function(encoder_for(tp))}({var})"
            )
        return f"{self.function(encoder_for(tp))}({var})"


def _compile_class_encoder(cls: type) -> Encoder:
    slot: List[Encoder] = []
    _ENCODERS[cls] = lambda value: slot[0](value)

    infos = json_fields(cls)
    namespace: Dict[str, Any] = {"cls": cls, "_Invalid": _Invalid, "_wrong_model": _wrong_model, "_locate": _locate}
    namespace["plain"] = {info.name: encoder_for(info.type) for info in infos}
    inline = _InlineEncoder(namespace)
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
        lines.append(f"        field = {info.name!r}")
        lines.append(f"        v = obj.{info.name}")
        if info.required and optional_inner(info.type) is None and info.type is not Any:
            lines.append("        if v is None:")
            lines.append("            raise _Invalid('is required')")
            lines.append(f"        out[{info.wire!r}] = {expr}")
        elif info.omit_if_none:
            lines.append("        if v is not None:")
            lines.append(f"            out[{info.wire!r}] = {expr}")
        else:
            lines.append(f"        out[{info.wire!r}] = None if v is None else {expr}")
    lines += [
        "    except _Invalid as error:",
        "        raise _locate(error, plain.get(field), getattr(obj, field), field) from None",
        "    return out",
    ]
    exec(compile("\n".join(lines) + "\n", f"<encoder {cls.__qualname__}>", "exec"), namespace)  # noqa: S102
    encode = namespace["encode"]
    slot.append(encode)
    return encode


def _wrong_model(cls: type, value: Any) -> str:
    """The problem and the fix when something other than the model instance is given."""
    public = cls.__name__
    if cls.__module__.startswith("sdk.models."):
        public = f"{cls.__module__.split('.')[-2]}.{public}"
    text = f"expected {public}, {_got(value)}"
    if isinstance(value, dict):
        text += f"; build it with {public}(...) or {public}.from_dict(...)"
    return text


def _locate(error: _Invalid, plain: Optional[Encoder], value: Any, field: str) -> _Invalid:
    """The most precise error for a field: the plain encoders name list indexes and keys."""
    if plain is not None and value is not None:
        try:
            plain(value)
        except _Invalid as precise:
            error = precise
    error.path.insert(0, "." + field)
    return error


def encode_value(value: Any, tp: Any, label: str) -> Any:
    """Encode `value` as type `tp`, raising RequestValidationError that names `label`.path."""
    try:
        return encoder_for(tp)(value)
    except _Invalid as error:
        raise RequestValidationError(label + "".join(error.path), error.problem) from None


# --- the readable reference implementation -------------------------------------------------------


def reference_decode(tp: Any, value: Any) -> Any:
    """Decode by walking the type on every call (slow; the specification for `decoder_for`)."""
    if value is None:
        return None
    inner = optional_inner(tp)
    if inner is not None:
        return reference_decode(inner, value)
    if tp is _dt.datetime:
        return parse_datetime(value) if isinstance(value, str) else value
    if tp is _dt.date:
        return parse_date(value) if isinstance(value, str) else value
    origin = typing.get_origin(tp)
    if origin is typing.Union:
        return decoder_for(tp)(value)  # branch choice is the same algorithm by construction
    if origin in (list, List) and isinstance(value, list):
        args = typing.get_args(tp)
        return [reference_decode(args[0], x) for x in value] if args else value
    if origin in (dict, Dict) and isinstance(value, dict):
        args = typing.get_args(tp)
        return {k: reference_decode(args[1], v) for k, v in value.items()} if len(args) == 2 else value
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        try:
            return tp(value)
        except ValueError:
            return value
    if _is_model(tp) and isinstance(value, dict):
        hints = field_types(tp)
        kwargs: Dict[str, Any] = {}
        for item in dataclasses.fields(tp):
            if not item.init:
                continue
            config = item.metadata.get("dataclasses_json")
            if config is None:
                kwargs[item.name] = None
                continue
            wire = config["letter_case"](item.name) if "letter_case" in config else item.name
            kwargs[item.name] = reference_decode(hints[item.name], value.get(wire))
        return tp(**kwargs)
    return value


def reference_encode(tp: Any, value: Any) -> Any:
    """Encode by walking the type on every call (slow; the specification for `encoder_for`)."""
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
    origin = typing.get_origin(tp)
    if origin is typing.Union:
        for branch in typing.get_args(tp):
            if isinstance(branch, type) and isinstance(value, branch):
                return reference_encode(branch, value)
        return value
    if origin in (list, List):
        args = typing.get_args(tp)
        return [reference_encode(args[0] if args else Any, x) for x in value]
    if origin in (dict, Dict):
        args = typing.get_args(tp)
        return {k: reference_encode(args[1] if len(args) == 2 else Any, v) for k, v in value.items()}
    if dataclasses.is_dataclass(value):
        hints = field_types(type(value))
        out = {}
        for item in dataclasses.fields(value):
            config = item.metadata.get("dataclasses_json")
            if config is None:
                continue
            wire = config["letter_case"](item.name) if "letter_case" in config else item.name
            field_value = getattr(value, item.name)
            if field_value is None and "exclude" in config:
                continue
            out[wire] = reference_encode(hints[item.name], field_value)
        return out
    if tp is Any and isinstance(value, (list, tuple)):
        return [reference_encode(Any, x) for x in value]
    if tp is Any and isinstance(value, dict):
        return {k: reference_encode(Any, v) for k, v in value.items()}
    return value


# --- the model base class ------------------------------------------------------------------------


def dumps(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


class Model:
    """Base of every generated model: the dataclasses-json style conversion methods."""

    __slots__ = ()

    def to_dict(self, encode_json: bool = False) -> Dict[str, Any]:
        """The JSON object for this model (wire names, RFC 3339 datetimes, enum values).

        A model that would not pass request validation (say, a decoded response whose server
        left out a required property) is still converted, as it is, rather than refused:
        validation belongs to sending, not to looking at data.
        """
        try:
            return encode_value(self, type(self), type(self).__name__)  # type: ignore[no-any-return]
        except RequestValidationError:
            return reference_encode(type(self), self)  # type: ignore[no-any-return]

    def to_json(self, *, indent: Optional[int] = None, sort_keys: bool = False, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(), indent=indent, sort_keys=sort_keys, **kwargs)

    @classmethod
    def from_dict(cls, kvs: Any, *, infer_missing: bool = False) -> Any:
        """Build the model from a JSON object; unknown properties are ignored."""
        return decoder_for(cls)(kvs)

    @classmethod
    def from_json(cls, s: Any, **kwargs: Any) -> Any:
        return cls.from_dict(json.loads(s, **kwargs))


def get_field_name(name: str) -> Callable[[str], str]:
    """The `letter_case` callable of a field's metadata: it always answers the wire name."""

    def override(_: str, _name: str = name) -> str:
        return _name

    return override


def exclude_if_none(value: Any) -> bool:
    return value is None
