"""sdk.utils.paginate: every item of every page, next pages asked with the cursor only."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest
import responses

import sdk
from sdk.models import operations, shared
from sdk.utils import next_page_request, paginate

from .conftest import BASE_URL


def _page(ids: list, next_cursor: str | None) -> dict:
    return {
        "cursor": {
            "pageSize": 2,
            "hasMore": next_cursor is not None,
            **({"next": next_cursor} if next_cursor else {}),
            "data": [
                {"id": i, "timestamp": "2024-01-02T03:04:05Z", "metadata": {}, "reverted": False, "postings": []}
                for i in ids
            ],
        }
    }


def test_paginate_walks_every_page_with_the_cursor_alone(rsps: responses.RequestsMock) -> None:
    url = BASE_URL + "/api/ledger/v2/main/transactions"
    rsps.get(url, json=_page([1, 2], "c2"))
    rsps.get(url, json=_page([3, 4], "c3"))
    rsps.get(url, json=_page([5], None))
    s = sdk.SDK(server_url=BASE_URL)
    first = operations.V2ListTransactionsRequest(
        ledger="main", page_size=2, expand="volumes", request_body={"$match": {"account": "users:"}}
    )
    ids = [tx.id for tx in paginate(s.ledger.v2.list_transactions, first)]
    assert ids == [1, 2, 3, 4, 5]
    queries = [dict(parse_qsl(urlsplit(call.request.url).query)) for call in rsps.calls]
    assert queries == [
        {"pageSize": "2", "expand": "volumes"},
        {"pageSize": "2", "cursor": "c2"},
        {"pageSize": "2", "cursor": "c3"},
    ]
    assert rsps.calls[0].request.body  # the filter goes with the first request only
    assert not rsps.calls[1].request.body and not rsps.calls[2].request.body
    assert all(urlsplit(call.request.url).path == "/api/ledger/v2/main/transactions" for call in rsps.calls)


def test_paginate_stops_on_an_empty_last_page(rsps: responses.RequestsMock) -> None:
    rsps.get(BASE_URL + "/api/ledger/v2/main/transactions", json=_page([], None))
    s = sdk.SDK(server_url=BASE_URL)
    assert list(paginate(s.ledger.v2.list_transactions, operations.V2ListTransactionsRequest(ledger="main"))) == []
    assert len(rsps.calls) == 1


def test_next_page_request_keeps_path_and_header_parameters() -> None:
    request = operations.ListWalletsRequest(name="w", page_size=10, metadata={"k": "v"}, expand="balances")
    following = next_page_request(request, "abc")
    assert following == operations.ListWalletsRequest(cursor="abc", page_size=10)

    v1 = operations.ListTransactionsRequest(ledger="books", page_size=5, account="users:001")
    assert next_page_request(v1, "n") == operations.ListTransactionsRequest(ledger="books", cursor="n", page_size=5)


def test_next_page_request_refuses_an_operation_without_a_cursor() -> None:
    with pytest.raises(TypeError, match="not paginated"):
        next_page_request(operations.V2GetLedgerRequest(ledger="main"), "abc")


def test_paginate_is_importable_like_the_other_helpers() -> None:
    from sdk.utils import paginate as again

    assert again is paginate
    assert isinstance(shared.V2Posting, type)
