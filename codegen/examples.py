"""Realistic example values for docs and generated tests.

An example is computed twice from the IR, independently of the runtime: as Python source (what a
user writes) and as the JSON that must go on the wire. The generated tests compare the runtime's
output with the latter, so a runtime bug cannot hide behind a shared helper.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from codegen.ir import Api, FieldIR, ModelIR, TypeRef

BIG = 2**70  # bigint values in tests exceed 2**64 to prove nothing goes through float

_STRINGS = {
    "ledger": "ledger001",
    "address": "users:001",
    "account": "users:001",
    "source": "world",
    "destination": "users:002",
    "asset": "USD/2",
    "reference": "ref:001",
    "cursor": "aGVsbG8gY3Vyc29y",
    "currency": "USD",
    "name": "example-name",
    "key": "status",
    "idempotency-key": "idem-7b1c",
    "plain": "send [USD/2 100] (source = @world destination = @users:001)",
    "endpoint": "https://example.com/webhook",
    "secret": "c2VjcmV0LWV4YW1wbGUtMzItYnl0ZXMtbG9uZy0hIQ==",
    "clientid": "client-1",
    "connectorid": "connector-1",
    "expand": "volumes",
}


class Example:
    """Python source and wire JSON of one example value."""

    __slots__ = ("source", "wire")

    def __init__(self, source: str, wire: Any) -> None:
        self.source = source
        self.wire = wire


class ExampleMaker:
    def __init__(self, api: Api, discriminators: Dict[str, tuple], big_ints: bool) -> None:
        self.api = api
        self.models = {m.qualname: m for m in api.models}
        self.discriminators = discriminators
        self.big_ints = big_ints

    # -- scalars ------------------------------------------------------------------------------

    def _string(self, hint: str) -> str:
        key = hint.lower().replace("_", "").replace("-", "")
        for name, value in _STRINGS.items():
            if key == name.replace("_", "").replace("-", ""):
                return value
        if key.endswith("id"):
            return f"{hint}-1"
        return f"{hint}-example"

    def scalar(self, ref: TypeRef, hint: str) -> Example:
        kind = ref.kind
        if kind == "str":
            text = self._string(hint)
            return Example(repr(text), text)
        if kind == "int":
            if ref.fmt == "bigint" and self.big_ints:
                return Example(repr(BIG), BIG)
            number = 15 if "size" in hint.lower() else 100
            return Example(repr(number), number)
        if kind == "float":
            return Example("1.5", 1.5)
        if kind == "bool":
            return Example("True", True)
        if kind == "datetime":
            return Example(
                "datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)", "2024-01-02T03:04:05Z"
            )
        if kind == "date":
            return Example("datetime.date(2024, 1, 2)", "2024-01-02")
        if kind == "any":
            return Example("'value'", "value")
        if kind == "bytes":
            return Example("b'example-bytes'", "example-bytes")
        raise ValueError(kind)

    # -- composites ---------------------------------------------------------------------------

    def value(self, ref: TypeRef, hint: str, depth: int = 0) -> Example:
        kind = ref.kind
        if kind == "optional":
            assert ref.item is not None
            return self.value(ref.item, hint, depth)
        if kind == "list":
            assert ref.item is not None
            item = self.value(ref.item, hint, depth + 1)
            return Example(f"[{item.source}]", [item.wire])
        if kind == "map":
            assert ref.item is not None
            if ref.item.kind == "any" and hint in ("request_body", "requestBody"):
                filter_ = {"$match": {"address": "users:"}}
                return Example(repr(filter_), filter_)
            item = self.value(ref.item, "value", depth + 1)
            return Example(f"{{'key1': {item.source}}}", {"key1": item.wire})
        if kind == "union":
            return self.value(ref.options[0], hint, depth)
        if kind == "ref":
            assert ref.ref is not None
            model = self.models[ref.ref]
            if model.kind == "enum":
                member, value = next(iter(model.members.items()))
                return Example(f"{model.package}.{model.name}.{member}", value)
            return self.model(model, depth)
        return self.scalar(ref, hint)

    def model(self, model: ModelIR, depth: int = 0, only_required: bool = False) -> Example:
        args: List[str] = []
        wire: Dict[str, Any] = {}
        discriminator = self.discriminators.get(model.qualname)
        for field in model.fields:
            if not field.required and (only_required or depth >= 3):
                continue
            example = self.field(model, field, depth, discriminator)
            if example is None:
                continue
            args.append(f"{field.name}={example.source}")
            if field.wire is not None:
                wire[field.wire] = example.wire
        return Example(f"{model.package}.{model.name}({', '.join(args)})", wire)

    def field(self, model: ModelIR, field: FieldIR, depth: int, discriminator: Optional[tuple]) -> Optional[Example]:
        if discriminator is not None and field.wire == discriminator[0]:
            value = discriminator[1][0]
            inner = field.type.item if field.type.kind == "optional" else field.type
            if inner is not None and inner.kind == "ref":
                enum_model = self.models[inner.ref or ""]
                for member, member_value in enum_model.members.items():
                    if member_value == value:
                        return Example(f"{enum_model.package}.{enum_model.name}.{member}", value)
            return Example(repr(value), value)
        return self.value(field.type, field.wire or field.name, depth + 1)


def request_example(maker: ExampleMaker, api: Api, op: Any) -> Tuple[Optional[str], Dict[str, Any]]:
    """(Python source of the `request` argument, the wire facts it must produce)."""
    facts: Dict[str, Any] = {"path": op.path, "query": [], "headers": {}, "body": None, "has_body": False}
    if op.request_type is None:
        return None, facts
    if op.request_model is None:
        ref = op.request_type.item if op.request_type.kind == "optional" else op.request_type
        example = maker.value(ref, "request")
        facts["body"] = example.wire
        facts["has_body"] = True
        return example.source, facts
    model = maker.models[op.request_model]
    args = []
    for field in model.fields:
        location = field.location or {}
        hint = field.name
        if location and "request" not in location:
            hint = str(next(iter(location.values())).get("field_name") or field.name)
        example = maker.value(field.type, hint)
        args.append(f"{field.name}={example.source}")
        if "path_param" in location:
            name = location["path_param"]["field_name"]
            facts["path"] = facts["path"].replace("{" + str(name) + "}", _path_text(example.wire))
        elif "query_param" in location:
            facts["query"].extend(_query_pairs(location["query_param"], example.wire))
        elif "header" in location:
            facts["headers"][location["header"]["field_name"]] = _text(example.wire)
        elif "request" in location:
            facts["body"] = example.wire
            facts["has_body"] = True
    return f"operations.{model.name}({', '.join(args)})", facts


def _text(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


def _path_text(value: Any) -> str:
    from urllib.parse import quote

    return quote(_text(value), safe=":@!$&'()*+,;=")


def _query_pairs(spec: Dict[str, Any], value: Any) -> List[Tuple[str, str]]:
    name = spec["field_name"]
    style = spec.get("style", "form")
    explode = spec.get("explode", True)
    if isinstance(value, dict):
        if style == "deepObject":
            return [(f"{name}[{k}]", _text(v)) for k, v in value.items()]
        if explode:
            return [(str(k), _text(v)) for k, v in value.items()]
        return [(name, ",".join(f"{k},{_text(v)}" for k, v in value.items()))]
    if isinstance(value, list):
        if explode:
            return [(name, _text(v)) for v in value]
        return [(name, ",".join(_text(v) for v in value))]
    return [(name, _text(value))]


def pretty(source: str, indent: int = 0, width: int = 88) -> str:
    """Lay out a call expression over several lines when it does not fit on one.

    Example sources are built on one line; documentation shows them the way a person writes them.
    """
    import ast

    def render(node: ast.AST, level: int) -> str:
        flat = ast.unparse(node)
        if len(flat) + level * 4 + indent <= width:
            return flat
        pad = "    " * (level + 1)
        close = "    " * level
        if isinstance(node, ast.Call):
            parts = [render(arg, level + 1) for arg in node.args]
            parts += [f"{kw.arg}={render(kw.value, level + 1)}" for kw in node.keywords]
            return f"{ast.unparse(node.func)}(\n" + "".join(f"{pad}{p},\n" for p in parts) + f"{close})"
        if isinstance(node, ast.List):
            return "[\n" + "".join(f"{pad}{render(e, level + 1)},\n" for e in node.elts) + f"{close}]"
        if isinstance(node, ast.Dict):
            items = [f"{render(k, level + 1)}: {render(v, level + 1)}" for k, v in zip(node.keys, node.values) if k]
            return "{\n" + "".join(f"{pad}{i},\n" for i in items) + f"{close}}}"
        return flat

    return render(ast.parse(source, mode="eval").body, 0)
