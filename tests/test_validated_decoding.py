"""The decoding and sending rules of issue 9 / issue 10 (4, 5), one test (or more) per rule.

Each test would fail without its rule: validated decoding with JSON paths, integers as decimal
strings, spec defaults, union order, bodies and statuses, explicit null, envelope headers,
pseudo-members for unknown enum values, request constraints, enum round trips, binary bodies.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import inspect
import io
import json
import re
import sys
from typing import Any, Dict

import pytest
import responses

import sdk
from sdk._runtime import codec
from sdk._runtime.constraints import Constraints
from sdk._runtime.model_base import Model
from sdk._runtime.model_fields import UNSET, model, prop
from sdk.models import errors, operations, shared

from .conftest import json_body, only_request

ANY_URL = re.compile(r"http://127\.0\.0\.1:8080/.*")
BIG = 2**70


def _tx(**overrides: Any) -> Dict[str, Any]:
    tx: Dict[str, Any] = {
        "id": 12,
        "postings": [{"amount": 100, "asset": "USD/2", "destination": "users:001", "source": "world"}],
        "metadata": {},
        "reverted": False,
        "timestamp": "2024-01-02T03:04:05Z",
    }
    tx.update(overrides)
    return tx


def _get_tx(rsps: responses.RequestsMock, client: sdk.SDK, payload: Any, status: int = 200) -> Any:
    rsps.get(ANY_URL, body=json.dumps(payload), status=status, content_type="application/json")
    return client.ledger.v2.get_transaction(request=operations.V2GetTransactionRequest(id=12, ledger="main"))


# --- validated decoding ------------------------------------------------------------------------


def test_a_wrong_type_deep_in_a_response_names_its_json_path(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    postings = [dict(_tx()["postings"][0]) for _ in range(4)]
    postings[3]["amount"] = "abc"
    with pytest.raises(errors.ResponseValidationError) as caught:
        _get_tx(rsps, client, {"data": _tx(postings=postings)})
    error = caught.value
    assert error.message == 'data.postings[3].amount: expected integer, got "abc"'
    assert (error.path, error.status_code) == ("data.postings[3].amount", 200)
    assert error.raw_response is not None and error.raw_response.json()["data"]["id"] == 12


def test_get_ledger_with_a_number_for_a_name_is_refused(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    rsps.get(ANY_URL, json={"data": {"name": 5}})
    with pytest.raises(errors.ResponseValidationError) as caught:
        client.ledger.v2.get_ledger(request=operations.V2GetLedgerRequest(ledger="main"))
    assert caught.value.path in ("data.addedAt", "data.bucket")  # required, absent (first in field order)
    assert caught.value.problem == "required property missing"


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("reverted", "false", 'expected boolean, got "false"'),
        ("timestamp", "yesterday", 'expected an RFC 3339 date-time string, got "yesterday"'),
        ("metadata", [], "expected a JSON object, got []"),
        ("postings", {}, "expected an array, got {}"),
        ("id", None, "expected integer, got null"),  # required and not nullable
    ],
)
def test_scalar_and_container_types_are_checked(field: str, value: Any, problem: str) -> None:
    with pytest.raises(errors.ResponseValidationError) as caught:
        shared.V2Transaction.from_dict(_tx(**{field: value}))
    assert (caught.value.path, caught.value.problem) == (field, problem)


def test_from_dict_and_from_json_raise_without_a_response() -> None:
    with pytest.raises(errors.ResponseValidationError) as caught:
        shared.V2Transaction.from_dict({"id": "abc"})
    assert caught.value.raw_response is None and caught.value.status_code == -1
    assert str(caught.value).startswith("id: expected integer")
    with pytest.raises(errors.ResponseValidationError):
        shared.V2Posting.from_json('{"amount": 1, "asset": "USD/2", "source": "world"}')  # destination missing
    with pytest.raises(errors.ResponseValidationError, match="not valid JSON"):
        shared.V2Posting.from_json("{nope")


def test_unknown_fields_are_ignored_and_null_optional_fields_are_none() -> None:
    tx = shared.V2Transaction.from_dict(_tx(reference=None, insertedAt="2024-01-01T00:00:00Z", newField={"x": 1}))
    assert tx.reference is None and tx.id == 12


# --- integers --------------------------------------------------------------------------------


@pytest.mark.parametrize("wire", [BIG, str(BIG)], ids=["json-integer", "decimal-string"])
def test_bigint_and_int64_accept_an_integer_or_a_decimal_string(wire: Any) -> None:
    posting = shared.V2Posting.from_dict({"amount": wire, "asset": "USD/2", "destination": "a", "source": "world"})
    assert posting.amount == BIG and type(posting.amount) is int
    tx = shared.V2Transaction.from_dict(_tx(id=str(BIG) if isinstance(wire, str) else BIG))  # int64 id
    assert tx.id == BIG and type(tx.id) is int


@pytest.mark.parametrize("text", ["1.5", "1e30", "1.0", "-0.0", "1E2"])
def test_a_fraction_or_an_exponent_in_an_integer_field_is_an_error(text: str) -> None:
    raw = '{"amount": ' + text + ', "asset": "USD/2", "destination": "a", "source": "world"}'
    with pytest.raises(errors.ResponseValidationError, match="expected integer"):
        shared.V2Posting.from_json(raw)


@pytest.mark.parametrize("text", ["12a", "", " 12", "1_000", "+5", "0x10", "١٢"])
def test_only_plain_decimal_strings_are_integers(text: str) -> None:
    with pytest.raises(errors.ResponseValidationError, match="expected integer"):
        shared.V2Posting.from_dict({"amount": text, "asset": "USD/2", "destination": "a", "source": "world"})


def test_big_integers_are_sent_as_exact_json_integers_never_strings(
    rsps: responses.RequestsMock, client: sdk.SDK
) -> None:
    rsps.post(ANY_URL, json={"data": _tx(id=BIG, postings=[{"amount": str(BIG), "asset": "USD/2",
                                                            "destination": "users:1", "source": "world"}])})
    res = client.ledger.v2.create_transaction(request=operations.V2CreateTransactionRequest(
        ledger="main", v2_post_transaction=shared.V2PostTransaction(metadata={}, postings=[
            shared.V2Posting(amount=BIG, asset="USD/2", destination="users:1", source="world")])))
    assert b'"amount":1180591620717411303424' in only_request(rsps).body
    assert res.v2_create_transaction_response.data.postings[0].amount == BIG
    with pytest.raises(errors.RequestValidationError, match=r"postings\[0\]\.amount: expected int, got str"):
        client.ledger.v2.create_transaction(request=operations.V2CreateTransactionRequest(
            ledger="main", v2_post_transaction=shared.V2PostTransaction(metadata={}, postings=[
                shared.V2Posting(amount=str(BIG), asset="USD/2", destination="users:1",  # type: ignore[arg-type]
                                 source="world")])))


# --- spec defaults -------------------------------------------------------------------------------


def test_absent_fields_take_the_spec_default(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    rsps.get(ANY_URL, json={"data": {"name": "stripe", "apiKey": "sk"}})
    res = client.payments.v1.read_connector_config_v1(request=operations.ReadConnectorConfigV1Request(
        connector=shared.Connector.STRIPE, connector_id="c"))
    config = res.connector_config_response.data
    assert type(config) is shared.StripeConfig
    assert (config.polling_period, config.page_size) == ("120s", 10)
    transfer = shared.V2ActivityStripeTransfer.from_dict({"amount": 5})
    assert transfer.waiting_validation is False
    # An explicit null is data: it stays None.
    assert shared.StripeConfig.from_dict({"name": "s", "apiKey": "k", "pollingPeriod": None}).polling_period is None


# --- unions ----------------------------------------------------------------------------------------


def test_an_empty_stage_input_is_the_first_declared_branch() -> None:
    history = {"name": "s", "startedAt": "2024-01-01T00:00:00Z", "terminated": False, "input": {}}
    assert type(shared.V2WorkflowInstanceHistory.from_dict(history).input) is shared.V2StageSend
    assert type(shared.WorkflowInstanceHistory.from_dict(history).input) is shared.StageSend


IDENTICAL_TASK = {"id": "t", "connectorID": "c", "createdAt": "2024-01-02T03:04:05Z",
                  "updatedAt": "2024-01-02T03:04:05Z", "status": "ACTIVE", "state": {},
                  "descriptor": {"name": "fetch"}}


@pytest.mark.parametrize(
    ("connector", "cls"),
    [(shared.Connector.WISE, shared.TaskWise), (shared.Connector.CURRENCY_CLOUD, shared.TaskCurrencyCloud),
     (shared.Connector.MONEYCORP, shared.TaskMoneycorp), (shared.Connector.DUMMY_PAY, shared.TaskDummyPay)],
)
def test_a_tie_goes_to_the_connector_the_request_names(
    rsps: responses.RequestsMock, client: sdk.SDK, connector: shared.Connector, cls: type
) -> None:
    rsps.get(ANY_URL, json={"data": IDENTICAL_TASK})
    res = client.payments.v1.get_connector_task_v1(request=operations.GetConnectorTaskV1Request(
        connector=connector, connector_id="c", task_id="t"))
    assert type(res.task_response.data) is cls


def test_the_hint_is_an_explicit_argument_and_only_breaks_ties() -> None:
    tasks = shared.TaskResponse
    # TaskStripe needs descriptor.account; TaskWise is the first declared branch that fits.
    assert type(codec.decode(tasks, {"data": IDENTICAL_TASK}).data) is shared.TaskWise
    assert type(codec.decode(tasks, {"data": IDENTICAL_TASK}, "CURRENCY-CLOUD").data) is shared.TaskCurrencyCloud
    assert not hasattr(codec, "branch_hint")  # no ContextVar shared with the pipeline
    more = dict(IDENTICAL_TASK, descriptor={"name": "fetch", "key": "k", "profileID": 3})
    assert type(codec.decode(tasks, {"data": more}, "CURRENCY-CLOUD").data) is shared.TaskWise  # the data decides


def test_the_branch_accounting_for_most_fields_wins_and_keeps_them() -> None:
    modulr = {"name": "m", "apiKey": "k", "apiSecret": "s", "endpoint": "https://e"}
    config = codec.decode(shared.ConnectorConfigResponse, {"data": modulr}).data
    assert type(config) is shared.ModulrConfig and config.api_secret == "s"


def test_a_value_no_branch_can_hold_is_an_error() -> None:
    with pytest.raises(errors.ResponseValidationError, match=r"^data: matches none of StripeConfig \| "):
        shared.ConnectorConfigResponse.from_dict({"data": {"name": 5}})


def test_the_discriminator_decides_when_present() -> None:
    subject = {"type": "WALLET", "identifier": "w"}  # an account subject has the same shape
    hold = {"id": "h", "walletID": "w", "description": "d", "metadata": {}, "destination": subject}
    assert type(shared.Hold.from_dict(hold).destination) is shared.WalletSubject


# --- bodies and statuses -----------------------------------------------------------------------


@pytest.mark.parametrize("body", [b"", b"  \n", b"<html>oops</html>", b"[1,"])
def test_an_empty_or_non_json_body_where_json_is_documented_is_an_error(
    rsps: responses.RequestsMock, client: sdk.SDK, body: bytes
) -> None:
    rsps.get(ANY_URL, body=body, status=200, content_type="application/json")
    with pytest.raises(errors.ResponseValidationError) as caught:
        client.ledger.v2.get_transaction(request=operations.V2GetTransactionRequest(id=12, ledger="main"))
    assert caught.value.raw_response is not None and caught.value.path == ""


def test_an_undocumented_2xx_decodes_with_the_success_schema(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    rsps.post(ANY_URL, json={"data": _tx(reverted=True)}, status=200)  # documented: 201
    res = client.ledger.v2.revert_transaction(request=operations.V2RevertTransactionRequest(id=12, ledger="main"))
    assert res.status_code == 200 and res.v2_revert_transaction_response.data.reverted is True


def test_a_no_content_response_with_a_body_is_fine(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    rsps.post(ANY_URL, json={"ok": True}, status=200)  # documented: 204, no content
    res = client.ledger.v2.add_metadata_on_transaction(request=operations.V2AddMetadataOnTransactionRequest(
        id=12, ledger="main", request_body={"a": "b"}))
    assert res.status_code == 200


# --- explicit null -------------------------------------------------------------------------------


def _credit(rsps: responses.RequestsMock, client: sdk.SDK, **fields: Any) -> Any:
    rsps.post(ANY_URL, status=204)
    amount = shared.Monetary(amount=5, asset="USD/2")
    client.wallets.v1.credit_wallet(request=operations.CreditWalletRequest(
        id="w", credit_wallet_request=shared.CreditWalletRequest(amount=amount, **fields)))
    return json_body(only_request(rsps))


def test_an_explicit_none_on_a_nullable_field_is_sent_as_null(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    sent = _credit(rsps, client, metadata=None, sources=None)
    assert sent["metadata"] is None and sent["sources"] is None


def test_an_unset_nullable_field_is_omitted(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    sent = _credit(rsps, client)
    assert "metadata" not in sent and "sources" not in sent
    assert shared.CreditWalletRequest(amount=shared.Monetary(amount=1, asset="A")).metadata is UNSET
    assert not UNSET and repr(UNSET) == "UNSET"


def test_none_on_a_non_nullable_optional_field_is_omitted(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    sent = _credit(rsps, client, reference=None, balance=None)
    assert "reference" not in sent and "balance" not in sent


def test_the_signature_says_which_fields_are_nullable() -> None:
    field = {f.name: f for f in dataclasses.fields(shared.CreditWalletRequest)}["metadata"]
    assert field.default is UNSET and field.metadata["sdk"].nullable
    source = inspect.getsource(sys.modules[shared.CreditWalletRequest.__module__])
    assert "prop('metadata', default=UNSET, omit=True, nullable=True)" in source
    assert "Nullable: None is sent as JSON null" in source


# --- envelope headers ----------------------------------------------------------------------------


def test_envelope_headers_are_the_responses_own_mapping(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    rsps.head(ANY_URL, status=204, headers={"Count": "42"})
    res = client.ledger.v2.count_transactions(request=operations.V2CountTransactionsRequest(ledger="main"))
    assert res.headers["count"] == res.headers["Count"] == "42"
    assert int(res.headers["Count"]) == 42
    assert res.headers is res.raw_response.headers


# --- enums -----------------------------------------------------------------------------------------


def test_an_unknown_error_code_is_still_an_instance_of_its_enum(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    rsps.get(ANY_URL, status=400, json={"errorCode": "BRAND_NEW", "errorMessage": "newer server"})
    with pytest.raises(errors.V2ErrorResponse) as caught:
        client.ledger.v2.get_ledger(request=operations.V2GetLedgerRequest(ledger="main"))
    code = caught.value.error_code
    assert isinstance(code, shared.V2ErrorsEnum) and code.value == "BRAND_NEW" and code == "BRAND_NEW"
    assert shared.V2ErrorsEnum("BRAND_NEW") is code  # one pseudo-member per value
    with pytest.raises(ValueError):
        shared.V2ErrorsEnum(42)  # the wrong type is still refused


def test_enum_fields_accept_members_and_values_the_sdk_decoded(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    def send(value: Any) -> Any:
        rsps.post(ANY_URL, status=201, json={"data": {"id": "t", "name": "n"}})
        return client.payments.v1.create_account(request=shared.AccountRequest(
            connector_id="c", created_at=dt.datetime(2024, 1, 1), reference="r", type=value))

    decoded = shared.AccountType("SOMETHING_NEW")  # what decoding a newer server's value gives
    for value in (shared.AccountType.INTERNAL, "INTERNAL", decoded):
        try:
            send(value)
        except errors.ResponseValidationError:
            pass  # the mocked answer is not an account; only what was sent matters here
    sent = [json.loads(call.request.body)["type"] for call in rsps.calls]
    assert sent == ["INTERNAL", "INTERNAL", "SOMETHING_NEW"]
    with pytest.raises(errors.RequestValidationError, match="is not a valid AccountType"):
        send("TYPO")


# --- request constraints ---------------------------------------------------------------------------


def test_a_negative_amount_is_refused_before_sending(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    with pytest.raises(errors.RequestValidationError) as caught:
        client.ledger.v2.create_transaction(request=operations.V2CreateTransactionRequest(
            ledger="main", v2_post_transaction=shared.V2PostTransaction(metadata={}, postings=[
                shared.V2Posting(amount=1, asset="USD/2", destination="a", source="world"),
                shared.V2Posting(amount=-5, asset="USD/2", destination="a", source="world")])))
    assert caught.value.field == "request.v2_post_transaction.postings[1].amount"
    assert caught.value.problem == "must be >= 0, got -5"
    assert not rsps.calls


@pytest.mark.parametrize(("page_size", "problem"), [(0, "must be >= 1, got 0"), (1001, "must be <= 1000, got 1001")])
def test_query_parameters_are_checked(rsps: responses.RequestsMock, client: sdk.SDK, page_size: int,
                                      problem: str) -> None:
    with pytest.raises(errors.RequestValidationError) as caught:
        client.ledger.v2.list_transactions(request=operations.V2ListTransactionsRequest(
            ledger="main", page_size=page_size))
    assert (caught.value.field, caught.value.problem) == ("request.page_size", problem)
    assert not rsps.calls


def test_decoded_responses_are_not_held_to_request_constraints() -> None:
    assert shared.V2Posting.from_dict({"amount": -5, "asset": "A", "destination": "d", "source": "s"}).amount == -5


@model
class _Labelled(Model):
    code: str = prop("code", min_length=2, max_length=4, pattern="^[A-Z]+$")


@pytest.mark.parametrize(
    ("code", "problem"),
    [("A", "must be at least 2 characters long, got 1"), ("ABCDE", "must be at most 4 characters long, got 5"),
     ("ab", "must match the pattern '^[A-Z]+$', got 'ab'")],
)
def test_string_constraints(code: str, problem: str) -> None:
    with pytest.raises(errors.RequestValidationError) as caught:
        codec.encode_value(_Labelled(code), _Labelled, "request")
    assert (caught.value.field, caught.value.problem) == ("request.code", problem)
    assert codec.encode_value(_Labelled("ABC"), _Labelled, "request") == {"code": "ABC"}
    assert Constraints(minimum=0).problem(True) is None  # bools are not numbers here


# --- binary bodies -----------------------------------------------------------------------------------


@pytest.mark.parametrize("body", ['{"id":1}\n', b'{"id":1}\n', io.BytesIO(b'{"id":1}\n')], ids=["str", "bytes", "file"])
def test_import_logs_accepts_str_bytes_and_binary_files(rsps: responses.RequestsMock, client: sdk.SDK,
                                                        body: Any) -> None:
    rsps.post(ANY_URL, status=204)
    client.ledger.v2.import_logs(request=operations.V2ImportLogsRequest(ledger="main", request_body=body))
    sent = only_request(rsps).body
    assert (sent.read() if hasattr(sent, "read") else sent) in ('{"id":1}\n', b'{"id":1}\n')


def test_a_nullable_body_set_to_none_is_sent_as_null(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    rsps.post(ANY_URL, status=204)
    client.ledger.v1.add_metadata_on_transaction(request=operations.AddMetadataOnTransactionRequest(
        ledger="main", txid=1, request_body=None))
    client.ledger.v1.add_metadata_on_transaction(request=operations.AddMetadataOnTransactionRequest(
        ledger="main", txid=1))
    explicit, unset = (call.request for call in rsps.calls)
    assert explicit.body == b"null" and explicit.headers["Content-Type"] == "application/json"
    assert unset.body is None and "Content-Type" not in unset.headers


@pytest.mark.parametrize("connector", list(shared.Connector), ids=lambda c: c.value)
def test_compiled_and_reference_decoders_agree_with_a_hint(connector: shared.Connector) -> None:
    config = {"name": "c", "apiKey": "k", "clientID": "id", "endpoint": "https://e"}  # Moneycorp = MangoPay
    cases = ((shared.TaskResponse, {"data": IDENTICAL_TASK}), (shared.ConnectorConfigResponse, {"data": config}))
    for tp, data in cases:
        fast = codec.decoder_for(tp)(data, connector.value)
        assert fast == codec.reference_decode(tp, data, connector.value)
        assert type(fast.data) is type(codec.decode(tp, data, connector.value).data)
