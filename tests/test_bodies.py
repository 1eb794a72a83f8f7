"""Request and response bodies: JSON, filter bodies on GET/HEAD, octet-stream in and out."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
import responses

import sdk
from sdk.models import operations, shared

from .conftest import json_body, only_request

ANY_URL = re.compile(r"http://127\.0\.0\.1:8080/.*")
FILTER = {"$and": [{"$match": {"address": "users:"}}, {"$gte": {"balance[USD/2]": 100}}]}
FILTER_BYTES = b'{"$and":[{"$match":{"address":"users:"}},{"$gte":{"balance[USD/2]":100}}]}'
EMPTY_CURSOR = {"cursor": {"pageSize": 15, "hasMore": False, "data": []}}
TX = {"id": 7, "postings": [], "metadata": {}, "reverted": False, "timestamp": "2024-01-02T03:04:05Z"}


# --- JSON request bodies ---------------------------------------------------------------------


def test_json_body_of_create_transaction(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    rsps.post(ANY_URL, json={"data": TX})
    client.ledger.v2.create_transaction(request=operations.V2CreateTransactionRequest(
        ledger="main",
        v2_post_transaction=shared.V2PostTransaction(
            metadata={"order": "42"},
            postings=[shared.V2Posting(amount=100, asset="USD/2", destination="users:001", source="world")],
            reference="ref-42",
        ),
    ))
    request = only_request(rsps)
    assert request.method == "POST"
    # Unset optional properties (script, timestamp) are left out, not sent as null.
    assert json_body(request) == {
        "metadata": {"order": "42"},
        "postings": [{"amount": 100, "asset": "USD/2", "destination": "users:001", "source": "world"}],
        "reference": "ref-42",
    }


def test_json_body_keeps_bigint_amount_exact(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    rsps.post(ANY_URL, json={"data": TX})
    client.ledger.v2.create_transaction(request=operations.V2CreateTransactionRequest(
        ledger="main",
        v2_post_transaction=shared.V2PostTransaction(metadata={}, postings=[
            shared.V2Posting(amount=2**70, asset="USD/2", destination="users:001", source="world")]),
    ))
    body = only_request(rsps).body
    assert b'"amount":1180591620717411303424' in body
    assert json.loads(body)["postings"][0]["amount"] == 2**70


def test_json_body_of_bulk_union_elements(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    rsps.post(ANY_URL, json={"data": []})
    client.ledger.v2.create_bulk(request=operations.V2CreateBulkRequest(ledger="main", request_body=[
        shared.V2BulkElementCreateTransaction(action="CREATE_TRANSACTION", ik="ik-1", data=shared.V2PostTransaction(
            metadata={}, postings=[shared.V2Posting(amount=1, asset="EUR/2", destination="b", source="world")])),
        shared.V2BulkElementRevertTransaction(
            action="REVERT_TRANSACTION", data=shared.V2BulkElementRevertTransactionData(id=3)),
    ]))
    assert json_body(only_request(rsps)) == [
        {"action": "CREATE_TRANSACTION", "ik": "ik-1", "data": {
            "metadata": {}, "postings": [{"amount": 1, "asset": "EUR/2", "destination": "b", "source": "world"}]}},
        {"action": "REVERT_TRANSACTION", "data": {"id": 3}},
    ]


# --- JSON filter bodies sent with GET and HEAD (ledger v2) -----------------------------------


def test_filter_body_with_get_list_accounts(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    rsps.get(ANY_URL, json=EMPTY_CURSOR)
    client.ledger.v2.list_accounts(request=operations.V2ListAccountsRequest(ledger="main", request_body=FILTER))
    request = only_request(rsps)
    assert request.method == "GET"
    assert request.url == "http://127.0.0.1:8080/api/ledger/v2/main/accounts"
    assert request.body == FILTER_BYTES
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Content-Length"] == str(len(FILTER_BYTES))


def test_filter_body_with_get_list_transactions(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    rsps.get(ANY_URL, json=EMPTY_CURSOR)
    client.ledger.v2.list_transactions(request=operations.V2ListTransactionsRequest(
        ledger="main", request_body={"$match": {"metadata[order]": "42"}}, page_size=5,
    ))
    request = only_request(rsps)
    assert request.method == "GET"
    assert request.body == b'{"$match":{"metadata[order]":"42"}}'


def test_filter_body_with_get_aggregate_balances(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    rsps.get(ANY_URL, json={"data": {"USD/2": 100}})
    res = client.ledger.v2.get_balances_aggregated(request=operations.V2GetBalancesAggregatedRequest(
        ledger="main", request_body=FILTER,
    ))
    request = only_request(rsps)
    assert (request.method, request.body) == ("GET", FILTER_BYTES)
    assert res.v2_aggregate_balances_response.data == {"USD/2": 100}


def test_filter_body_with_head_count_accounts(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    rsps.head(ANY_URL, status=204, headers={"Count": "42"})
    res = client.ledger.v2.count_accounts(request=operations.V2CountAccountsRequest(ledger="main", request_body=FILTER))
    request = only_request(rsps)
    assert request.method == "HEAD"
    assert request.url == "http://127.0.0.1:8080/api/ledger/v2/main/accounts"
    assert request.body == FILTER_BYTES
    assert request.headers["Content-Type"] == "application/json"
    assert res.status_code == 204
    assert res.headers["Count"] == res.headers["count"] == "42"


def test_filter_body_with_head_count_transactions(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    rsps.head(ANY_URL, status=204, headers={"Count": "3"})
    res = client.ledger.v2.count_transactions(request=operations.V2CountTransactionsRequest(
        ledger="main", request_body={"$not": {"$exists": {"metadata": "refunded"}}},
    ))
    request = only_request(rsps)
    assert (request.method, request.body) == ("HEAD", b'{"$not":{"$exists":{"metadata":"refunded"}}}')
    assert res.headers["Count"] == res.headers["count"] == "3"


def test_filter_body_keeps_non_ascii_as_utf8(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    rsps.get(ANY_URL, json=EMPTY_CURSOR)
    client.ledger.v2.list_accounts(request=operations.V2ListAccountsRequest(
        ledger="main", request_body={"$match": {"metadata[city]": "Zürich"}},
    ))
    assert only_request(rsps).body == '{"$match":{"metadata[city]":"Zürich"}}'.encode()


# --- optional bodies left unset or None ------------------------------------------------------


def test_unset_filter_sends_no_body(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    rsps.get(ANY_URL, json=EMPTY_CURSOR)
    client.ledger.v2.list_accounts(request=operations.V2ListAccountsRequest(ledger="main"))
    request = only_request(rsps)
    assert request.body is None
    assert "Content-Type" not in request.headers


def test_head_without_filter_sends_no_body(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    rsps.head(ANY_URL, status=204, headers={"Count": "0"})
    client.ledger.v2.count_transactions(request=operations.V2CountTransactionsRequest(ledger="main", request_body=None))
    request = only_request(rsps)
    assert request.body is None
    assert "Content-Type" not in request.headers


def test_optional_body_none_sends_no_body(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    rsps.post(ANY_URL, status=204)
    client.ledger.v2.create_ledger(
        request=operations.V2CreateLedgerRequest(ledger="books", v2_create_ledger_request=None))
    request = only_request(rsps)
    assert request.url == "http://127.0.0.1:8080/api/ledger/v2/books"
    assert request.body is None
    assert "Content-Type" not in request.headers


def test_optional_body_given_is_sent(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    rsps.post(ANY_URL, status=204)
    client.ledger.v2.create_ledger(request=operations.V2CreateLedgerRequest(
        ledger="books", v2_create_ledger_request=shared.V2CreateLedgerRequest(bucket="bucket0"),
    ))
    assert only_request(rsps).body == b'{"bucket":"bucket0"}'


# --- application/octet-stream request bodies (import logs) -----------------------------------

LOGS = b'{"id":0,"type":"NEW_TRANSACTION"}\n{"id":1,"type":"SET_METADATA"}\n'


def _import(rsps: responses.RequestsMock, client: sdk.SDK, body: object) -> object:
    rsps.post(ANY_URL, status=204)
    res = client.ledger.v2.import_logs(request=operations.V2ImportLogsRequest(ledger="main", request_body=body))
    assert res.status_code == 204
    request = only_request(rsps)
    assert request.url == "http://127.0.0.1:8080/api/ledger/v2/main/logs/import"
    assert request.headers["Content-Type"] == "application/octet-stream"
    return request


def test_import_logs_from_str_sends_utf8_bytes(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    request = _import(rsps, client, LOGS.decode("utf-8") + "é")
    assert request.body == LOGS + "é".encode()


def test_import_logs_from_bytes_sends_them_verbatim(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    request = _import(rsps, client, LOGS)
    assert request.body == LOGS


def test_import_logs_from_binary_file(rsps: responses.RequestsMock, client: sdk.SDK, tmp_path: Path) -> None:
    dump = tmp_path / "ledger-main.logs"
    dump.write_bytes(LOGS)
    with dump.open("rb") as handle:
        request = _import(rsps, client, handle)
    assert request.body == LOGS


def test_import_logs_from_in_memory_stream(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    request = _import(rsps, client, io.BytesIO(LOGS))
    assert request.body == LOGS


def test_import_logs_without_body_sends_nothing(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    rsps.post(ANY_URL, status=204)
    client.ledger.v2.import_logs(request=operations.V2ImportLogsRequest(ledger="main"))
    request = only_request(rsps)
    assert request.body is None
    assert "Content-Type" not in request.headers


# --- application/octet-stream responses (export logs) ----------------------------------------


def test_export_logs_is_streamed_not_preloaded(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    rsps.post(ANY_URL, body=LOGS, content_type="application/octet-stream")
    res = client.ledger.v2.export_logs(request=operations.V2ExportLogsRequest(ledger="main"))
    call = only_request(rsps)
    assert call.url == "http://127.0.0.1:8080/api/ledger/v2/main/logs/export"
    assert call.req_kwargs["stream"] is True
    assert "application/octet-stream" in call.headers["Accept"]
    assert res.status_code == 200
    assert res.content_type == "application/octet-stream"
    # Nothing has been read yet: the caller decides how to consume the body.
    assert res.raw_response._content_consumed is False
    assert b"".join(res.raw_response.iter_content(chunk_size=16)) == LOGS


def test_json_operations_are_not_streamed(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    rsps.get(ANY_URL, json=EMPTY_CURSOR)
    client.ledger.v2.list_accounts(request=operations.V2ListAccountsRequest(ledger="main"))
    assert only_request(rsps).req_kwargs["stream"] is False


@pytest.mark.parametrize("status", [500, 404])
def test_export_logs_error_status_is_raised(rsps: responses.RequestsMock, client: sdk.SDK, status: int) -> None:
    from sdk.models import errors

    rsps.post(ANY_URL, body=b"ledger not found", status=status, content_type="text/plain")
    with pytest.raises(errors.SDKError) as caught:
        client.ledger.v2.export_logs(request=operations.V2ExportLogsRequest(ledger="main"))
    assert caught.value.status_code == status
    assert caught.value.body == "ledger not found"
