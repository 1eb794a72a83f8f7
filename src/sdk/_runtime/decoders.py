"""Compiled decoders: JSON data -> models, validated, built once per class.

The first time a class is decoded, its field list is turned into one small Python function
(source built here, compiled with `exec`): dictionary look-ups, a class comparison per scalar
(`v.__class__ is str`), inlined list/dict comprehensions and the constructor call. Anything
unusual (a decimal string in an integer field, a str subclass) goes through the checking
function of wire_values; anything wrong raises Invalid without a location. `decode` then
re-runs the reference decoder on the same data, which names the exact JSON path (errors are
rare, so the fast path carries no path bookkeeping at all).

Every decoder takes `(value, hint)`: `hint` names the expected branch of ambiguous unions
(the request's connector) and is handed down explicitly to every nested decoder.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import typing
from typing import Any, Callable, Dict, List, Optional

from . import reference_codec
from .compile_cache import CompileCache
from .type_info import MISSING, is_enum, is_model, json_fields, optional_inner, type_key, union_branches
from .wire_values import (
    Invalid,
    decode_bool,
    decode_date,
    decode_datetime,
    decode_enum,
    decode_float,
    decode_int,
    decode_str,
    expected,
)

Decoder = Callable[[Any, Optional[str]], Any]


class DecodeError(ValueError):
    """Data that does not have the shape the API describes; `path` is its JSON path."""

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path or '<root>'}: {problem}")


def decode(tp: Any, data: Any, hint: Optional[str] = None) -> Any:
    """`data` (parsed JSON) as a value of `tp`; raises DecodeError naming the JSON path."""
    try:
        return decoder_for(tp)(data, hint)
    except (Invalid, TypeError, ValueError, AttributeError, RecursionError) as fast:
        try:
            reference_codec.reference_decode(tp, data, hint)
        except Invalid as precise:
            raise DecodeError(precise.where(), precise.problem) from None
        except RecursionError:
            raise DecodeError("", "nested too deeply to decode") from None
        # Both decoders implement the same rules (the property tests check it): reaching this
        # line is a bug in the compiled one; say so rather than return different data.
        raise DecodeError("", f"internal decoder error ({type(fast).__name__}: {fast})") from None


def decoder_for(tp: Any) -> Decoder:
    """The decoder of type `tp` (cached per type)."""
    return _DECODERS.get(tp, type_key(tp))


def _identity(value: Any, hint: Optional[str] = None) -> Any:
    return value


def _not_a_list(value: Any) -> Any:
    raise expected("an array", value)


def _not_an_object(value: Any) -> Any:
    raise expected("a JSON object", value)


def _missing_property() -> Any:
    raise Invalid("required property missing")


def _scalar(check: Callable[[Any], Any]) -> Decoder:
    def decode_scalar(value: Any, hint: Optional[str] = None) -> Any:
        return check(value)

    return decode_scalar


def _build(tp: Any, key: Any) -> Decoder:
    inner = optional_inner(tp)
    if inner is not None:
        decode_inner = decoder_for(inner)

        def decode_optional(value: Any, hint: Optional[str] = None) -> Any:
            return None if value is None else decode_inner(value, hint)

        return decode_optional
    if tp is Any or tp is object:
        return _identity
    simple = {
        str: decode_str,
        bool: decode_bool,
        int: decode_int,
        float: decode_float,
        _dt.datetime: decode_datetime,
        _dt.date: decode_date,
    }.get(tp)
    if simple is not None:
        return _scalar(simple)
    if union_branches(tp):
        return _union(tp)
    if is_enum(tp):

        def decode_member(value: Any, hint: Optional[str] = None) -> Any:
            return decode_enum(tp, value)

        return decode_member
    if is_model(tp):
        # CompileCache.get drops the placeholder if this fails.
        return _compile_model(tp, key)
    # Containers: one generated expression, like a model field.
    namespace: Dict[str, Any] = {}
    body = _Inline(namespace).expr(tp, "value")
    source = f"def decode(value, hint=None):\n    return {body}\n"
    exec(compile(source, f"<decoder {tp!r}>", "exec"), namespace)  # noqa: S102
    return namespace["decode"]  # type: ignore[no-any-return]


def _union(tp: Any) -> Decoder:
    choice = reference_codec.union_choice(tp)
    decoders = [decoder_for(branch) for branch in choice.branches]
    fit = reference_codec.fit

    def decode_union(value: Any, hint: Optional[str] = None) -> Any:
        return decoders[choice.pick(value, hint, fit)](value, hint)

    return decode_union


#: Exact-class fast paths: the common case costs one comparison; anything else goes through
#: the checking function (which converts what it may and raises Invalid otherwise).
_SCALAR_FAST = {
    str: ("{v}.__class__ is str", decode_str),
    int: ("{v}.__class__ is int", decode_int),
    bool: ("{v}.__class__ is bool", decode_bool),
    float: ("({v}.__class__ is float or {v}.__class__ is int)", decode_float),
}


class _Inline:
    """Builds the source of one decoding expression, inlining scalars and containers.

    Inlining the containers (instead of calling one small function per level) is what keeps
    decoding a page of transactions close to the cost of `json.loads` itself.
    """

    def __init__(self, namespace: Dict[str, Any]) -> None:
        self.namespace = namespace
        self.depth = 0  # nesting of comprehensions, for unique loop variable names

    def name_of(self, value: Any) -> str:
        """The name under which the generated code reaches `value`."""
        for name, known in self.namespace.items():
            if known is value:
                return name
        name = f"d{len(self.namespace)}"
        self.namespace[name] = value
        return name

    def expr(self, tp: Any, var: str) -> str:
        """Source checking and converting `var` (a JSON value) into `tp`."""
        inner = optional_inner(tp)
        if inner is not None:
            return f"(None if {var} is None else {self.expr(inner, var)})"
        if tp is Any or tp is object:
            return var
        fast = _SCALAR_FAST.get(tp)
        if fast is not None:
            test, check = fast
            return f"({var} if {test.format(v=var)} else {self.name_of(check)}({var}))"
        origin = typing.get_origin(tp)
        if origin in (list, List):
            args = typing.get_args(tp)
            self.depth += 1
            item = f"x{self.depth}"
            body = self.expr(args[0], item) if args else item
            self.depth -= 1
            if body == item:
                return f"({var} if {var}.__class__ is list else {self.name_of(_not_a_list)}({var}))"
            return f"([{body} for {item} in {var}] if {var}.__class__ is list else {self.name_of(_not_a_list)}({var}))"
        if origin in (dict, Dict):
            args = typing.get_args(tp)
            self.depth += 1
            key, item = f"k{self.depth}", f"x{self.depth}"
            body = self.expr(args[1], item) if len(args) == 2 else item
            self.depth -= 1
            not_object = self.name_of(_not_an_object)
            if body == item:
                return f"({var} if {var}.__class__ is dict else {not_object}({var}))"
            comprehension = f"{{{key}: {body} for {key}, {item} in {var}.items()}}"
            return f"({comprehension} if {var}.__class__ is dict else {not_object}({var}))"
        return f"{self.name_of(decoder_for(tp))}({var}, hint)"


def _compile_model(cls: type, key: Any) -> Decoder:
    # Registered before compiling the fields so that recursive models find it.
    slot = _DECODERS.reserve(key)

    namespace: Dict[str, Any] = {"cls": cls, "_M": MISSING, "_missing": _missing_property}
    inline = _Inline(namespace)
    namespace["_object"] = _as_object(cls)
    infos = {info.name: info for info in json_fields(cls)}
    args = []
    for item in dataclasses.fields(cls):
        if not item.init:
            continue
        info = infos.get(item.name)
        if info is None:  # not a JSON property (e.g. Security credentials): never on the wire
            args.append("None")
            continue
        wire = repr(info.wire)
        optional = optional_inner(info.type) is not None
        body = inline.expr(info.type, "v")
        if info.required:
            # A missing property reads as _M, which no type check accepts except Any's.
            if body == "v":
                args.append(f"(v if (v := get({wire}, _M)) is not _M else _missing())")
            else:
                args.append(f"(_missing() if (v := get({wire}, _M)) is _M else {body})")
        elif info.absent is None:
            # Absent or null: None (null in a non-nullable optional property is tolerated).
            inner_body = body if not optional else inline.expr(optional_inner(info.type), "v")
            args.append(f"(None if (v := get({wire})) is None else {inner_body})")
        else:
            default = inline.name_of(info.absent)
            inner_body = body if not optional else inline.expr(optional_inner(info.type), "v")
            args.append(f"({default} if (v := get({wire}, _M)) is _M else None if v is None else {inner_body})")
    source = (
        "def decode(data, hint=None):\n"
        "    if data.__class__ is not dict:\n"
        "        return _object(data, hint)\n"
        "    get = data.get\n"
        f"    return cls({', '.join(args)})\n"
    )
    exec(compile(source, f"<decoder {cls.__qualname__}>", "exec"), namespace)  # noqa: S102
    decode_model = namespace["decode"]
    slot.append(decode_model)
    return decode_model  # type: ignore[no-any-return]


def _as_object(cls: type) -> Callable[[Any, Optional[str]], Any]:
    def convert(data: Any, hint: Optional[str] = None) -> Any:
        if isinstance(data, dict):  # a dict subclass given to from_dict
            return decoder_for(cls)(dict(data), hint)
        raise expected(f"a JSON object ({cls.__name__})", data)

    return convert


_DECODERS: CompileCache[Decoder] = CompileCache(_build)
