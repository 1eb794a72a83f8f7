"""Parameters on the wire: path escaping, query styles, scalar formats and header parameters."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Dict, List, Optional

import pytest
import responses

import sdk
from sdk._runtime.model_base import Model
from sdk._runtime.model_fields import query_param
from sdk._runtime.params import RequestPlan
from sdk.models import errors, operations, shared

from .conftest import only_request, path_of, query_of

ANY_URL = re.compile(r"http://127\.0\.0\.1:8080/.*")
ACCOUNT = {"data": {"address": "users:001", "metadata": {}}}
TX_CURSOR = {"cursor": {"pageSize": 15, "hasMore": False, "data": []}}
ACCOUNTS_CURSOR_V1 = {"cursor": {"pageSize": 15, "hasMore": False, "data": []}}


# --- path parameters -------------------------------------------------------------------------


def _get_account_path(rsps: responses.RequestsMock, client: sdk.SDK, ledger: str, address: str) -> str:
    rsps.get(ANY_URL, json=ACCOUNT)
    client.ledger.v2.get_account(request=operations.V2GetAccountRequest(address=address, ledger=ledger))
    return path_of(only_request(rsps))


def test_path_keeps_colon_of_account_address(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    assert _get_account_path(rsps, client, "main", "users:001") == "/api/ledger/v2/main/accounts/users:001"


def test_path_escapes_slash_inside_a_value(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    path = _get_account_path(rsps, client, "main", "orders/2024/42")
    assert path == "/api/ledger/v2/main/accounts/orders%2F2024%2F42"


def test_path_escapes_traversal_attempt(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    # "../admin" must stay one segment: the slash is escaped, so no other endpoint is reached.
    path = _get_account_path(rsps, client, "main", "../admin")
    assert path == "/api/ledger/v2/main/accounts/..%2Fadmin"


def test_path_escapes_query_fragment_percent_and_space(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    path = _get_account_path(rsps, client, "my ledger", "a?b#c%d")
    assert path == "/api/ledger/v2/my%20ledger/accounts/a%3Fb%23c%25d"


def test_path_encodes_non_ascii_as_utf8(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    assert _get_account_path(rsps, client, "main", "café") == "/api/ledger/v2/main/accounts/caf%C3%A9"


@pytest.mark.parametrize("value", ["..", ".", ""])
def test_path_refuses_dot_segments_and_empty_values(rsps: responses.RequestsMock, client: sdk.SDK, value: str) -> None:
    with pytest.raises(errors.RequestValidationError) as caught:
        client.ledger.v2.get_account(request=operations.V2GetAccountRequest(address=value, ledger="main"))
    assert caught.value.field == "request.address"
    assert len(rsps.calls) == 0


def test_path_bigint_id_is_written_in_full(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    rsps.get(ANY_URL, json={"data": {"id": 2**70, "postings": [], "metadata": {}, "reverted": False,
                                     "timestamp": "2024-01-02T03:04:05Z"}})
    client.ledger.v2.get_transaction(request=operations.V2GetTransactionRequest(id=2**70, ledger="main"))
    assert path_of(only_request(rsps)) == "/api/ledger/v2/main/transactions/1180591620717411303424"


# --- query parameters: form style ------------------------------------------------------------


def _list_v2_transactions(rsps: responses.RequestsMock, client: sdk.SDK, **kwargs: object) -> list:
    rsps.get(ANY_URL, json=TX_CURSOR)
    client.ledger.v2.list_transactions(request=operations.V2ListTransactionsRequest(ledger="main", **kwargs))
    return query_of(only_request(rsps))


def test_query_booleans_are_lowercase_true(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    assert _list_v2_transactions(rsps, client, reverse=True) == [("reverse", "true")]


def test_query_booleans_are_lowercase_false(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    # False is a value, not "absent": it must be sent.
    assert _list_v2_transactions(rsps, client, reverse=False) == [("reverse", "false")]


def test_query_unset_optionals_are_not_sent(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    rsps.get(ANY_URL, json=TX_CURSOR)
    client.ledger.v2.list_transactions(request=operations.V2ListTransactionsRequest(ledger="main"))
    assert only_request(rsps).url == "http://127.0.0.1:8080/api/ledger/v2/main/transactions"


def test_query_int_enum_and_string(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    pairs = _list_v2_transactions(
        rsps, client, page_size=100, order=operations.Order.EFFECTIVE, expand="volumes,effectiveVolumes",
    )
    assert sorted(pairs) == [("expand", "volumes,effectiveVolumes"), ("order", "effective"), ("pageSize", "100")]


@pytest.mark.parametrize(
    ("value", "wire"),
    [
        (dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc), "2024-01-02T03:04:05Z"),
        (dt.datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=dt.timezone.utc), "2024-01-02T03:04:05.123456Z"),
        (dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=2))), "2024-01-02T03:04:05+02:00"),
        (dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone(-dt.timedelta(hours=5, minutes=30))),
         "2024-01-02T03:04:05-05:30"),
        # A naive datetime is taken as UTC so that the wire value is still RFC 3339.
        (dt.datetime(2024, 1, 2, 3, 4, 5), "2024-01-02T03:04:05Z"),
    ],
)
def test_query_datetimes_are_rfc3339(
    rsps: responses.RequestsMock, client: sdk.SDK, value: dt.datetime, wire: str
) -> None:
    assert _list_v2_transactions(rsps, client, pit=value) == [("pit", wire)]


def test_query_reserved_characters_are_escaped(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    rsps.get(ANY_URL, json=TX_CURSOR)
    cursor = "a+b=c&d e/f?"
    client.ledger.v2.list_transactions(request=operations.V2ListTransactionsRequest(ledger="main", cursor=cursor))
    request = only_request(rsps)
    assert query_of(request) == [("cursor", cursor)]
    assert request.url.endswith("?cursor=a%2Bb%3Dc%26d%20e%2Ff%3F")


def test_query_array_explode_true_repeats_the_key(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    rsps.get(ANY_URL, json={"cursor": {"pageSize": 15, "hasMore": False, "data": []}})
    client.payments.v1.list_payments(
        request=operations.ListPaymentsRequest(page_size=20, sort=["createdAt:desc", "id:asc"])
    )
    assert query_of(only_request(rsps)) == [("pageSize", "20"), ("sort", "createdAt:desc"), ("sort", "id:asc")]


def test_query_v1_datetimes_and_default_page_size(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    rsps.get(ANY_URL, json=TX_CURSOR)
    client.ledger.v1.list_transactions(request=operations.ListTransactionsRequest(
        ledger="ledger001",
        start_time=dt.datetime(2023, 12, 31, 23, 0, tzinfo=dt.timezone.utc),
        end_time=dt.datetime(2024, 1, 1, 1, 0, tzinfo=dt.timezone(dt.timedelta(hours=1))),
    ))
    assert sorted(query_of(only_request(rsps))) == [
        ("endTime", "2024-01-01T01:00:00+01:00"),
        ("pageSize", "15"),
        ("startTime", "2023-12-31T23:00:00Z"),
    ]


# --- query parameters: deepObject (metadata filters) -----------------------------------------


def test_deep_object_metadata_filter(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    rsps.get(ANY_URL, json=ACCOUNTS_CURSOR_V1)
    client.ledger.v1.list_accounts(request=operations.ListAccountsRequest(
        ledger="ledger001", metadata={"role": "admin", "tier": "gold"}, page_size=None,
    ))
    request = only_request(rsps)
    assert query_of(request) == [("metadata[role]", "admin"), ("metadata[tier]", "gold")]
    # The brackets are percent-encoded on the wire, as RFC 3986 requires in a query key.
    assert "metadata%5Brole%5D=admin" in request.url


def test_deep_object_scalar_values_use_wire_formats(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    rsps.get(ANY_URL, json=TX_CURSOR)
    client.ledger.v1.list_transactions(request=operations.ListTransactionsRequest(
        ledger="ledger001", metadata={"vip": True, "score": 7}, page_size=None,
    ))
    assert query_of(only_request(rsps)) == [("metadata[vip]", "true"), ("metadata[score]", "7")]


def test_deep_object_with_string_map_on_wallets(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    rsps.get(ANY_URL, json={"cursor": {"pageSize": 15, "hasMore": False, "data": []}})
    client.wallets.v1.list_wallets(request=operations.ListWalletsRequest(
        metadata={"owner": "users:001"}, name="main wallet",
    ))
    assert sorted(query_of(only_request(rsps))) == [
        ("metadata[owner]", "users:001"), ("name", "main wallet"), ("pageSize", "15"),
    ]


def test_deep_object_nested_value_nests_the_brackets(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    # Never Python's repr (`metadata[customer]={'tier': 'gold'}`) on the wire.
    rsps.get(ANY_URL, json=ACCOUNTS_CURSOR_V1)
    client.ledger.v1.list_accounts(request=operations.ListAccountsRequest(
        ledger="ledger001", metadata={"customer": {"tier": "gold", "tags": ["a", "b"]}}, page_size=None,
    ))
    assert query_of(only_request(rsps)) == [
        ("metadata[customer][tier]", "gold"), ("metadata[customer][tags]", "a"), ("metadata[customer][tags]", "b"),
    ]


# --- form style with explode=false (no operation uses it yet: exercised on the plan directly) --


@dataclasses.dataclass
class _FormRequest(Model):
    ids: Optional[List[str]] = query_param("ids", default=None, explode=False)
    tags: Optional[List[str]] = query_param("tags", default=None, explode=True)
    point: Optional[Dict[str, int]] = query_param("point", default=None, explode=False)
    where: Optional[Dict[str, str]] = query_param("where", default=None, explode=True)
    flag: Optional[bool] = query_param("flag", default=None, explode=False)


def _query_pairs(request: _FormRequest) -> list:
    plan = RequestPlan(_FormRequest, None, None, None, False)
    _, query, _, _ = plan.build("/x", request)
    return query


def test_form_explode_false_joins_array_with_commas() -> None:
    assert _query_pairs(_FormRequest(ids=["a", "b", "c"])) == [("ids", "a,b,c")]


def test_form_explode_true_repeats_array_key() -> None:
    assert _query_pairs(_FormRequest(tags=["a", "b"])) == [("tags", "a"), ("tags", "b")]


def test_form_explode_false_object_is_key_value_list() -> None:
    assert _query_pairs(_FormRequest(point={"x": 1, "y": 2})) == [("point", "x,1,y,2")]


def test_form_explode_true_object_spreads_its_keys() -> None:
    assert _query_pairs(_FormRequest(where={"a": "1", "b": "2"})) == [("a", "1"), ("b", "2")]


def test_form_explode_false_scalar_is_plain() -> None:
    assert _query_pairs(_FormRequest(flag=False)) == [("flag", "false")]


# --- header parameters -----------------------------------------------------------------------


def _create_transaction(rsps: responses.RequestsMock, client: sdk.SDK, **kwargs: object) -> object:
    rsps.post(ANY_URL, json={"data": {"id": 1, "postings": [], "metadata": {}, "reverted": False,
                                      "timestamp": "2024-01-02T03:04:05Z"}})
    client.ledger.v2.create_transaction(request=operations.V2CreateTransactionRequest(
        ledger="main",
        v2_post_transaction=shared.V2PostTransaction(metadata={}, postings=[shared.V2Posting(
            amount=100, asset="USD/2", destination="users:001", source="world")]),
        **kwargs,
    ))
    return only_request(rsps)


def test_idempotency_key_header_is_sent(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    request = _create_transaction(rsps, client, idempotency_key="order-42-payment")
    assert request.headers["Idempotency-Key"] == "order-42-payment"


def test_idempotency_key_absent_when_unset_and_no_retries(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    request = _create_transaction(rsps, client)
    assert "Idempotency-Key" not in request.headers


def test_query_and_header_together(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    request = _create_transaction(rsps, client, idempotency_key="k1", dry_run=True)
    assert query_of(request) == [("dryRun", "true")]
    assert request.headers["Idempotency-Key"] == "k1"
    assert path_of(request) == "/api/ledger/v2/main/transactions"
