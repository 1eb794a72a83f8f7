"""Decoding responses into the dataclass models, through real (mocked) calls."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any, Dict

import pytest
import responses

import sdk
from sdk.models import errors, operations, shared

from .conftest import BASE_URL, json_body, only_request

ANY_URL = re.compile(r"http://127\.0\.0\.1:8080/.*")
BIG = 2**70  # 1180591620717411303424: far beyond a float's 53-bit mantissa
UTC = dt.timezone.utc


def _transaction(**overrides: Any) -> Dict[str, Any]:
    tx: Dict[str, Any] = {
        "id": 12,
        "postings": [{"amount": 100, "asset": "USD/2", "destination": "users:001", "source": "world"}],
        "metadata": {"order": "42"},
        "reverted": False,
        "timestamp": "2024-01-02T03:04:05Z",
    }
    tx.update(overrides)
    return tx


def _get_transaction(rsps: responses.RequestsMock, client: sdk.SDK, body: str) -> shared.V2Transaction:
    rsps.get(ANY_URL, body=body, content_type="application/json")
    res = client.ledger.v2.get_transaction(request=operations.V2GetTransactionRequest(id=12, ledger="main"))
    return res.v2_get_transaction_response.data


# --- big integers ----------------------------------------------------------------------------


def test_bigint_round_trip_through_a_real_call(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    # Sent: the amount is written as an exact JSON integer.
    def echo(request: Any) -> Any:
        posted = json.loads(request.body)
        return 200, {}, json.dumps({"data": _transaction(id=BIG, postings=posted["postings"])})

    rsps.add_callback("POST", ANY_URL, callback=echo, content_type="application/json")
    res = client.ledger.v2.create_transaction(request=operations.V2CreateTransactionRequest(
        ledger="main",
        v2_post_transaction=shared.V2PostTransaction(metadata={}, postings=[
            shared.V2Posting(amount=BIG, asset="USD/2", destination="users:001", source="world")]),
    ))
    assert b"1180591620717411303424" in only_request(rsps).body
    # Received: the literal digits come back as the same Python int.
    tx = res.v2_create_transaction_response.data
    assert tx.id == BIG and type(tx.id) is int
    assert tx.postings[0].amount == BIG and type(tx.postings[0].amount) is int


def test_bigint_from_literal_json_digits(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    body = ('{"data":{"address":"users:001","metadata":{},'
            '"volumes":{"USD/2":{"input":1180591620717411303424,"output":1,"balance":1180591620717411303423}}}}')
    rsps.get(ANY_URL, body=body, content_type="application/json")
    res = client.ledger.v2.get_account(request=operations.V2GetAccountRequest(address="users:001", ledger="main"))
    volume = res.v2_account_response.data.volumes["USD/2"]
    assert (volume.input, volume.output, volume.balance) == (BIG, 1, BIG - 1)


# --- datetimes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        ("2024-01-02T03:04:05Z", dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2024-01-02T03:04:05+02:00", dt.datetime(2024, 1, 2, 1, 4, 5, tzinfo=UTC)),
        ("2024-01-02T03:04:05-07:30", dt.datetime(2024, 1, 2, 10, 34, 5, tzinfo=UTC)),
        ("2024-01-02T03:04:05.5Z", dt.datetime(2024, 1, 2, 3, 4, 5, 500000, tzinfo=UTC)),
        # Go servers send nanoseconds: the extra digits are truncated to microseconds.
        ("2024-01-02T03:04:05.123456789Z", dt.datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)),
        ("2024-01-02T03:04:05.123456789+05:30", dt.datetime(2024, 1, 1, 21, 34, 5, 123456, tzinfo=UTC)),
    ],
)
def test_datetimes_are_aware_and_exact(
    rsps: responses.RequestsMock, client: sdk.SDK, wire: str, expected: dt.datetime
) -> None:
    tx = _get_transaction(rsps, client, json.dumps({"data": _transaction(timestamp=wire)}))
    assert isinstance(tx.timestamp, dt.datetime)
    assert tx.timestamp.tzinfo is not None
    assert tx.timestamp == expected


def test_datetime_keeps_the_server_offset(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    tx = _get_transaction(rsps, client, json.dumps({"data": _transaction(timestamp="2024-01-02T03:04:05+02:00")}))
    assert tx.timestamp.utcoffset() == dt.timedelta(hours=2)
    assert (tx.timestamp.hour, tx.timestamp.minute) == (3, 4)


# --- unknown, absent and unexpected values ---------------------------------------------------


def test_unknown_fields_are_ignored(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    tx = _get_transaction(rsps, client, json.dumps({
        "data": _transaction(insertedAt="2024-01-02T03:04:05Z", preCommitVolumes={"x": {}}), "extra": True,
    }))
    assert tx.id == 12
    assert not hasattr(tx, "insertedAt") and not hasattr(tx, "inserted_at")


def test_optional_fields_absent_are_none(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    tx = _get_transaction(rsps, client, json.dumps({"data": _transaction()}))
    assert tx.reference is None  # optional, not in the payload
    rsps.replace("GET", ANY_URL, json={"data": {"address": "users:001", "metadata": {}}})
    res = client.ledger.v2.get_account(request=operations.V2GetAccountRequest(address="users:001", ledger="main"))
    account = res.v2_account_response.data
    assert (account.volumes, account.effective_volumes) == (None, None)


def test_required_field_absent_is_a_validation_error(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    rsps.get(ANY_URL, json={"data": {"address": "users:001"}})  # `metadata` is required but missing
    with pytest.raises(errors.ResponseValidationError) as caught:
        client.ledger.v2.get_account(request=operations.V2GetAccountRequest(address="users:001", ledger="main"))
    assert str(caught.value).startswith("data.metadata: required property missing: Status 200")
    assert caught.value.path == "data.metadata"
    assert caught.value.raw_response is not None and caught.value.raw_response.status_code == 200


def test_unknown_enum_value_is_kept_as_a_pseudo_member(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    log = {"id": 1, "type": "UPDATED_SCHEMA", "data": {}, "hash": "abc", "date": "2024-01-02T03:04:05Z"}
    known = dict(log, id=0, type="NEW_TRANSACTION")
    rsps.get(ANY_URL, json={"cursor": {"pageSize": 2, "hasMore": False, "data": [known, log]}})
    res = client.ledger.v2.list_logs(request=operations.V2ListLogsRequest(ledger="main"))
    first, second = res.v2_logs_cursor_response.cursor.data
    assert first.type is shared.V2LogType.NEW_TRANSACTION
    # Kept, and still an instance of its enum (the annotation stays true; .value works).
    assert second.type == "UPDATED_SCHEMA" and second.type.value == "UPDATED_SCHEMA"
    assert isinstance(second.type, shared.V2LogType)
    assert second.type not in list(shared.V2LogType)


# --- unions decided by a discriminator -------------------------------------------------------


def test_bulk_results_by_response_type(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    tx = _transaction()
    rsps.post(ANY_URL, json={"data": [
        {"responseType": "CREATE_TRANSACTION", "data": tx},
        {"responseType": "ADD_METADATA"},
        {"responseType": "REVERT_TRANSACTION", "data": _transaction(id=13, reverted=True)},
        {"responseType": "DELETE_METADATA"},
        {"responseType": "ERROR", "errorCode": "INSUFFICIENT_FUND", "errorDescription": "not enough USD/2",
         "errorDetails": "account users:001"},
    ]})
    res = client.ledger.v2.create_bulk(request=operations.V2CreateBulkRequest(ledger="main", request_body=[]))
    results = res.v2_bulk_response.data
    assert [type(r) for r in results] == [
        shared.V2BulkElementResultCreateTransactionSchemas,
        shared.Schemas,
        shared.V2BulkElementResultRevertTransactionSchemas,
        shared.V2BulkElementResultDeleteMetadataSchemas,
        shared.V2BulkElementResultErrorSchemas,
    ]
    assert results[2].data.id == 13 and results[2].data.reverted is True
    assert (results[4].error_code, results[4].error_details) == ("INSUFFICIENT_FUND", "account users:001")
    assert json_body(only_request(rsps)) == []


def test_bulk_result_with_an_unknown_response_type_is_kept(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    rsps.post(ANY_URL, json={"data": [{"responseType": "UPDATE_SCHEMA"}]})
    res = client.ledger.v2.create_bulk(request=operations.V2CreateBulkRequest(ledger="main", request_body=[]))
    assert res.v2_bulk_response.data[0].response_type == "UPDATE_SCHEMA"


def test_bulk_400_response_is_decoded_into_the_envelope(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    rsps.post(ANY_URL, status=400, json={"data": [
        {"responseType": "ERROR", "errorCode": "VALIDATION", "errorDescription": "bad posting"}]})
    res = client.ledger.v2.create_bulk(request=operations.V2CreateBulkRequest(ledger="main", request_body=[]))
    assert res.status_code == 400
    assert isinstance(res.v2_bulk_response.data[0], shared.V2BulkElementResultErrorSchemas)


@pytest.mark.parametrize(
    ("destination", "cls"),
    [
        ({"type": "ACCOUNT", "identifier": "users:001"}, shared.LedgerAccountSubject),
        ({"type": "WALLET", "identifier": "wallet-1", "balance": "main"}, shared.WalletSubject),
        # Same shape as an account subject: only the discriminator can tell them apart.
        ({"type": "WALLET", "identifier": "wallet-1"}, shared.WalletSubject),
    ],
)
def test_subjects_by_type(rsps: responses.RequestsMock, client: sdk.SDK, destination: dict, cls: type) -> None:
    rsps.get(ANY_URL, json={"data": {
        "id": "hold-1", "walletID": "wallet-0", "description": "pre-auth", "metadata": {},
        "originalAmount": 100, "remaining": 40, "destination": destination,
    }})
    res = client.wallets.v1.get_hold(request=operations.GetHoldRequest(hold_id="hold-1"))
    subject = res.get_hold_response.data.destination
    assert type(subject) is cls
    assert subject.identifier == destination["identifier"]


# --- unions decided by the best match (no discriminator) -------------------------------------

CONNECTOR_CONFIGS = {
    shared.Connector.STRIPE: (shared.StripeConfig, {
        "name": "stripe-eu", "apiKey": "sk_test_51H", "pollingPeriod": "120s", "pageSize": 10}),
    shared.Connector.DUMMY_PAY: (shared.DummyPayConfig, {
        "name": "dummypay", "directory": "/tmp/dummypay", "filePollingPeriod": "10s",
        "numberOfAccountsPreGenerated": 5, "numberOfPaymentsPreGenerated": 10, "prefixFileToIngest": "in-"}),
    shared.Connector.WISE: (shared.WiseConfig, {
        "name": "wise", "apiKey": "wise-api-key", "pollingPeriod": "120s"}),
    shared.Connector.MODULR: (shared.ModulrConfig, {
        "name": "modulr", "apiKey": "mk", "apiSecret": "ms", "endpoint": "https://api-sandbox.modulrfinance.com",
        "pollingPeriod": "120s"}),
    shared.Connector.CURRENCY_CLOUD: (shared.CurrencyCloudConfig, {
        "name": "currencycloud", "apiKey": "ck", "loginID": "ops@example.com",
        "endpoint": "https://devapi.currencycloud.com", "pollingPeriod": "120s"}),
    shared.Connector.BANKING_CIRCLE: (shared.BankingCircleConfig, {
        "name": "bankingcircle", "username": "user", "password": "pass",
        "endpoint": "https://sandbox.bankingcircleconnect.com",
        "authorizationEndpoint": "https://authorizationsandbox.bankingcircleconnect.com",
        "userCertificate": "-----BEGIN CERTIFICATE-----", "userCertificateKey": "-----BEGIN PRIVATE KEY-----",
        "pollingPeriod": "120s"}),
    shared.Connector.MANGOPAY: (shared.MangoPayConfig, {
        "name": "mangopay", "apiKey": "mk", "clientID": "acme", "endpoint": "https://api.sandbox.mangopay.com",
        "pollingPeriod": "120s"}),
    shared.Connector.MONEYCORP: (shared.MoneycorpConfig, {
        "name": "moneycorp", "apiKey": "mk", "clientID": "acme", "endpoint": "https://sandbox-corpapi.moneycorp.com",
        "pollingPeriod": "120s"}),
    shared.Connector.ATLAR: (shared.AtlarConfig, {
        "name": "atlar", "accessKey": "ak", "secret": "as", "baseUrl": "https://api.atlar.com", "pageSize": 25,
        "pollingPeriod": "120s", "transferInitiationStatusPollingPeriod": "120s"}),
    shared.Connector.ADYEN: (shared.AdyenConfig, {
        "name": "adyen", "apiKey": "ak", "hmacKey": "hk", "liveEndpointPrefix": "1797a841fbb37ca7-AdyenDemo",
        "pollingPeriod": "120s"}),
    shared.Connector.GENERIC: (shared.GenericConfig, {
        "name": "generic", "apiKey": "gk", "endpoint": "https://psp.example.com", "pollingPeriod": "120s"}),
}

# MoneycorpConfig and MangoPayConfig have identical properties: only the `connector` parameter
# of the call tells them apart (gen.yaml decoding.branch_hints).
@pytest.mark.parametrize("connector", list(CONNECTOR_CONFIGS), ids=[c.value for c in CONNECTOR_CONFIGS])
def test_connector_config_decodes_to_its_own_class(
    rsps: responses.RequestsMock, client: sdk.SDK, connector: shared.Connector
) -> None:
    cls, data = CONNECTOR_CONFIGS[connector]
    rsps.get(ANY_URL, json={"data": data})
    res = client.payments.v1.read_connector_config_v1(
        request=operations.ReadConnectorConfigV1Request(connector=connector, connector_id="conn-1"))
    assert only_request(rsps).url.endswith(f"/api/payments/connectors/{connector.value}/conn-1/config")
    config = res.connector_config_response.data
    assert type(config) is cls
    # Nothing is dropped: every property sent is on the decoded object.
    assert config.to_dict() == data


def test_connector_config_never_drops_fields(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    # The original SDK decoded this as StripeConfig (the first branch that parses) and lost the secret.
    _, data = CONNECTOR_CONFIGS[shared.Connector.MODULR]
    rsps.get(ANY_URL, json={"data": data})
    res = client.payments.v1.read_connector_config_v1(
        request=operations.ReadConnectorConfigV1Request(connector=shared.Connector.MODULR, connector_id="c"))
    assert res.connector_config_response.data.api_secret == "ms"


TASK_BASE = {
    "id": "task-1", "connectorID": "conn-1", "createdAt": "2024-01-02T03:04:05Z",
    "updatedAt": "2024-01-02T03:05:00Z", "status": "SUCCEEDED", "state": {"lastID": "x"},
}
TASKS = {
    shared.Connector.STRIPE: (shared.TaskStripe, {"name": "fetch_accounts", "account": "acct_1", "main": True}),
    shared.Connector.WISE: (shared.TaskWise, {"name": "fetch_profiles", "key": "fetch_profiles", "profileID": 42}),
    shared.Connector.DUMMY_PAY: (shared.TaskDummyPay, {"name": "read_files", "key": "read-files",
                                                       "fileName": "payments-1.json"}),
    shared.Connector.MANGOPAY: (shared.TaskMangoPay, {"name": "fetch_wallets", "key": "fetch-wallets",
                                                      "userID": "user-7"}),
    shared.Connector.MODULR: (shared.TaskModulr, {"name": "fetch_transactions", "key": "fetch-transactions",
                                                  "accountID": "A1B2"}),
    shared.Connector.BANKING_CIRCLE: (shared.TaskBankingCircle, {"name": "fetch_payments", "key": "fetch-payments"}),
    shared.Connector.CURRENCY_CLOUD: (shared.TaskCurrencyCloud, {"name": "fetch_accounts"}),
    shared.Connector.MONEYCORP: (shared.TaskMoneycorp, {"name": "fetch_transactions", "key": "fetch-transactions",
                                                        "accountID": "A1B2"}),
}
# TaskMoneycorp and TaskModulr have identical shapes: the `connector` parameter settles them.
@pytest.mark.parametrize("connector", list(TASKS), ids=[c.value for c in TASKS])
def test_task_decodes_to_its_own_class(
    rsps: responses.RequestsMock, client: sdk.SDK, connector: shared.Connector
) -> None:
    cls, descriptor = TASKS[connector]
    rsps.get(ANY_URL, json={"data": dict(TASK_BASE, descriptor=descriptor)})
    res = client.payments.v1.get_connector_task_v1(request=operations.GetConnectorTaskV1Request(
        connector=connector, connector_id="conn-1", task_id="task-1"))
    task = res.task_response.data
    assert type(task) is cls
    assert task.descriptor.to_dict() == descriptor
    assert task.created_at == dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_task_list_mixes_branches(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    items = [dict(TASK_BASE, id="t1", descriptor=TASKS[shared.Connector.STRIPE][1]),
             dict(TASK_BASE, id="t2", descriptor=TASKS[shared.Connector.DUMMY_PAY][1])]
    rsps.get(ANY_URL, json={"cursor": {"pageSize": 2, "hasMore": False, "data": items}})
    res = client.payments.v1.list_connector_tasks_v1(request=operations.ListConnectorTasksV1Request(
        connector=shared.Connector.STRIPE, connector_id="conn-1"))
    assert [type(t) for t in res.tasks_cursor.cursor.data] == [shared.TaskStripe, shared.TaskDummyPay]


STAGE_INPUTS = [
    (shared.StageSend, {
        "amount": {"amount": 1500, "asset": "EUR/2"},
        "source": {"wallet": {"id": "wallet-1", "balance": "main"}},
        "destination": {"account": {"id": "users:001", "ledger": "main"}},
        "metadata": {"order": "42"},
    }),
    (shared.StageDelay, {"duration": "1h30m"}),
    (shared.StageDelay, {"until": "2024-06-01T00:00:00Z"}),
    (shared.StageWaitEvent, {"event": "payment.succeeded"}),
    (shared.Update, {"account": {"id": "users:001", "ledger": "main", "metadata": {"status": "vip"}}}),
]

STAGE_IDS = [f"{cls.__name__}-{index}" for index, (cls, _) in enumerate(STAGE_INPUTS)]


@pytest.mark.parametrize(("cls", "data"), STAGE_INPUTS, ids=STAGE_IDS)
def test_orchestration_v1_stage_inputs(rsps: responses.RequestsMock, client: sdk.SDK, cls: type, data: dict) -> None:
    rsps.get(ANY_URL, json={"data": [{
        "name": "stage-0", "input": data, "startedAt": "2024-01-02T03:04:05Z", "terminated": True,
        "terminatedAt": "2024-01-02T03:04:06Z",
    }]})
    res = client.orchestration.v1.get_instance_history(
        request=operations.GetInstanceHistoryRequest(instance_id="inst-1"))
    stage = res.get_workflow_instance_history_response.data[0].input
    assert type(stage) is cls
    assert stage.to_dict() == data


@pytest.mark.parametrize(("cls", "data"), STAGE_INPUTS, ids=STAGE_IDS)
def test_orchestration_v2_stage_inputs(rsps: responses.RequestsMock, client: sdk.SDK, cls: type, data: dict) -> None:
    rsps.get(ANY_URL, json={"data": [{
        "name": "stage-0", "input": data, "startedAt": "2024-01-02T03:04:05Z", "terminated": False,
    }]})
    res = client.orchestration.v2.get_instance_history(
        request=operations.V2GetInstanceHistoryRequest(instance_id="inst-1"))
    stage = res.v2_get_workflow_instance_history_response.data[0].input
    assert type(stage).__name__ == "V2" + cls.__name__
    assert stage.to_dict() == data


def test_stage_send_nested_objects_are_decoded(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    _, data = STAGE_INPUTS[0]
    rsps.get(ANY_URL, json={"data": [{"name": "send", "input": data, "startedAt": "2024-01-02T03:04:05Z",
                                      "terminated": False}]})
    res = client.orchestration.v1.get_instance_history(
        request=operations.GetInstanceHistoryRequest(instance_id="inst-1"))
    stage = res.get_workflow_instance_history_response.data[0].input
    assert stage.amount.amount == 1500
    assert stage.source.wallet.balance == "main"
    assert stage.destination.account.ledger == "main"


def test_branch_hint_only_breaks_ties(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    """The `connector` parameter settles identical shapes, but never overrides the data itself."""
    stripe_only = {"data": {"name": "acct", "apiKey": "sk_test", "pollingPeriod": "30s", "pageSize": 50}}
    rsps.get(BASE_URL + "/api/payments/connectors/MONEYCORP/c1/config", json=stripe_only)
    res = client.payments.v1.read_connector_config_v1(
        request=operations.ReadConnectorConfigV1Request(connector=shared.Connector.MONEYCORP, connector_id="c1")
    )
    # Moneycorp requires clientID, so the data can only be a Stripe config: the hint must not win.
    assert type(res.connector_config_response.data).__name__ == "StripeConfig"


def test_a_model_built_by_hand_with_a_missing_value_still_converts_to_dict() -> None:
    """to_dict() shows the data as it is, even when it would not pass request validation."""
    posting = shared.V2Posting(amount=2**70, asset="USD/2", source="world", destination=None)  # type: ignore[arg-type]
    assert posting.to_dict() == {"amount": 2**70, "asset": "USD/2", "destination": None, "source": "world"}
    assert json.loads(posting.to_json())["amount"] == 2**70
