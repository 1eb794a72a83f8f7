"""Iterate over every item of a cursor-paginated list operation.

    from sdk.utils import paginate

    for tx in paginate(s.ledger.v2.list_transactions,
                       operations.V2ListTransactionsRequest(ledger="main", page_size=1000)):
        ...

The first request is sent as given. Formance cursors are opaque and already encode the query
(filters included), and a server ignores the other filters when a cursor is sent, so each next
page is requested with the cursor, the page size and the path and header parameters only.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Iterator, Optional

_ENVELOPE_FIELDS = frozenset({"content_type", "status_code", "raw_response", "headers"})
_KEPT_LOCATIONS = ("path_param", "header")


def paginate(method: Callable[..., Any], request: Any, **call_options: Any) -> Iterator[Any]:
    """Yield the items of every page, calling `method(request=..., **call_options)` per page."""
    while True:
        response = method(request=request, **call_options)
        cursor = _cursor_of(response)
        if cursor is None:
            return
        yield from cursor.data or []
        token = getattr(cursor, "next", None)
        if not getattr(cursor, "has_more", False) or not token:
            return
        request = next_page_request(request, token)


def next_page_request(request: Any, cursor: str) -> Any:
    """The request for the page after `request`: same path and headers, the cursor, the page size."""
    kept = {}
    for item in dataclasses.fields(request):
        query = item.metadata.get("query_param")
        required = item.default is dataclasses.MISSING and item.default_factory is dataclasses.MISSING
        if required or any(location in item.metadata for location in _KEPT_LOCATIONS):
            kept[item.name] = getattr(request, item.name)
        elif query is not None and query.get("field_name") == "pageSize":
            kept[item.name] = getattr(request, item.name)
        elif query is not None and query.get("field_name") == "cursor":
            kept[item.name] = cursor
    if not any(
        item.metadata.get("query_param", {}).get("field_name") == "cursor" for item in dataclasses.fields(request)
    ):
        raise TypeError(f"{type(request).__name__} has no cursor parameter: the operation is not paginated")
    return type(request)(**kept)


def _cursor_of(response: Any) -> Optional[Any]:
    """The `cursor` object (data, has_more, next) of a list operation's envelope."""
    for item in dataclasses.fields(response):
        if item.name in _ENVELOPE_FIELDS:
            continue
        body = getattr(response, item.name)
        cursor = getattr(body, "cursor", None)
        if cursor is not None and hasattr(cursor, "data"):
            return cursor
    return None
