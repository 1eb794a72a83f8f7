"""Property tests: the compiled codec agrees with the readable reference codec.

For every model class of `sdk.models.shared` and `sdk.models.errors`, every model reachable from
them, and the JSON body type of every `operations.*Request`, random valid instances are built
from the type hints with `random.Random` seeded by a fixed string (so every case is
reproducible: the failure message names the class and the seed), then:

(a) the compiled encoder (`encoder_for(tp)`, `Model.to_dict`) gives the same wire JSON as
    `reference_encode` — same keys, same order, same JSON types;
(b) decoding that JSON with `decoder_for(tp)` / `Model.from_dict` gives the same objects as
    `reference_decode`, and the original object back (naive datetimes come back as UTC, the
    codec's documented rule);
(c) `json.loads(json.dumps(wire))` keeps every integer exact (2**70 and beyond, negatives).

Also: unknown properties (added to every JSON object) are ignored, missing optional properties
decode to None, enum values the SDK does not know are kept as the raw string, RFC 3339 text as
servers write it (Z/offsets, 0-9 fraction digits) decodes exactly, and a property of the wrong
JSON shape decodes like the reference or fails loudly (never silently different data).

Unions: a union with a discriminator must always decode to the branch that was encoded. A union
without one decodes to the branch the data matches; when the data fits another branch exactly
(the other branch re-encodes to the same JSON), the two cannot be told apart from the data — that
case is counted as ambiguous and only its round-trip check is skipped. Choosing a branch that
does NOT reproduce the data is a failure.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import enum
import json
import random
import typing
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import pytest

from sdk._runtime.codec import (
    DecodeError,
    decode,
    decoder_for,
    encoder_for,
    field_types,
    reference_decode,
    reference_encode,
)
from sdk._runtime.type_info import json_fields
from sdk._runtime.wire_values import Invalid
from sdk.models import errors, operations, shared

NONE_TYPE = type(None)
UTC = dt.timezone.utc
MAX_DEPTH = 5  # nesting depth after which optional values are None and collections are empty
SEEDS_PER_CLASS = 3
SEEDS_PER_UNION_BRANCH = 25
BIGINT_LIMIT = 2**53  # beyond this a float-based JSON parser would lose precision

try:  # a named zone (DST rules) when the platform has tz data; fixed offsets otherwise
    from zoneinfo import ZoneInfo

    _NAMED_ZONES: List[dt.tzinfo] = [ZoneInfo("Europe/Paris"), ZoneInfo("America/New_York")]
except Exception:  # pragma: no cover - zoneinfo/tzdata missing
    _NAMED_ZONES = []


# --- type helpers (independent of the codec under test) -----------------------------------------


def is_model(tp: Any) -> bool:
    return isinstance(tp, type) and dataclasses.is_dataclass(tp)


def is_enum(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, enum.Enum)


def union_args(tp: Any) -> Tuple[Any, ...]:
    return typing.get_args(tp) if typing.get_origin(tp) is typing.Union else ()


def strip_optional(tp: Any) -> Tuple[Any, bool]:
    """(type without None, whether None was allowed)."""
    args = union_args(tp)
    if NONE_TYPE not in args:
        return tp, False
    rest = tuple(a for a in args if a is not NONE_TYPE)
    return (rest[0] if len(rest) == 1 else typing.Union[rest]), True  # type: ignore[return-value]


def hints(cls: type) -> Dict[str, Any]:
    return field_types(cls)


@dataclasses.dataclass(frozen=True)
class Prop:
    name: str
    wire: str
    type: Any
    required: bool  # no default: the constructor needs it


_PROPS: Dict[type, Tuple[Prop, ...]] = {}


def props(cls: type) -> Tuple[Prop, ...]:
    """The JSON properties of a model class, read from the dataclasses-json field metadata."""
    if cls not in _PROPS:
        types = hints(cls)
        found = []
        for item in dataclasses.fields(cls):
            config = item.metadata.get("dataclasses_json")
            if config is None:
                continue
            wire = config["letter_case"](item.name) if "letter_case" in config else item.name
            required = item.default is dataclasses.MISSING and item.default_factory is dataclasses.MISSING
            found.append(Prop(item.name, wire, types[item.name], required))
        _PROPS[cls] = tuple(found)
    return _PROPS[cls]


def discriminator_of(cls: Any) -> Optional[Tuple[str, Tuple[str, ...]]]:
    spec = getattr(cls, "__discriminator__", None) if is_model(cls) else None
    return (spec[0], tuple(spec[1])) if spec else None


def is_discriminated(branches: Tuple[Any, ...]) -> bool:
    specs = [discriminator_of(b) for b in branches]
    return all(specs) and len({s[0] for s in specs if s}) == 1


def union_label(branches: Tuple[Any, ...]) -> str:
    return " | ".join(getattr(b, "__name__", str(b)) for b in branches)


def walk_types(tp: Any) -> Iterator[Any]:
    """`tp` and every type nested in it (not entering model classes)."""
    yield tp
    for arg in typing.get_args(tp):
        yield from walk_types(arg)


# --- what is tested --------------------------------------------------------------------------------


def _exported_models(package: Any) -> List[type]:
    return [obj for obj in (getattr(package, n) for n in sorted(package.__all__)) if is_model(obj)]


def _body_types() -> List[Tuple[str, Any]]:
    """(label, type) of the JSON body field of every operations.*Request."""
    found = []
    for cls in _exported_models(operations):
        if not cls.__name__.endswith("Request"):
            continue
        types = hints(cls)
        for item in dataclasses.fields(cls):
            request = item.metadata.get("request")
            if request and request.get("media_type") == "application/json":
                found.append((f"operations.{cls.__name__}.{item.name}", types[item.name]))
    return found


def _collect() -> Tuple[List[type], List[Tuple[str, Any]], List[Tuple[Any, ...]]]:
    roots = _exported_models(shared) + _exported_models(errors)
    bodies = _body_types()
    models: Dict[type, None] = {}
    unions: Dict[Tuple[Any, ...], None] = {}
    pending: List[Any] = list(roots) + [tp for _, tp in bodies]
    while pending:
        tp = pending.pop()
        for sub in walk_types(tp):
            branches = tuple(a for a in union_args(sub) if a is not NONE_TYPE)
            if len(branches) > 1:
                unions.setdefault(branches)
            if is_model(sub) and sub not in models:
                models[sub] = None
                pending.extend(p.type for p in props(sub))
    ordered = sorted(models, key=lambda c: (c.__module__, c.__qualname__))
    return ordered, bodies, sorted(unions, key=union_label)


MODELS, BODIES, UNIONS = _collect()
ALL_WIRE_NAMES = {p.wire for cls in MODELS for p in props(cls)}
#: Property names no model knows: added to JSON objects to check that they are ignored.
UNKNOWN_KEYS = [
    k
    for k in ("x-extra", "newServerField", "_links", "", "ÜnknöwnField", "__class__", "get")
    if k not in ALL_WIRE_NAMES
]


def model_id(cls: type) -> str:
    return f"{cls.__module__.replace('sdk.models.', '')}.{cls.__qualname__}"


# --- the random generator ------------------------------------------------------------------------

_PIECES = list("abcxyzABCXYZ0129 _-:/.@,;") + [
    '"',
    "'",
    "\\",
    '\\"',
    "\n",
    "\t",
    "\r",
    "\x00",
    "\x1f",
    "\x7f",
    "é",
    "ß",
    "Ω",
    "日本語",
    "🙂",
    "\u2028",
    "\u200b",
    "</script>",
    "{}",
    "[]",
    "%s",
    "%",
    "+",
    "&",
    "=",
    "?",
    "#",
    "null",
    "true",
    "1e400",
]


def random_text(rng: random.Random) -> str:
    return "".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 8)))


def random_int(rng: random.Random) -> int:
    kind = rng.randrange(7)
    if kind == 0:
        return rng.randint(-1000, 1000)
    if kind == 1:
        return 2**70 + rng.randint(0, 10**6)
    if kind == 2:
        return -(2**70) - rng.randint(0, 10**6)
    if kind == 3:
        return BIGINT_LIMIT + rng.randint(1, 999)
    if kind == 4:
        return rng.choice([0, -1, 1, 2**31, 2**63 - 1, -(2**63), 2**64 + 1, 10**30])
    if kind == 5:
        return rng.randint(-(2**128), 2**128)
    return rng.randint(0, 2**62)


def random_float(rng: random.Random) -> float:
    return rng.choice(
        [
            0.0,
            -0.0,
            0.5,
            -2.25,
            0.1 + 0.2,
            1e-300,
            1.7976931348623157e308,
            float(2**60),
            rng.uniform(-1e6, 1e6),
            rng.random(),
        ]
    )


def random_tz(rng: random.Random) -> Optional[dt.tzinfo]:
    kind = rng.randrange(4)
    if kind == 0:
        return None  # naive: the codec sends it as UTC
    if kind == 1:
        return UTC
    if kind == 2 or not _NAMED_ZONES:
        return dt.timezone(dt.timedelta(minutes=rng.randrange(-14 * 60, 14 * 60 + 1, 15)))
    return rng.choice(_NAMED_ZONES)


def random_datetime(rng: random.Random) -> dt.datetime:
    micro = rng.choice([0, 0, 1, 1000, 500000, 999999, rng.randrange(1, 10**6)])
    return dt.datetime(
        rng.randint(1970, 2100),
        rng.randint(1, 12),
        rng.randint(1, 28),
        rng.randrange(24),
        rng.randrange(60),
        rng.randrange(60),
        micro,
        tzinfo=random_tz(rng),
    )


def random_json(rng: random.Random, depth: int = 0) -> Any:
    """Any JSON value (for `Any` fields and unknown properties)."""
    kind = rng.randrange(8 if depth < 2 else 5)
    if kind == 0:
        return random_text(rng)
    if kind == 1:
        return random_int(rng)
    if kind == 2:
        return random_float(rng)
    if kind == 3:
        return rng.choice([True, False])
    if kind == 4:
        return None
    if kind == 5:
        return [random_json(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return {random_text(rng): random_json(rng, depth + 1) for _ in range(rng.randint(0, 3))}


def random_value(tp: Any, rng: random.Random, depth: int) -> Any:
    inner, nullable = strip_optional(tp)
    if nullable and (depth >= MAX_DEPTH or rng.random() < 0.3):
        return None
    tp = inner
    branches = union_args(tp)
    if branches:
        return random_value(rng.choice(branches), rng, depth)
    origin = typing.get_origin(tp)
    if origin in (list, List):
        (item,) = typing.get_args(tp) or (Any,)
        size = 0 if depth >= MAX_DEPTH else rng.choice([0, 1, 1, 2, 3])
        return [random_value(item, rng, depth + 1) for _ in range(size)]
    if origin in (dict, Dict):
        args = typing.get_args(tp)
        value_tp = args[1] if len(args) == 2 else Any
        size = 0 if depth >= MAX_DEPTH else rng.choice([0, 1, 2, 3])
        return {random_text(rng) + str(i): random_value(value_tp, rng, depth + 1) for i in range(size)}
    if is_model(tp):
        return random_model(tp, rng, depth)
    if is_enum(tp):
        return rng.choice(list(tp))
    if tp is bool:
        return rng.choice([True, False])
    if tp is int:
        return random_int(rng)
    if tp is float:
        return random_float(rng)
    if tp is str:
        return random_text(rng)
    if tp is dt.datetime:
        return random_datetime(rng)
    if tp is dt.date:
        return random_datetime(rng).date()
    if tp is Any or tp is object:
        return random_json(rng)
    raise AssertionError(f"the test generator does not know how to build {tp!r}")


def random_model(cls: type, rng: random.Random, depth: int = 0) -> Any:
    disc = discriminator_of(cls)
    by_name = {p.name: p for p in props(cls)}
    kwargs: Dict[str, Any] = {}
    for item in dataclasses.fields(cls):
        if not item.init:
            continue
        prop = by_name.get(item.name)
        if prop is None:
            kwargs[item.name] = None  # not a JSON property (e.g. Security credentials): never on the wire
        elif disc is not None and prop.wire == disc[0]:
            value = rng.choice(disc[1])  # a valid instance carries its own discriminator value
            base, _ = strip_optional(prop.type)
            kwargs[item.name] = base(value) if is_enum(base) else value
        else:
            kwargs[item.name] = within_constraints(item, random_value(prop.type, rng, depth + 1), rng)
    return cls(**kwargs)


def within_constraints(item: dataclasses.Field, value: Any, rng: random.Random) -> Any:  # type: ignore[type-arg]
    """A value the API's constraints on this field allow (what a valid request may carry)."""
    checks = getattr(item.metadata.get("sdk"), "constraints", None)
    if checks is None or isinstance(value, bool) or not isinstance(value, int):
        return value
    low = checks.minimum if checks.minimum is not None else value - 10
    high = checks.maximum if checks.maximum is not None else max(low, value) + 2**70
    return value if low <= value <= high else rng.choice([int(low), int(high), rng.randint(int(low), int(high))])


# --- comparing -------------------------------------------------------------------------------------


class Mismatch(AssertionError):
    pass


class Ambiguous(Exception):
    """The decoder chose another union branch that reproduces the same JSON."""

    def __init__(self, label: str, discriminated: bool, path: str, expected: type, got: type) -> None:
        super().__init__(f"{label} at {path}: encoded {expected.__name__}, decoded {got.__name__}")
        self.label = label
        self.discriminated = discriminated
        self.expected = expected
        self.got = got


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 300 else text[:300] + "..."


def strict_diff(expected: Any, got: Any, path: str = "$") -> Optional[str]:
    """First difference between two values, comparing types exactly (True is not 1, an enum member
    is not its string); dataclasses field by field (the exception models compare by identity)."""
    if type(expected) is not type(got):
        return f"{path}: expected {type(expected).__name__} {_show(expected)}, got {type(got).__name__} {_show(got)}"
    if dataclasses.is_dataclass(expected):
        for item in dataclasses.fields(expected):
            found = strict_diff(getattr(expected, item.name), getattr(got, item.name), f"{path}.{item.name}")
            if found:
                return found
        return None
    if isinstance(expected, dict):
        if list(expected) != list(got) and set(expected) != set(got):
            return f"{path}: keys differ: expected {sorted(map(str, expected))}, got {sorted(map(str, got))}"
        for key in expected:
            found = strict_diff(expected[key], got[key], f"{path}[{key!r}]")
            if found:
                return found
        return None
    if isinstance(expected, list):
        if len(expected) != len(got):
            return f"{path}: expected {len(expected)} items, got {len(got)}"
        for index, (a, b) in enumerate(zip(expected, got)):
            found = strict_diff(a, b, f"{path}[{index}]")
            if found:
                return found
        return None
    if isinstance(expected, dt.datetime):
        if expected != got or expected.utcoffset() != got.utcoffset():
            return f"{path}: expected {expected.isoformat()}, got {got.isoformat()}"
        return None
    if isinstance(expected, float) and expected != expected:
        return None if got != got else f"{path}: expected nan, got {got!r}"
    if expected != got:
        return f"{path}: expected {_show(expected)}, got {_show(got)}"
    return None


def wire_text(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False)


def _without_nulls(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _without_nulls(v) for k, v in data.items() if v is not None}
    if isinstance(data, list):
        return [_without_nulls(v) for v in data]
    return data


def _covers(bigger: Any, smaller: Any) -> bool:
    """Every property of `smaller` is in `bigger` with the same value (objects compared deeply)."""
    if isinstance(smaller, dict) and isinstance(bigger, dict):
        return all(k in bigger and _covers(bigger[k], v) for k, v in smaller.items())
    if isinstance(smaller, list) and isinstance(bigger, list):
        return len(smaller) == len(bigger) and all(_covers(b, s) for b, s in zip(bigger, smaller))
    return json.dumps(bigger, sort_keys=True) == json.dumps(smaller, sort_keys=True)


def same_data(a: Any, b: Any) -> bool:
    """The model decoded (`b`) keeps every property of the encoded one (`a`): null and absent
    being the same, and `b` possibly adding its own spec defaults (a tie between branches goes
    to the one declared first, 4.2.0's choice, which keeps all the data)."""
    try:
        left = encoder_for(type(a))(a)
        right = encoder_for(type(b))(b)
    except Exception:  # e.g. a raw unknown enum value that the other branch's encoder refuses
        return False
    return _covers(_without_nulls(right), _without_nulls(left))


def typed_diff(tp: Any, expected: Any, got: Any, path: str = "$") -> Optional[str]:
    """Like strict_diff, but walks the declared type so union branch switches are recognised."""
    inner, _ = strip_optional(tp)
    if expected is None or got is None:
        return strict_diff(expected, got, path)
    branches = union_args(inner)
    if branches:
        chosen = next((b for b in branches if is_model(b) and type(expected) is b), None)
        if chosen is None:
            chosen = next((b for b in branches if not is_model(b) and isinstance(expected, b)), Any)
        if is_model(chosen) and type(got) is not chosen:
            if type(got) in branches and same_data(expected, got):
                if branches.index(type(got)) > branches.index(chosen):
                    # The encoded branch accounts for all of its data, so the decoded one can only
                    # have tied with it, and a tie goes to the branch declared first.
                    return f"{path}: tie between {chosen.__name__} and {type(got).__name__} went to the later one"
                raise Ambiguous(union_label(branches), is_discriminated(branches), path, chosen, type(got))
            return (
                f"{path}: union {union_label(branches)}: encoded {chosen.__name__}, decoded "
                f"{type(got).__name__} {_show(got)} which does not reproduce the data {_show(expected)}"
            )
        return typed_diff(chosen, expected, got, path)
    origin = typing.get_origin(inner)
    if origin in (list, List) and isinstance(expected, list) and isinstance(got, list):
        if len(expected) != len(got):
            return f"{path}: expected {len(expected)} items, got {len(got)}"
        (item,) = typing.get_args(inner) or (Any,)
        for index, (a, b) in enumerate(zip(expected, got)):
            found = typed_diff(item, a, b, f"{path}[{index}]")
            if found:
                return found
        return None
    if origin in (dict, Dict) and isinstance(expected, dict) and isinstance(got, dict):
        if set(expected) != set(got):
            return f"{path}: keys differ: expected {sorted(expected)}, got {sorted(got)}"
        args = typing.get_args(inner)
        value_tp = args[1] if len(args) == 2 else Any
        for key in expected:
            found = typed_diff(value_tp, expected[key], got[key], f"{path}[{key!r}]")
            if found:
                return found
        return None
    if is_model(inner) and type(expected) is inner and type(got) is inner:
        types = hints(inner)
        for item in dataclasses.fields(inner):
            found = typed_diff(
                types[item.name], getattr(expected, item.name), getattr(got, item.name), f"{path}.{item.name}"
            )
            if found:
                return found
        return None
    return strict_diff(expected, got, path)


def normalised(value: Any) -> Any:
    """What decoding gives back for `value`: naive datetimes are sent (and so return) as UTC, and
    None in an optional property is not sent, so it comes back as the spec's default."""
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: normalised(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init}
        for info in json_fields(type(value)):
            if info.omit_if_none and changes[info.name] is None:
                changes[info.name] = info.absent  # None is not sent; the absent property decodes to the default
        return dataclasses.replace(value, **changes)
    if isinstance(value, list):
        return [normalised(v) for v in value]
    if isinstance(value, dict):
        return {k: normalised(v) for k, v in value.items()}
    return value


def plain_json_problem(data: Any, path: str = "$") -> Optional[str]:
    """Wire data must be made of exactly dict/list/str/int/float/bool/None (no enum members...)."""
    kind = type(data)
    if kind is dict:
        for key, value in data.items():
            if type(key) is not str:
                return f"{path}: key {key!r} is a {type(key).__name__}"
            found = plain_json_problem(value, f"{path}[{key!r}]")
            if found:
                return found
        return None
    if kind is list:
        for index, value in enumerate(data):
            found = plain_json_problem(value, f"{path}[{index}]")
            if found:
                return found
        return None
    if kind in (str, int, float, bool, NONE_TYPE):
        return None
    return f"{path}: {kind.__module__}.{kind.__qualname__} {_show(data)} is not a plain JSON value"


def bigints(data: Any) -> List[int]:
    if isinstance(data, dict):
        return [n for v in data.values() for n in bigints(v)]
    if isinstance(data, list):
        return [n for v in data for n in bigints(v)]
    if type(data) is int and abs(data) > BIGINT_LIMIT:
        return [data]
    return []


def with_unknown_keys(value: Any, data: Any, rng: random.Random) -> Any:
    """A copy of `data` (the JSON of `value`) with unknown properties in every model's object."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type) and isinstance(data, dict):
        items = []
        for prop in props(type(value)):
            if prop.wire in data:
                items.append((prop.wire, with_unknown_keys(getattr(value, prop.name), data[prop.wire], rng)))
        for key in rng.sample(UNKNOWN_KEYS, rng.randint(1, min(3, len(UNKNOWN_KEYS)))):
            items.insert(rng.randint(0, len(items)), (key, random_json(rng)))
        return dict(items)
    if isinstance(value, list) and isinstance(data, list):
        return [with_unknown_keys(v, d, rng) for v, d in zip(value, data)]
    if isinstance(value, dict) and isinstance(data, dict):
        return {k: with_unknown_keys(value.get(k), d, rng) for k, d in data.items()}
    return data


# --- one case -------------------------------------------------------------------------------------


def check_case(label: str, tp: Any, value: Any, seed: str, rng: random.Random, unknown_keys: bool = True) -> str:
    """Run (a), (b), (c) and the unknown-key rule on one value; 'ok' or 'ambiguous'."""

    def fail(what: str, detail: Optional[str]) -> None:
        raise Mismatch(f"{label} (seed {seed!r}): {what}: {detail}\n  value: {_show(value)}")

    # (a) the same wire JSON from the compiled encoder, the reference and Model.to_dict
    fast = encoder_for(tp)(value)
    reference = reference_encode(tp, value)
    if wire_text(fast) != wire_text(reference):
        fail("encoder_for != reference_encode", strict_diff(reference, fast) or "key order differs")
    problem = plain_json_problem(fast)
    if problem:
        fail("encoder_for produced a non-JSON value", problem)
    if is_model(tp):
        as_dict = value.to_dict()
        if wire_text(as_dict) != wire_text(fast):
            fail("Model.to_dict != encoder_for", strict_diff(fast, as_dict) or "key order differs")

    # (c) through real JSON text: every integer stays exact
    wire = json.loads(json.dumps(fast))
    lost = strict_diff(fast, wire)
    if lost:
        fail("json.dumps/json.loads changed the wire data", lost)
    if bigints(wire) != bigints(fast):
        fail("big integers changed through JSON", f"{bigints(fast)} -> {bigints(wire)}")

    # (b) the same objects from the compiled decoder, the reference and Model.from_dict
    decoded = decoder_for(tp)(wire)
    expected = reference_decode(tp, wire)
    problem = strict_diff(expected, decoded)
    if problem:
        fail("decoder_for != reference_decode", problem)
    if is_model(tp):
        if getattr(tp, "__eq__", None) is not object.__eq__ and decoded != expected:
            fail("decoder_for != reference_decode by dataclass equality", f"{decoded!r} != {expected!r}")
        problem = strict_diff(decoded, tp.from_dict(wire)) or strict_diff(decoded, tp.from_json(value.to_json()))
        if problem:
            fail("Model.from_dict/from_json != decoder_for", problem)
        problem = strict_diff(decoded, decoder_for(tp)(collections.OrderedDict(wire)))
        if problem:
            fail("a dict subclass decodes differently", problem)

    # unknown properties in every object change nothing
    if unknown_keys:
        noisy = json.loads(json.dumps(with_unknown_keys(value, wire, rng)))
        problem = strict_diff(decoded, decoder_for(tp)(noisy)) or strict_diff(decoded, reference_decode(tp, noisy))
        if problem:
            fail("unknown properties changed the decoded value", f"{problem}\n  with: {_show(noisy)}")

    # (b) the original comes back (naive datetimes as UTC)
    try:
        problem = typed_diff(tp, normalised(value), decoded)
    except Ambiguous as ambiguity:
        if ambiguity.discriminated:
            fail("a union WITH a discriminator decoded to another branch", str(ambiguity))
        # The data fits both branches exactly (the other branch re-encodes to the same JSON):
        # no decoder can tell them apart, so only this case's round-trip comparison is skipped.
        # The union tests count these per union and branch.
        return "ambiguous"
    if problem:
        fail("decoding the wire JSON did not give the original back", problem)
    return "ok"


# --- tests ---------------------------------------------------------------------------------------


def test_every_exported_model_is_covered() -> None:
    covered = set(MODELS)
    missing = [model_id(c) for c in _exported_models(shared) + _exported_models(errors) if c not in covered]
    assert not missing
    assert len(MODELS) >= 400, len(MODELS)
    assert len(BODIES) >= 30, len(BODIES)
    assert UNKNOWN_KEYS, "every candidate unknown key is a real property name"


@pytest.mark.parametrize("cls", MODELS, ids=model_id)
def test_model_round_trip_matches_reference(cls: type) -> None:
    for index in range(SEEDS_PER_CLASS):
        seed = f"{model_id(cls)}#{index}"
        rng = random.Random(seed)
        check_case(model_id(cls), cls, random_model(cls, rng), seed, rng)


@pytest.mark.parametrize("label,tp", BODIES, ids=[label for label, _ in BODIES])
def test_request_body_round_trip_matches_reference(label: str, tp: Any) -> None:
    for index in range(SEEDS_PER_CLASS * 2):
        seed = f"{label}#{index}"
        rng = random.Random(seed)
        value = random_value(tp, rng, 0)
        if value is None and index == 0:
            value = random_value(strip_optional(tp)[0], rng, 0)
        check_case(label, tp, value, seed, rng)


def test_bigints_survive_both_ways() -> None:
    for amount in (2**70, 2**70 + 12345, 2**64 + 1, BIGINT_LIMIT + 1):
        posting = shared.V2Posting(amount=amount, asset="USD/2", source="world", destination="users:001")
        wire = json.loads(json.dumps(encoder_for(shared.V2Posting)(posting)))
        assert type(wire["amount"]) is int and wire["amount"] == amount
        back = decoder_for(shared.V2Posting)(wire)
        assert type(back.amount) is int and back.amount == amount
        assert reference_decode(shared.V2Posting, wire) == back == posting
        # The same digits as a JSON string (Formance-Bigint-As-String) give the same int.
        as_text = dict(wire, amount=str(amount))
        assert decoder_for(shared.V2Posting)(as_text) == reference_decode(shared.V2Posting, as_text) == posting
    for balance in (-(2**70) - 1, -(2**63), 2**70):  # negative balances have no minimum
        volume = shared.V2Volume(balance=balance, input=2**70, output=2**70 - balance)
        wire = json.loads(json.dumps(encoder_for(shared.V2Volume)(volume)))
        assert wire["balance"] == balance and type(wire["balance"]) is int
        assert decoder_for(shared.V2Volume)(wire) == reference_decode(shared.V2Volume, wire) == volume


def _absent(cls: type) -> Dict[str, Any]:
    """Field name -> the value an absent optional property decodes to (spec default or None)."""
    return {info.name: info.absent for info in json_fields(cls) if not info.required}


def _outcome_of(run: Callable[[], Any]) -> Tuple[str, Any]:
    """("value", v) or ("error", (path, problem)) for either decoder."""
    try:
        return "value", run()
    except DecodeError as error:
        return "error", (error.path, error.problem)
    except Invalid as error:
        return "error", (error.where(), error.problem)


def _same_outcome(cls: Any, data: Any) -> Tuple[Optional[str], Tuple[str, Any]]:
    """Decode `data` on both paths: (difference or None, the reference's outcome)."""
    fast = _outcome_of(lambda: decode(cls, data))
    ref = _outcome_of(lambda: reference_decode(cls, data))
    if fast[0] != ref[0]:
        return f"decode gave {fast}, reference_decode gave {ref}", ref
    if fast[0] == "error":
        return (None if fast[1] == ref[1] else f"errors differ: {fast[1]} vs {ref[1]}"), ref
    return strict_diff(ref[1], fast[1]), ref


@pytest.mark.parametrize("cls", MODELS, ids=model_id)
def test_missing_properties(cls: type) -> None:
    """An absent required property is an error naming it (both paths alike); an absent optional
    one decodes to the spec's default, else None."""
    required = [p for p in props(cls) if p.required]
    problem, outcome = _same_outcome(cls, {})
    assert problem is None, f"{model_id(cls)}.from_dict({{}}): {problem}"
    if required:
        assert outcome == ("error", (required[0].wire, "required property missing")), outcome
    else:
        empty = outcome[1]
        assert type(empty) is cls
        got = {f.name: getattr(empty, f.name) for f in dataclasses.fields(cls) if f.init and f.name in _absent(cls)}
        assert got == _absent(cls), f"{model_id(cls)}.from_dict({{}}) gave {got}"
    for index in range(SEEDS_PER_CLASS):
        seed = f"{model_id(cls)}#missing{index}"
        rng = random.Random(seed)
        wire = json.loads(json.dumps(encoder_for(cls)(random_model(cls, rng))))
        full = decoder_for(cls)(wire)
        present = [p for p in props(cls) if p.wire in wire]
        if not present:
            continue
        dropped = [p for p in present if rng.random() < 0.6] or [rng.choice(present)]
        partial = {k: v for k, v in wire.items() if k not in {p.wire for p in dropped}}
        problem, outcome = _same_outcome(cls, partial)
        assert problem is None, f"{model_id(cls)} (seed {seed!r}) without {[p.wire for p in dropped]}: {problem}"
        missing_required = [p for p in props(cls) if p.required and p.wire not in partial]
        if missing_required:
            assert outcome == ("error", (missing_required[0].wire, "required property missing")), outcome
        else:
            expected = dataclasses.replace(full, **{p.name: _absent(cls)[p.name] for p in dropped})
            assert strict_diff(expected, outcome[1]) is None, f"{model_id(cls)} (seed {seed!r})"


def _enum_props(cls: type) -> List[Tuple[Prop, Any, str]]:
    """(property, enum class, shape) for properties holding an enum directly, in a list or a map."""
    found = []
    for prop in props(cls):
        base, _ = strip_optional(prop.type)
        origin = typing.get_origin(base)
        args = typing.get_args(base)
        if is_enum(base):
            found.append((prop, base, "value"))
        elif origin in (list, List) and args and is_enum(args[0]):
            found.append((prop, args[0], "list"))
        elif origin in (dict, Dict) and len(args) == 2 and is_enum(args[1]):
            found.append((prop, args[1], "map"))
    return found


ENUM_MODELS = [cls for cls in MODELS if _enum_props(cls)]


@pytest.mark.parametrize("cls", ENUM_MODELS, ids=model_id)
def test_unknown_enum_values_are_kept_as_pseudo_members(cls: type) -> None:
    for index in range(SEEDS_PER_CLASS):
        seed = f"{model_id(cls)}#enum{index}"
        rng = random.Random(seed)
        wire = json.loads(json.dumps(encoder_for(cls)(random_model(cls, rng))))
        known = decoder_for(cls)(wire)
        for prop, enum_cls, shape in _enum_props(cls):
            raw = rng.choice(["INTERPRETER_RUNTIME", "TIMEOUT", "BULK_SIZE_EXCEEDED", "brand-new", "", "ünknown"])
            assert raw not in [m.value for m in enum_cls]
            changed = dict(wire)
            want: Any
            raw = raw if issubclass(enum_cls, str) else 987654
            kept = enum_cls(raw)  # the pseudo-member: an instance of the enum with the raw value
            assert isinstance(kept, enum_cls) and kept.value == raw and kept not in list(enum_cls)
            if shape == "value":
                changed[prop.wire], want = raw, kept
            elif shape == "list":
                member = next(iter(enum_cls))
                changed[prop.wire] = [raw, member.value]
                want = [kept, member]
            else:
                changed[prop.wire] = {"k": raw}
                want = {"k": kept}
            decoded_both = (("decoder_for", decoder_for(cls)(changed)), ("reference", reference_decode(cls, changed)))
            for path_name, got in decoded_both:
                expected = dataclasses.replace(known, **{prop.name: want})
                problem = strict_diff(expected, got)
                assert problem is None, (
                    f"{model_id(cls)} (seed {seed!r}), {path_name} with {prop.wire}={changed[prop.wire]!r}: {problem}"
                )


def _run_union(branches: Tuple[Any, ...], unknown_keys: bool) -> Dict[str, typing.Counter[str]]:
    union = typing.Union[branches]  # type: ignore[valid-type]
    label = union_label(branches)
    counts: Dict[str, typing.Counter[str]] = {}
    for branch in branches:
        name = getattr(branch, "__name__", str(branch))
        tally: typing.Counter[str] = collections.Counter()
        counts[name] = tally
        for index in range(SEEDS_PER_UNION_BRANCH):
            seed = f"{label}:{name}#{index}"
            rng = random.Random(seed)
            value = random_value(branch, rng, 1)
            tally[check_case(f"Union[{label}] <- {name}", union, value, seed, rng, unknown_keys=unknown_keys)] += 1
    return counts


@pytest.mark.parametrize("branches", UNIONS, ids=union_label)
def test_unions_decode_to_the_encoded_branch(branches: Tuple[Any, ...]) -> None:
    """Each branch's data decodes as that branch, or (no discriminator only) as another branch
    that reproduces exactly the same JSON; the ambiguous cases are counted and printed."""
    counts = _run_union(branches, unknown_keys=False)
    summary = ", ".join(f"{name} {t['ambiguous']}/{sum(t.values())}" for name, t in counts.items())
    discriminated = is_discriminated(branches)
    print(f"\nUnion[{union_label(branches)}] discriminator={discriminated} ambiguous: {summary}")
    if discriminated:  # check_case already fails on the first one; this states the rule
        assert all(t["ambiguous"] == 0 for t in counts.values()), summary


@pytest.mark.parametrize("branches", UNIONS, ids=union_label)
def test_unions_ignore_unknown_properties(branches: Tuple[Any, ...]) -> None:
    """Unknown properties added to every object (1-3 per object) do not change the decoded value."""
    _run_union(branches, unknown_keys=True)


@pytest.mark.parametrize(
    "history_cls", [shared.V2WorkflowInstanceHistory, shared.WorkflowInstanceHistory], ids=lambda c: c.__name__
)
def test_unknown_nested_properties_do_not_turn_a_send_stage_into_a_delay(history_cls: Any) -> None:
    # Regression: a send stage whose amount object carries four properties this SDK does not know
    # (a newer server) used to decode as StageDelay(None, None), dropping everything: unknown
    # properties nested in the right branch lowered its best-match score below the all-optional
    # StageDelay/Update branches, which accept any object.
    data = {
        "name": "send",
        "startedAt": "2024-01-01T00:00:00Z",
        "terminated": True,
        "input": {"amount": {"amount": 2**70, "asset": "USD/2", "a": 1, "b": 2, "c": 3, "d": 4}},
    }
    for decoded in (decoder_for(history_cls)(data), history_cls.from_dict(data)):
        assert type(decoded.input).__name__ in ("StageSend", "V2StageSend"), decoded.input
        assert decoded.input.amount.amount == 2**70


# --- wrong shapes: the fast path never silently disagrees with the reference ----------------------

#: Values of the wrong JSON shape for most properties (a server that breaks its own schema).
WRONG_SHAPES: List[Any] = ["oops", "", 12, 2**70, True, 1.5, [1, "x"], [], {"a": 1}, {}, [{"q": 1}], [["x"]]]


def _is_list(tp: Any) -> bool:
    return typing.get_origin(strip_optional(tp)[0]) in (list, List)


def _valid_wire(cls: type, seed: str) -> Dict[str, Any]:
    rng = random.Random(seed)
    return dict(json.loads(json.dumps(encoder_for(cls)(random_model(cls, rng)))))


def _wrong_shape_problem(cls: type, wire_name: str, bad: Any) -> Optional[str]:
    data = _valid_wire(cls, f"{model_id(cls)}#wrong")
    data[wire_name] = bad
    problem, _ = _same_outcome(cls, data)
    return f"{wire_name}={bad!r}: {problem}" if problem else None


@pytest.mark.parametrize("cls", MODELS, ids=model_id)
def test_wrong_shapes_fail_alike_on_both_paths(cls: type) -> None:
    """A property of the wrong JSON shape: the compiled decoder refuses or accepts it exactly as
    the reference does, and when it refuses, with the same JSON path and problem."""
    problems = []
    for prop in props(cls):
        candidates = list(WRONG_SHAPES)
        if _is_list(prop.type):
            candidates += [[bad] for bad in WRONG_SHAPES]  # a wrong element inside a list
        for bad in candidates:
            found = _wrong_shape_problem(cls, prop.wire, bad)
            if found:
                problems.append(found)
    assert not problems, f"{model_id(cls)}:\n" + "\n".join(problems[:10])


@pytest.mark.parametrize(
    "cls,wire_name,bad",
    [
        (shared.V2TransactionsCursorResponseCursor, "data", ""),  # -> [] (reference: "")
        (shared.V2TransactionsCursorResponseCursor, "data", {}),  # -> [] (reference: {})
        (shared.TasksCursorCursor, "data", "oops"),  # -> ['o', 'o', 'p', 's']
        (shared.V2CreditWalletRequest, "sources", {"a": 1}),  # -> ['a']
    ],
    ids=["empty-string-as-list", "empty-object-as-list", "string-as-list-of-unions", "object-as-list-of-unions"],
)
def test_a_string_or_object_for_a_list_property_is_not_iterated(cls: type, wire_name: str, bad: Any) -> None:
    # Regression: the inlined List[X] decoder iterated whatever it got, so "" or {} became [],
    # "oops" became ['o', 'o', 'p', 's'] and {"a": 1} became ['a'] (silently, for unions).
    problem = _wrong_shape_problem(cls, wire_name, bad)
    assert problem is None, f"{model_id(cls)}: {problem}"
    data = _valid_wire(cls, f"{model_id(cls)}#wrong")
    data[wire_name] = bad
    with pytest.raises(DecodeError) as caught:
        decode(cls, data)
    assert (caught.value.path, caught.value.problem) == (wire_name, f"expected an array, got {json.dumps(bad)}")


# --- RFC 3339 text as servers write it -----------------------------------------------------------


def test_datetime_wire_variants_decode_to_the_same_instant() -> None:
    """Z / z / +00:00 / offsets, 0 to 9 fraction digits (Go writes nanoseconds), 'T' or 't'."""
    from dateutil import parser

    decode = decoder_for(dt.datetime)
    for index in range(300):
        rng = random.Random(f"datetime-text#{index}")
        moment = random_datetime(rng).replace(tzinfo=None)
        digits = rng.randint(0, 9)
        fraction = "" if digits == 0 else "." + "".join(str(rng.randrange(10)) for _ in range(digits))
        zone = rng.choice(["Z", "z", "+00:00", "-00:00", "+05:30", "-08:00", "+14:00", "-12:45"])
        text = moment.strftime("%Y-%m-%d") + rng.choice("Tt") + moment.strftime("%H:%M:%S") + fraction + zone
        expected = parser.isoparse(text.replace("t", "T").replace("z", "Z"))
        for got in (decode(text), reference_decode(dt.datetime, text), reference_decode(Optional[dt.datetime], text)):
            assert got == expected and got.utcoffset() == expected.utcoffset(), f"{text!r}: {got!r} != {expected!r}"
