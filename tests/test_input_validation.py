"""Bad input raises errors.RequestValidationError naming the field, before any network I/O."""

from __future__ import annotations

import datetime as dt
from typing import Any, Callable, Iterator

import pytest
import responses

import sdk
from sdk.models import errors, operations, shared

from .conftest import BASE_URL


@pytest.fixture
def s(rsps: responses.RequestsMock) -> Iterator[sdk.SDK]:
    """A client with credentials and a mock that answers nothing: any I/O would be recorded."""
    yield sdk.SDK(server_url=BASE_URL, security=shared.Security(client_id="id", client_secret="secret"))
    assert len(rsps.calls) == 0, "validation must happen before the token request and the call"


def _posting(**overrides: Any) -> shared.V2Posting:
    values: dict = {"amount": 100, "asset": "USD/2", "destination": "users:001", "source": "world"}
    values.update(overrides)
    return shared.V2Posting(**values)


def _create(s: sdk.SDK, *postings: shared.V2Posting, metadata: Any = None) -> Callable[[], Any]:
    return lambda: s.ledger.v2.create_transaction(request=operations.V2CreateTransactionRequest(
        ledger="main",
        v2_post_transaction=shared.V2PostTransaction(metadata=metadata if metadata is not None else {},
                                                     postings=list(postings)),
    ))


def _field_of(call: Callable[[], Any]) -> str:
    with pytest.raises(errors.RequestValidationError) as caught:
        call()
    assert isinstance(caught.value, ValueError)
    assert str(caught.value).startswith(caught.value.field + ":")
    return caught.value.field


# --- missing required values -----------------------------------------------------------------


def test_missing_required_body(s: sdk.SDK) -> None:
    call = lambda: s.ledger.v2.create_transaction(  # noqa: E731
        request=operations.V2CreateTransactionRequest(ledger="main", v2_post_transaction=None))  # type: ignore[arg-type]
    assert _field_of(call) == "request.v2_post_transaction"


def test_missing_required_path_parameter(s: sdk.SDK) -> None:
    call = lambda: s.ledger.v2.get_account(  # noqa: E731
        request=operations.V2GetAccountRequest(address=None, ledger="main"))  # type: ignore[arg-type]
    assert _field_of(call) == "request.address"


def test_missing_required_nested_property(s: sdk.SDK) -> None:
    assert _field_of(_create(s, _posting(asset=None))) == "request.v2_post_transaction.postings[0].asset"


def test_missing_request_object(s: sdk.SDK) -> None:
    assert _field_of(lambda: s.ledger.v2.create_transaction(request=None)) == "request"  # type: ignore[arg-type]


# --- wrong types -----------------------------------------------------------------------------


@pytest.mark.parametrize("amount", ["100", 1.5, True, None])
def test_wrong_type_of_nested_amount(s: sdk.SDK, amount: Any) -> None:
    assert _field_of(_create(s, _posting(amount=amount))) == "request.v2_post_transaction.postings[0].amount"


def test_error_names_the_list_index(s: sdk.SDK) -> None:
    call = _create(s, _posting(), _posting(), _posting(destination=42))
    assert _field_of(call) == "request.v2_post_transaction.postings[2].destination"


def test_wrong_type_inside_a_map(s: sdk.SDK) -> None:
    call = _create(s, _posting(), metadata={"order": 42})
    assert _field_of(call) == "request.v2_post_transaction.metadata['order']"


def test_wrong_type_of_query_parameter(s: sdk.SDK) -> None:
    call = lambda: s.ledger.v2.list_transactions(  # noqa: E731
        request=operations.V2ListTransactionsRequest(ledger="main", page_size="ten"))  # type: ignore[arg-type]
    assert _field_of(call) == "request.page_size"


def test_string_where_a_boolean_is_expected(s: sdk.SDK) -> None:
    call = lambda: s.ledger.v2.list_transactions(  # noqa: E731
        request=operations.V2ListTransactionsRequest(ledger="main", reverse="yes"))  # type: ignore[arg-type]
    assert _field_of(call) == "request.reverse"


def test_string_where_a_datetime_is_expected(s: sdk.SDK) -> None:
    call = lambda: s.ledger.v2.list_transactions(  # noqa: E731
        request=operations.V2ListTransactionsRequest(ledger="main", pit="2024-01-01"))  # type: ignore[arg-type]
    assert _field_of(call) == "request.pit"


def test_wrong_model_inside_the_body(s: sdk.SDK) -> None:
    legacy = shared.Posting(amount=1, asset="USD/2", destination="a", source="world")  # the v1 class
    call = _create(s, legacy)  # type: ignore[arg-type]
    assert _field_of(call) == "request.v2_post_transaction.postings[0]"


# --- enums -----------------------------------------------------------------------------------


def test_unknown_enum_value_for_a_query_parameter(s: sdk.SDK) -> None:
    call = lambda: s.ledger.v2.list_transactions(  # noqa: E731
        request=operations.V2ListTransactionsRequest(ledger="main", order="newest"))  # type: ignore[arg-type]
    with pytest.raises(errors.RequestValidationError) as caught:
        call()
    assert caught.value.field == "request.order"
    assert "'effective'" in caught.value.problem  # the allowed values are listed


def test_unknown_enum_value_for_a_path_parameter(s: sdk.SDK) -> None:
    call = lambda: s.payments.v1.read_connector_config_v1(  # noqa: E731
        request=operations.ReadConnectorConfigV1Request(connector="PAYPAL", connector_id="c1"))  # type: ignore[arg-type]
    assert _field_of(call) == "request.connector"


def test_enum_value_given_as_its_string_is_accepted(rsps: responses.RequestsMock) -> None:
    rsps.get(BASE_URL + "/api/ledger/v2/main/transactions",
             json={"cursor": {"pageSize": 15, "hasMore": False, "data": []}})
    sdk.SDK(server_url=BASE_URL).ledger.v2.list_transactions(
        request=operations.V2ListTransactionsRequest(ledger="main", order="effective"))  # type: ignore[arg-type]
    assert rsps.calls[0].request.url.endswith("?order=effective")


# --- wrong request class ---------------------------------------------------------------------


def test_wrong_request_class(s: sdk.SDK) -> None:
    wrong = operations.V2GetAccountRequest(address="users:001", ledger="main")
    with pytest.raises(errors.RequestValidationError) as caught:
        s.ledger.v2.create_transaction(request=wrong)  # type: ignore[arg-type]
    assert caught.value.field == "request"
    assert "V2CreateTransactionRequest" in caught.value.problem
    assert "V2GetAccountRequest" in caught.value.problem


def test_dict_instead_of_request_class(s: sdk.SDK) -> None:
    call = lambda: s.ledger.v2.get_account(request={"address": "users:001", "ledger": "main"})  # type: ignore[arg-type]  # noqa: E731,E501
    assert _field_of(call) == "request"


def test_validation_error_is_a_formance_error_with_the_problem(s: sdk.SDK) -> None:
    with pytest.raises(errors.RequestValidationError) as caught:
        _create(s, _posting(amount="1"))()
    assert isinstance(caught.value, errors.FormanceError)
    assert caught.value.problem == "expected int, got str '1'"


def test_naive_and_aware_datetimes_are_both_valid_input(rsps: responses.RequestsMock) -> None:
    rsps.get(BASE_URL + "/api/ledger/v2/main/transactions",
             json={"cursor": {"pageSize": 15, "hasMore": False, "data": []}})
    client = sdk.SDK(server_url=BASE_URL)
    for pit in (dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)):
        client.ledger.v2.list_transactions(request=operations.V2ListTransactionsRequest(ledger="main", pit=pit))
    assert len(rsps.calls) == 2
