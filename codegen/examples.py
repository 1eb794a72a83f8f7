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
    # payments list filters and order, as the payments service reads them
    "query": '{"$match": {"reference": "acc-001"}}',
    "sort": "createdAt:desc",
    "pollingperiod": "30s",
    "iban": "FR7630006000011234567890189",
    "country": "FR",
    "swiftbiccode": "BNPAFRPPXXX",
    "accountnumber": "12345678",
    "accountname": "Operating account",
    "defaultasset": "EUR/2",
    "description": "Monthly supplier payout",
    # orchestration triggers: the event they listen to and an expression on it
    "event": "SAVED_TRANSACTION",
    "filter": "event.transaction.metadata.type == 'payout'",
    "eventtypes": "ledger.committed_transactions",
    "bucket": "_default",
    "ledgername": "ledger001",
    "balance": "main",
    "balancename": "main",
    "ik": "idem-7b1c",
    # auth clients
    "scopes": "ledger:read",
    "redirecturis": "https://example.com/callback",
    "postlogoutredirecturis": "https://example.com/signed-out",
    # list items named after their list
    "ledgers": "ledger001",
    "balances": "main",
    "accountids": "acc-001",
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
        settings = api.examples
        #: "Model.wireName" -> the JSON value to use (gen.yaml examples.values).
        self.values: Dict[str, Any] = dict(settings.get("values", {}) or {})
        #: Model name -> properties that exclude each other, the preferred one first.
        self.exclusive: Dict[str, List[str]] = dict(settings.get("exclusive", {}) or {})
        #: Query parameters never set in an example (pagination positions).
        self.omitted_parameters = frozenset(settings.get("omit_parameters", []) or [])
        self.filters: Dict[str, Any] = dict(settings.get("filters", {}) or {})
        self.bodies: Dict[str, Any] = dict(settings.get("bodies", {}) or {})
        self._check_settings()

    def _check_settings(self) -> None:
        """A configured name that matches nothing is a typo: fail the generation, naming it."""
        by_name = {m.name: m for m in self.api.models}
        operation_ids = {op.operation_id for op in self.api.operations()}
        for key in self.values:
            model_name, _, prop = key.partition(".")
            model = by_name.get(model_name)
            if model is None or not any(prop in _field_names(f) for f in model.fields):
                raise ValueError(f"gen.yaml examples.values: no property {prop!r} in a model {model_name!r}")
        for model_name, group in self.exclusive.items():
            model = by_name.get(model_name)
            if model is None or not all(any(p in _field_names(f) for f in model.fields) for p in group):
                raise ValueError(f"gen.yaml examples.exclusive: {model_name} lacks one of {group}")
        for operation_id in [k for k in self.filters if k != "default"] + list(self.bodies):
            if operation_id not in operation_ids:
                raise ValueError(f"gen.yaml examples: no operation {operation_id!r}")

    def filter_body(self, operation_id: str) -> Example:
        """The query filter sent as the JSON body of a GET or HEAD operation."""
        value = self.filters.get(operation_id, self.filters.get("default", {}))
        return Example(repr(value), value)

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
            inner = ref.item.item if ref.item.kind == "optional" and ref.item.item is not None else ref.item
            if inner.kind in ("str", "any"):
                # Free-form maps are metadata-like: a key and a value a person would write.
                return Example("{'order_id': 'order-1234'}", {"order_id": "order-1234"})
            # Other maps in this API are keyed by asset (balances, volumes).
            item = self.value(ref.item, "value", depth + 1)
            return Example(f"{{'USD/2': {item.source}}}", {"USD/2": item.wire})
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
        excluded = self._excluded_properties(model)
        for field in model.fields:
            if not field.required and (only_required or depth >= 3):
                continue
            if (field.wire or field.name) in excluded:
                continue
            example = self.field(model, field, depth, discriminator)
            if example is None:
                continue
            args.append(f"{field.name}={example.source}")
            if field.wire is not None:
                wire[field.wire] = example.wire
        return Example(f"{model.package}.{model.name}({', '.join(args)})", wire)

    def _excluded_properties(self, model: ModelIR) -> frozenset:
        """Properties left out because a preferred one of their exclusive group is present."""
        group = self.exclusive.get(model.name) or []
        present = [name for name in group if any((f.wire or f.name) == name for f in model.fields)]
        return frozenset(present[1:])

    def field(self, model: ModelIR, field: FieldIR, depth: int, discriminator: Optional[tuple]) -> Optional[Example]:
        chosen = self.values.get(f"{model.name}.{field.wire or field.name}")
        if chosen is not None:
            return Example(repr(chosen), chosen)
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
        if "query_param" in location and hint in maker.omitted_parameters:
            continue
        special = _body_example(maker, op) if "request" in location else None
        chosen = maker.values.get(f"{model.name}.{hint}")
        if special is None and chosen is not None:
            special = Example(repr(chosen), chosen)
        example = special if special is not None else maker.value(field.type, hint)
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


def _field_names(field: FieldIR) -> Tuple[str, ...]:
    """The names a gen.yaml key may use for a field: its wire name or parameter name, or its attribute."""
    location = field.location or {}
    names = [field.name]
    if field.wire:
        names.append(field.wire)
    for spec in location.values():
        if spec.get("field_name"):
            names.append(str(spec["field_name"]))
    return tuple(names)


def _body_example(maker: ExampleMaker, op: Any) -> Optional[Example]:
    """The body of `op` when it is not plain data: a filter on reads, or a configured body."""
    if op.http_method in ("GET", "HEAD"):
        return maker.filter_body(op.operation_id)
    if op.operation_id in maker.bodies:
        body = maker.bodies[op.operation_id]
        return Example(repr(body), body)
    return None


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


def _is_atomic_call(node: Any) -> bool:
    """A call of constants only, like datetime.datetime(2024, 1, 2, ...): clearer on one line."""
    import ast

    if not isinstance(node, ast.Call):
        return False
    values = list(node.args) + [kw.value for kw in node.keywords]
    short = len(ast.unparse(node)) <= 80
    return short and all(isinstance(v, (ast.Constant, ast.Attribute)) for v in values)


def pretty(source: str, indent: int = 0, width: int = 88) -> str:
    """Lay out a call expression over several lines when it does not fit on one.

    Example sources are built on one line; documentation shows them the way a person writes them.
    """
    import ast

    def render(node: ast.AST, level: int) -> str:
        flat = ast.unparse(node)
        if len(flat) + level * 4 + indent <= width or _is_atomic_call(node):
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
