"""Which operations are cursor-paginated lists, and how to ask for their next page.

The Formance API pages its lists the same way everywhere: a `cursor` query parameter takes the
opaque token of a previous page, and the 2XX body holds a `cursor` object with `data` (the
items), `hasMore` and `next`. An operation is paginated when both halves are there; one without
a `cursor` parameter (wallets `listBalances`, webhooks `getManyConfigs`) returns a single page
whatever its body looks like, so it gets no iterator.

Older endpoints also accept other spellings: `pagination_token` for the cursor (ledger v1) and
`page_size` for the page size. The first page is sent as the caller built it; on the next pages
the cursor goes in the `cursor` parameter, the other cursor spellings are cleared, and every page
size spelling the caller set is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Tuple

from codegen.ir import Api, FieldIR, ModelIR, OperationIR, TypeRef

CURSOR_PARAMETER = "cursor"
OTHER_CURSOR_PARAMETERS = ("pagination_token",)
PAGE_SIZE_PARAMETERS = ("pageSize", "page_size")
CURSOR_PROPERTY = "cursor"
PAGE_PROPERTIES = ("data", "hasMore", "next")


@dataclass(frozen=True)
class PageIR:
    """How one operation pages: request attributes to set and where the items are."""

    cursor_field: str  # request attribute of the `cursor` query parameter
    cleared_fields: Tuple[str, ...]  # other cursor spellings, emptied on next pages
    page_size_fields: Tuple[str, ...]  # request attributes carrying the page size
    page_field: str  # response envelope attribute holding the decoded page
    cursor_attr: str  # attribute of the page holding the cursor object
    item_type: TypeRef  # type of one element of `cursor.data`


def _unwrap(ref: TypeRef) -> TypeRef:
    return ref.item if ref.kind == "optional" and ref.item is not None else ref


def _query_name(field: FieldIR) -> Optional[str]:
    location = field.location or {}
    query = location.get("query_param")
    return str(query["field_name"]) if query else None


def _model_of(api: Api, ref: Optional[TypeRef]) -> Optional[ModelIR]:
    if ref is None:
        return None
    ref = _unwrap(ref)
    if ref.kind != "ref" or not ref.ref:
        return None
    model = api.model(ref.ref)
    return model if model.kind == "dataclass" else None


def _by_wire(model: ModelIR, wire: str) -> Optional[FieldIR]:
    return next((field for field in model.fields if field.wire == wire), None)


def pagination_of(api: Api, op: OperationIR) -> Optional[PageIR]:
    """The paging facts of `op`, or None when it is not a cursor-paginated list."""
    if op.request_model is None:
        return None
    request = api.model(op.request_model)
    by_query = {name: field.name for field in request.fields if (name := _query_name(field)) is not None}
    if CURSOR_PARAMETER not in by_query:
        return None
    for response in op.responses:
        if not response.status.startswith("2") or response.field is None:
            continue
        page = _model_of(api, response.type)
        cursor_field = _by_wire(page, CURSOR_PROPERTY) if page is not None else None
        cursor = _model_of(api, cursor_field.type) if cursor_field is not None else None
        if cursor is None or cursor_field is None:
            continue
        properties = {wire: _by_wire(cursor, wire) for wire in PAGE_PROPERTIES}
        data = properties["data"]
        if any(found is None for found in properties.values()) or data is None:
            continue
        items = _unwrap(data.type)
        if items.kind != "list" or items.item is None:
            continue
        return PageIR(
            cursor_field=by_query[CURSOR_PARAMETER],
            cleared_fields=tuple(by_query[name] for name in OTHER_CURSOR_PARAMETERS if name in by_query),
            page_size_fields=tuple(by_query[name] for name in PAGE_SIZE_PARAMETERS if name in by_query),
            page_field=response.field,
            cursor_attr=cursor_field.name,
            item_type=items.item,
        )
    return None


def paginated_operations(api: Api) -> List[Tuple[OperationIR, PageIR]]:
    """Every paginated operation of the API with its paging facts, in client order."""
    found = []
    for op in api.operations():
        page = pagination_of(api, op)
        if page is not None:
            found.append((op, page))
    return found


def iterator_name(op: OperationIR) -> str:
    """The sub-client method that walks every page: `list_transactions` -> `list_transactions_iter`."""
    return op.method_name + "_iter"
