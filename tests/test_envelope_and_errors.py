"""The response envelope, typed API errors, SDKError and unreadable responses."""

from __future__ import annotations

import json
import re

import pytest
import requests
import responses

import sdk
from sdk.models import errors, operations, shared

ANY_URL = re.compile(r"http://127\.0\.0\.1:8080/.*")
VERSIONS = {"region": "eu-west-1", "env": "production",
            "versions": [{"name": "ledger", "version": "v2.1.0", "health": True}]}


def _create_v2_transaction(client: sdk.SDK) -> operations.V2CreateTransactionResponse:
    return client.ledger.v2.create_transaction(request=operations.V2CreateTransactionRequest(
        ledger="main",
        v2_post_transaction=shared.V2PostTransaction(metadata={}, postings=[
            shared.V2Posting(amount=100, asset="USD/2", destination="users:001", source="users:002")]),
    ))


# --- the envelope ----------------------------------------------------------------------------


def test_envelope_carries_status_content_type_raw_response_and_body(
    rsps: responses.RequestsMock, client: sdk.SDK
) -> None:
    rsps.get(ANY_URL, body=json.dumps(VERSIONS), content_type="application/json; charset=utf-8",
             headers={"X-Request-Id": "req-1"})
    res = client.get_versions()
    assert res.status_code == 200
    assert res.content_type == "application/json; charset=utf-8"
    assert isinstance(res.raw_response, requests.Response)
    assert res.raw_response.url == "http://127.0.0.1:8080/versions"
    assert res.raw_response.headers["X-Request-Id"] == "req-1"
    assert res.raw_response.json() == VERSIONS
    assert res.get_versions_response.versions[0].version == "v2.1.0"
    assert res.get_versions_response.versions[0].health is True


def test_envelope_of_a_no_content_response(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    rsps.post(ANY_URL, status=204)
    res = client.ledger.v2.create_ledger(request=operations.V2CreateLedgerRequest(ledger="books"))
    assert res.status_code == 204
    assert res.raw_response.status_code == 204


def test_documented_non_2xx_response_lands_in_the_envelope(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    # ledger v1 listAccounts documents its 404 body as a response, not as an error.
    rsps.get(ANY_URL, status=404, json={"errorCode": "NOT_FOUND", "errorMessage": "ledger not found"})
    res = client.ledger.v1.list_accounts(request=operations.ListAccountsRequest(ledger="nope"))
    assert res.status_code == 404
    assert res.accounts_cursor_response is None
    assert res.error_response.error_message == "ledger not found"


# --- typed errors ----------------------------------------------------------------------------


def test_typed_error_carries_decoded_fields_and_http_details(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    payload = {"errorCode": "INSUFFICIENT_FUND", "errorMessage": "account users:002 has 0 USD/2",
               "details": "https://play.numscript.org/?payload=abc"}
    rsps.post(ANY_URL, status=400, json=payload, headers={"X-Request-Id": "req-77"})
    with pytest.raises(errors.V2ErrorResponse) as caught:
        _create_v2_transaction(client)
    error = caught.value
    assert error.error_code is shared.V2ErrorsEnum.INSUFFICIENT_FUND
    assert error.error_message == "account users:002 has 0 USD/2"
    assert error.details == "https://play.numscript.org/?payload=abc"
    assert error.status_code == 400
    assert error.headers["X-Request-Id"] == "req-77"
    assert isinstance(error.raw_response, requests.Response)
    assert error.raw_response.json() == payload
    assert isinstance(error, errors.FormanceError)
    assert "INSUFFICIENT_FUND" in str(error)


def test_typed_error_for_a_5xx(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    rsps.post(ANY_URL, status=500, json={"errorCode": "INTERNAL", "errorMessage": "database is down"})
    with pytest.raises(errors.V2ErrorResponse) as caught:
        _create_v2_transaction(client)
    assert (caught.value.status_code, caught.value.error_code) == (500, shared.V2ErrorsEnum.INTERNAL)


@pytest.mark.parametrize("code", ["INTERPRETER_RUNTIME", "TIMEOUT", "BULK_SIZE_EXCEEDED", "LEDGER_ALREADY_EXISTS"])
def test_unknown_error_code_still_gives_the_typed_error(
    rsps: responses.RequestsMock, client: sdk.SDK, code: str
) -> None:
    rsps.post(ANY_URL, status=400, json={"errorCode": code, "errorMessage": "newer server"})
    with pytest.raises(errors.V2ErrorResponse) as caught:
        _create_v2_transaction(client)
    assert caught.value.error_code == code
    assert caught.value.error_message == "newer server"
    assert caught.value.status_code == 400


def test_v1_typed_error_with_unknown_code(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    rsps.post(ANY_URL, status=400, json={"errorCode": "INTERPRETER_PARSE", "errorMessage": "bad script",
                                         "details": "line 1"})
    with pytest.raises(errors.ErrorResponse) as caught:
        client.ledger.v1.create_transactions(request=operations.CreateTransactionsRequest(
            ledger="ledger001", transactions=shared.Transactions(transactions=[])))
    assert (caught.value.error_code, caught.value.details, caught.value.status_code) == (
        "INTERPRETER_PARSE", "line 1", 400)


def test_payments_typed_error(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    rsps.get(ANY_URL, status=404, json={"errorCode": "NOT_FOUND", "errorMessage": "payment not found"})
    with pytest.raises(errors.PaymentsErrorResponse) as caught:
        client.payments.v1.get_payment(request=operations.GetPaymentRequest(payment_id="pay-1"))
    assert caught.value.error_code is shared.PaymentsErrorsEnum.NOT_FOUND
    assert caught.value.status_code == 404


def test_problem_json_counts_as_json(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    rsps.post(ANY_URL, status=409, body=json.dumps({"errorCode": "CONFLICT", "errorMessage": "reference taken"}),
              content_type="application/problem+json")
    with pytest.raises(errors.V2ErrorResponse) as caught:
        _create_v2_transaction(client)
    assert caught.value.error_code is shared.V2ErrorsEnum.CONFLICT


# --- errors without a schema -----------------------------------------------------------------


def test_error_without_schema_is_sdk_error(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    rsps.get(ANY_URL, status=503, body="upstream unavailable", content_type="text/plain",
             headers={"Retry-After": "3"})
    with pytest.raises(errors.SDKError) as caught:
        client.get_versions()
    error = caught.value
    assert type(error) is errors.SDKError
    assert error.status_code == 503
    assert error.body == "upstream unavailable"
    assert isinstance(error.message, str) and error.message
    assert isinstance(error.raw_response, requests.Response)
    assert error.headers["Retry-After"] == "3"
    assert "503" in str(error)


def test_json_error_on_an_operation_without_error_schema(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    body = json.dumps({"errorCode": "COMPILATION_FAILED", "errorMessage": "no"})
    rsps.post(ANY_URL, status=400, body=body, content_type="application/json")
    with pytest.warns(DeprecationWarning):
        with pytest.raises(errors.SDKError) as caught:
            client.ledger.v1.run_script(request=operations.RunScriptRequest(
                ledger="ledger001", script=shared.Script(plain="send [COIN 1] (source=@world destination=@a)")))
    assert (caught.value.status_code, caught.value.body) == (400, body)


def test_html_error_page_on_a_typed_operation_is_sdk_error(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    page = "<html><body><h1>502 Bad Gateway</h1></body></html>"
    rsps.post(ANY_URL, status=502, body=page, content_type="text/html")
    with pytest.raises(errors.SDKError) as caught:
        _create_v2_transaction(client)
    assert (caught.value.status_code, caught.value.body) == (502, page)


def test_invalid_json_error_body_is_sdk_error(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    rsps.post(ANY_URL, status=400, body='{"errorCode": "VALIDATION", ', content_type="application/json")
    with pytest.raises(errors.SDKError) as caught:
        _create_v2_transaction(client)
    assert (caught.value.status_code, caught.value.body) == (400, '{"errorCode": "VALIDATION", ')


def test_error_body_that_is_not_an_object_is_sdk_error(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    rsps.post(ANY_URL, status=400, body='"bad request"', content_type="application/json")
    with pytest.raises(errors.SDKError) as caught:
        _create_v2_transaction(client)
    assert caught.value.body == '"bad request"'


def test_head_error_without_body_is_sdk_error(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    rsps.head(ANY_URL, status=404)  # HEAD answers carry no body, so no typed error can be decoded
    with pytest.raises(errors.SDKError) as caught:
        client.ledger.v2.count_accounts(request=operations.V2CountAccountsRequest(ledger="missing"))
    assert (caught.value.status_code, caught.value.body) == (404, "")


# --- unreadable success responses ------------------------------------------------------------


def test_invalid_json_success_body(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    rsps.get(ANY_URL, body='{"region": "eu-west-1", "versions": [', content_type="application/json")
    with pytest.raises(errors.ResponseValidationError) as caught:
        client.get_versions()
    assert isinstance(caught.value, errors.SDKError)
    assert not isinstance(caught.value, (KeyError, json.JSONDecodeError))
    assert caught.value.status_code == 200
    assert caught.value.body == '{"region": "eu-west-1", "versions": ['
    assert caught.value.raw_response is not None


def test_unexpected_content_type_on_success(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    page = "<html><body>Welcome to nginx!</body></html>"
    rsps.get(ANY_URL, body=page, content_type="text/html")
    with pytest.raises(errors.ResponseValidationError) as caught:
        client.get_versions()
    assert isinstance(caught.value, errors.SDKError)
    assert (caught.value.status_code, caught.value.body) == (200, page)


def test_json_of_the_wrong_shape(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    rsps.get(ANY_URL, json=["not", "an", "object"])
    with pytest.raises(errors.ResponseValidationError) as caught:
        client.get_versions()
    assert caught.value.status_code == 200


def test_undocumented_2xx_status_is_not_an_error(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    rsps.get(ANY_URL, status=202, json=VERSIONS)
    res = client.get_versions()
    assert res.status_code == 202
    assert res.raw_response.json() == VERSIONS


def test_json_without_a_content_type_is_still_decoded(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    """A proxy that drops Content-Type must not turn a good answer into an error."""
    rsps.get(
        "http://127.0.0.1:8080/api/ledger/v2/main",
        body=b'{"data": {"name": "main", "id": 1, "bucket": "b", "addedAt": "2024-01-02T03:04:05Z"}}',
        content_type=None,
        headers={},
    )
    res = client.ledger.v2.get_ledger(request=operations.V2GetLedgerRequest(ledger="main"))
    assert res.content_type == ""
    assert res.v2_get_ledger_response.data.name == "main"
