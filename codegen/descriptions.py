"""A description for every model, for the docs: the spec's own, or one derived from context.

Many models have no description in openapi.yaml: the per-operation request and response classes,
and the objects and enums declared inline under a property (`V2TransactionsCursorResponse.cursor`,
`TaskStripe.state`, ...). Their description is derived from where they are used; the few models
used nowhere in the spec (such as `Security`) get the words of gen.yaml `descriptions:`.
"""

from __future__ import annotations

from typing import Dict, List, Tuple

from codegen.ir import Api, FieldIR, ModelIR, OperationIR, TypeRef

_MAX_LISTED = 8


def _call(op: OperationIR) -> str:
    return "`s." + ".".join(op.client_path + [op.method_name]) + "`"


def _referenced(ref: TypeRef) -> List[str]:
    found = [ref.ref] if ref.kind == "ref" and ref.ref else []
    if ref.item is not None:
        found += _referenced(ref.item)
    for option in ref.options:
        found += _referenced(option)
    return found


def _quoted(names: List[str]) -> str:
    shown = [f"`{name}`" for name in names[:_MAX_LISTED]]
    if len(names) > _MAX_LISTED:
        shown.append("...")
    return ", ".join(shown)


class Describer:
    """Computes the description of each model of one Api."""

    def __init__(self, api: Api, configured: Dict[str, str]) -> None:
        self.configured = configured
        self.users: Dict[str, List[Tuple[ModelIR, FieldIR]]] = {}
        for model in api.models:
            for field in model.fields:
                for qualname in _referenced(field.type):
                    self.users.setdefault(qualname, []).append((model, field))
        self.requests: Dict[str, OperationIR] = {}
        self.responses: Dict[str, OperationIR] = {}
        for op in api.operations():
            if op.request_model:
                self.requests[op.request_model] = op
            self.responses[op.response_model] = op

    def describe(self, model: ModelIR) -> str:
        if model.description.strip():
            return model.description.strip()
        if model.name in self.configured:
            return self.configured[model.name].strip()
        if model.qualname in self.requests:
            op = self.requests[model.qualname]
            return f"Input of {_call(op)} (operation `{op.operation_id}`): its parameters and body."
        if model.qualname in self.responses:
            op = self.responses[model.qualname]
            return (
                f"Result of {_call(op)} (operation `{op.operation_id}`): the HTTP status, content type,"
                " raw response and the decoded body."
            )
        return self._from_context(model)

    def _from_context(self, model: ModelIR) -> str:
        users = self.users.get(model.qualname, [])
        where = ", ".join(f"`{owner.name}.{field.wire or field.name}`" for owner, field in users[:3])
        if model.kind == "enum":
            values = _quoted([str(value) for value in model.members.values()])
            return f"The values of {where}: {values}." if where else f"Allowed values: {values}."
        wires = [field.wire or field.name for field in model.fields]
        if {"data", "hasMore", "next"} <= set(wires):
            return (
                f"One page of results ({where}): the items in `data`, `has_more` when another page follows,"
                " and the `next` / `previous` cursors that ask for the pages around it."
            )
        names = [field.name for field in model.fields]
        content = f", with {_quoted(names)}" if names else ", free-form (any JSON properties)"
        if where:
            return f"The object held by {where}{content}."
        return f"An object{content}."


def describer(api: Api) -> Describer:
    return Describer(api, api.descriptions)
