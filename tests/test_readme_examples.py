"""The code examples of the formance-sdk-python 4.2.0 README run unchanged against a mocked server.

Each example below is the original code, character for character; it is executed as written and
the test then checks what went on the wire and what came back.
"""

from __future__ import annotations

import json
from typing import Any, Dict
from urllib.parse import parse_qs

import responses

LOCAL_TOKEN = "http://localhost/api/auth/oauth/token"
VERSIONS = {"region": "eu-west-1", "env": "sandbox",
            "versions": [{"name": "ledger", "version": "v1.10.14", "health": True}]}
TOKEN = {"access_token": "readme-token", "token_type": "Bearer", "expires_in": 3600}

SDK_EXAMPLE_USAGE = '''
import sdk
from sdk.models import shared

s = sdk.SDK(
    security=shared.Security(
        client_id="<YOUR_CLIENT_ID_HERE>",
        client_secret="<YOUR_CLIENT_SECRET_HERE>",
    ),
)


res = s.get_versions()

if res.get_versions_response is not None:
    # handle response
    pass
'''

ERROR_HANDLING_EXAMPLE = '''
import sdk
from sdk.models import errors, operations, shared

s = sdk.SDK(
    security=shared.Security(
        client_id="<YOUR_CLIENT_ID_HERE>",
        client_secret="<YOUR_CLIENT_SECRET_HERE>",
    ),
)

res = None
try:
    res = s.ledger.v1.create_transactions(request=operations.CreateTransactionsRequest(
    transactions=shared.Transactions(
        transactions=[
            shared.TransactionData(
                postings=[
                    shared.Posting(
                        amount=100,
                        asset='COIN',
                        destination='users:002',
                        source='users:001',
                    ),
                    shared.Posting(
                        amount=100,
                        asset='COIN',
                        destination='users:002',
                        source='users:001',
                    ),
                    shared.Posting(
                        amount=100,
                        asset='COIN',
                        destination='users:002',
                        source='users:001',
                    ),
                ],
                reference='ref:001',
            ),
        ],
    ),
    ledger='ledger001',
))

except errors.ErrorResponse as e:
    # handle exception
    raise(e)
except errors.SDKError as e:
    # handle exception
    raise(e)

if res.transactions_response is not None:
    # handle response
    pass
'''

SERVER_IDX_EXAMPLE = '''
import sdk
from sdk.models import shared

s = sdk.SDK(
    server_idx=1,
    security=shared.Security(
        client_id="<YOUR_CLIENT_ID_HERE>",
        client_secret="<YOUR_CLIENT_SECRET_HERE>",
    ),
)


res = s.get_versions()

if res.get_versions_response is not None:
    # handle response
    pass
'''

SERVER_URL_EXAMPLE = '''
import sdk
from sdk.models import shared

s = sdk.SDK(
    server_url="http://localhost",
    security=shared.Security(
        client_id="<YOUR_CLIENT_ID_HERE>",
        client_secret="<YOUR_CLIENT_SECRET_HERE>",
    ),
)


res = s.get_versions()

if res.get_versions_response is not None:
    # handle response
    pass
'''

CUSTOM_SESSION_EXAMPLE = '''
import sdk
import requests

http_client = requests.Session()
http_client.headers.update({'x-custom-header': 'someValue'})
s = sdk.SDK(client=http_client)
'''


def _run(example: str) -> Dict[str, Any]:
    namespace: Dict[str, Any] = {"__name__": "readme_example"}
    exec(compile(example, "<readme example>", "exec"), namespace)  # noqa: S102
    return namespace


def _assert_token_form(request: Any, scope: str) -> None:
    assert parse_qs(request.body) == {
        "grant_type": ["client_credentials"],
        "client_id": ["<YOUR_CLIENT_ID_HERE>"],
        "client_secret": ["<YOUR_CLIENT_SECRET_HERE>"],
        "scope": [scope],
    }


def test_sdk_example_usage(rsps: responses.RequestsMock) -> None:
    rsps.post(LOCAL_TOKEN, json=TOKEN)
    rsps.get("http://localhost/versions", json=VERSIONS)
    namespace = _run(SDK_EXAMPLE_USAGE)
    _assert_token_form(rsps.calls[0].request, "auth:read")
    assert rsps.calls[1].request.headers["Authorization"] == "Bearer readme-token"
    assert namespace["res"].get_versions_response.versions[0].name == "ledger"


def test_error_handling_example(rsps: responses.RequestsMock) -> None:
    rsps.post(LOCAL_TOKEN, json=TOKEN)
    rsps.post("http://localhost/api/ledger/ledger001/transactions/batch", json={"data": [{
        "txid": 0, "reference": "ref:001", "timestamp": "2024-01-02T03:04:05Z", "metadata": {},
        "postings": [{"amount": 100, "asset": "COIN", "destination": "users:002", "source": "users:001"}] * 3,
    }]})
    namespace = _run(ERROR_HANDLING_EXAMPLE)
    _assert_token_form(rsps.calls[0].request, "auth:read ledger:write")
    sent = rsps.calls[1].request
    posting = {"amount": 100, "asset": "COIN", "destination": "users:002", "source": "users:001"}
    assert json.loads(sent.body) == {"transactions": [{"postings": [posting] * 3, "reference": "ref:001"}]}
    assert sent.headers["Authorization"] == "Bearer readme-token"
    transaction = namespace["res"].transactions_response.data[0]
    assert (transaction.txid, transaction.reference, len(transaction.postings)) == (0, "ref:001", 3)


def test_error_handling_example_raises_the_typed_error(rsps: responses.RequestsMock) -> None:
    import pytest

    from sdk.models import errors

    rsps.post(LOCAL_TOKEN, json=TOKEN)
    rsps.post("http://localhost/api/ledger/ledger001/transactions/batch", status=400,
              json={"errorCode": "INSUFFICIENT_FUND", "errorMessage": "balance.insufficient.COIN"})
    with pytest.raises(errors.ErrorResponse) as caught:
        _run(ERROR_HANDLING_EXAMPLE)
    assert caught.value.error_message == "balance.insufficient.COIN"


def test_server_idx_example(rsps: responses.RequestsMock) -> None:
    # requests lower-cases the host name of https://orgID-stackID.sandbox.formance.cloud
    rsps.post("https://orgid-stackid.sandbox.formance.cloud/api/auth/oauth/token", json=TOKEN)
    rsps.get("https://orgid-stackid.sandbox.formance.cloud/versions", json=VERSIONS)
    namespace = _run(SERVER_IDX_EXAMPLE)
    assert [c.request.url for c in rsps.calls] == [
        "https://orgid-stackid.sandbox.formance.cloud/api/auth/oauth/token",
        "https://orgid-stackid.sandbox.formance.cloud/versions",
    ]
    assert namespace["res"].get_versions_response.region == "eu-west-1"


def test_server_url_example(rsps: responses.RequestsMock) -> None:
    rsps.post(LOCAL_TOKEN, json=TOKEN)
    rsps.get("http://localhost/versions", json=VERSIONS)
    namespace = _run(SERVER_URL_EXAMPLE)
    assert [c.request.url for c in rsps.calls] == [LOCAL_TOKEN, "http://localhost/versions"]
    assert namespace["res"].get_versions_response is not None


def test_custom_session_example(rsps: responses.RequestsMock) -> None:
    rsps.get("http://localhost/versions", json=VERSIONS)
    namespace = _run(CUSTOM_SESSION_EXAMPLE)
    namespace["s"].get_versions()  # the example builds the client; one call shows it in use
    request = rsps.calls[0].request
    assert len(rsps.calls) == 1  # no security given: no token request
    assert request.headers["x-custom-header"] == "someValue"
    assert "Authorization" not in request.headers
