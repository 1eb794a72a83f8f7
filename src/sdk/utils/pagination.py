"""Iterate over every item of a cursor-paginated list operation.

    for tx in s.ledger.v2.list_transactions_iter(operations.V2ListTransactionsRequest(ledger="main")):
        ...  # tx is a shared.V2ExpandedTransaction, for type checkers too

    from sdk.utils import paginate
    for tx in paginate(s.ledger.v2.list_transactions, request):  # the same walk
        ...

(`sdk.utils.paginate` is this function behind generated overloads, sdk/resources/_typed_paginate.py,
that give type checkers each operation's item type.)

The first request is sent as given. Formance cursors are opaque and already encode the query
(filters, expansion, ordering), and a server ignores the other filters when a cursor is sent,
so each next page is requested with the path and header parameters, the page size and the
cursor only. Pages are fetched lazily, one at a time, and nothing is kept once its items have
been yielded, so memory does not grow with the number of items.

A server that answers the cursor it was just sent, or keeps sending empty pages that say
`hasMore`, would make the walk loop forever; it raises `PaginationError` instead.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Dict, Iterator, Optional, Tuple

from sdk._runtime.errors import FormanceError
from sdk._runtime.operation import Operation, Pagination

#: Empty pages in a row that still say `hasMore` before the walk gives up. Filtered listings can
#: legitimately return a few empty pages; an endless run of them is a server fault.
MAX_EMPTY_PAGES = 3

_KEPT_LOCATIONS = ("path_param", "header")


class PaginationError(FormanceError, RuntimeError):
    """The server's cursors would make the walk through the pages go on forever (or stop early)."""


def paginate(method: Callable[..., Any], request: Any = None, **call_options: Any) -> Iterator[Any]:
    """Yield the items of every page, calling `method(request=..., **call_options)` per page.

    `method` is a list operation of a sub-client, e.g. `s.ledger.v2.list_transactions`;
    `call_options` are its per-call options (`retries=`, `timeout=`), applied to every page. The
    sub-clients' `*_iter` methods (`s.ledger.v2.list_transactions_iter`) call this. A method that
    is not a cursor-paginated list operation, or a request of another operation, is a TypeError
    raised here, before anything is sent; the pages are fetched as the result is iterated.
    """
    operation, pagination = _paginated_operation(method)
    request = _checked_request(operation, request)
    return _walk(method, pagination, operation.operation_id, request, call_options)


def _walk(
    method: Callable[..., Any], pagination: Pagination, operation_id: str, request: Any, call_options: Any
) -> Iterator[Any]:
    sent_cursor = _sent_cursor(request, pagination)
    empty_pages = 0
    while True:
        response = method(request=request, **call_options)
        cursor = _cursor_of(response, pagination, operation_id)
        items = cursor.data or []
        has_more = bool(cursor.has_more)
        next_cursor = cursor.next
        # Drop the page before yielding: only the items being handed out stay referenced.
        del response, cursor
        empty_pages = 0 if items else empty_pages + 1
        yield from items
        del items
        if not has_more:
            return
        if not next_cursor:
            raise PaginationError(
                f"{operation_id}: the server says more pages follow (hasMore) but sent no `next` cursor"
            )
        if next_cursor == sent_cursor:
            raise PaginationError(
                f"{operation_id}: the server answered cursor {next_cursor!r} with the same cursor as `next`;"
                " asking again would return the same page forever"
            )
        if empty_pages > MAX_EMPTY_PAGES:
            raise PaginationError(
                f"{operation_id}: {empty_pages} empty pages in a row still say hasMore;"
                " stopping instead of asking for pages forever"
            )
        request = next_page_request(request, next_cursor, pagination)
        sent_cursor = next_cursor


def next_page_request(request: Any, cursor: str, pagination: Optional[Pagination] = None) -> Any:
    """The request for the page after `request`: path and headers, the page size, the cursor.

    `pagination` defaults to what the request's fields say (the `cursor`, `pagination_token`,
    `pageSize` and `page_size` query parameters).
    """
    if not dataclasses.is_dataclass(request) or isinstance(request, type):
        raise TypeError(f"next_page_request() needs an operation request object, got {type(request).__name__}")
    pagination = pagination or _pagination_from_fields(request)
    kept: Dict[str, Any] = {pagination.cursor_field: cursor}
    kept.update({name: getattr(request, name) for name in pagination.page_size_fields})
    for item in dataclasses.fields(request):
        if item.name in kept:
            continue
        required = item.default is dataclasses.MISSING and item.default_factory is dataclasses.MISSING
        if required or any(location in item.metadata for location in _KEPT_LOCATIONS):
            kept[item.name] = getattr(request, item.name)
        else:
            # Explicit None, not the field's default: a default query value would be sent too.
            kept[item.name] = None
    return type(request)(**kept)


def _sent_cursor(request: Any, pagination: Pagination) -> Optional[str]:
    """The cursor the first request carries, under whichever spelling the caller used."""
    for name in (pagination.cursor_field,) + pagination.cleared_fields:
        value = getattr(request, name, None)
        if value:
            return str(value)
    return None


def _pagination_from_fields(request: Any) -> Pagination:
    by_query = {}
    for item in dataclasses.fields(request):
        query = item.metadata.get("query_param")
        if query is not None:
            by_query[query.get("field_name")] = item.name
    if "cursor" not in by_query:
        raise TypeError(f"{type(request).__name__} has no cursor parameter: the operation is not paginated")
    return Pagination(
        by_query["cursor"],
        page_field="",
        cleared_fields=tuple(by_query[name] for name in ("pagination_token",) if name in by_query),
        page_size_fields=tuple(by_query[name] for name in ("pageSize", "page_size") if name in by_query),
    )


def _paginated_operation(method: Callable[..., Any]) -> Tuple[Operation, Pagination]:
    operation = getattr(method, "operation", None)
    if not isinstance(operation, Operation):
        raise TypeError(
            "paginate() takes a list method of a sub-client, such as s.ledger.v2.list_transactions;"
            f" got {method!r}"
        )
    pagination = operation.pagination
    if pagination is None:
        name = getattr(method, "__name__", operation.operation_id)
        raise TypeError(
            f"paginate(): {name} (operation {operation.operation_id}) is not a cursor-paginated list"
            " operation; call it directly"
        )
    return operation, pagination


def _checked_request(operation: Operation, request: Any) -> Any:
    from sdk._runtime.client import resolve_model

    expected = resolve_model(operation.request_model) if operation.request_model else None
    if expected is None:
        raise TypeError(f"paginate(): operation {operation.operation_id} takes no request parameters")
    if request is None:
        return expected()
    if not isinstance(request, expected):
        raise TypeError(
            f"paginate(): operation {operation.operation_id} takes an operations.{expected.__name__},"
            f" got {type(request).__name__}"
        )
    return request


def _cursor_of(response: Any, pagination: Pagination, operation_id: str) -> Any:
    page = getattr(response, pagination.page_field, None)
    cursor = getattr(page, pagination.cursor_attr, None) if page is not None else None
    if cursor is None:
        status = getattr(response, "status_code", "?")
        raise PaginationError(
            f"{operation_id}: the response (HTTP {status}) carries no page of items;"
            " cannot tell whether more pages follow"
        )
    return cursor
