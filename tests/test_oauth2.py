"""OAuth2 client credentials: token URL, form, scopes, caching, Bearer header, no-security mode."""

from __future__ import annotations

import re
import types
from typing import Any, List
from urllib.parse import parse_qs

import pytest
import responses

import sdk
from sdk._runtime import oauth2
from sdk.models import errors, operations, shared

ANY_API = re.compile(r"http://127\.0\.0\.1:8080/.*/api/ledger/.*|http://127\.0\.0\.1:8080/api/ledger/.*")
TOKEN_URL = "http://127.0.0.1:8080/api/auth/oauth/token"
CREDENTIALS = shared.Security(client_id="billing-service", client_secret="s3cr3t-value")
TX = {"id": 1, "postings": [], "metadata": {}, "reverted": False, "timestamp": "2024-01-02T03:04:05Z"}


def _token(value: str = "tok-1", **extra: Any) -> dict:
    return {"access_token": value, "token_type": "Bearer", **extra}


def _create_transaction(s: sdk.SDK) -> None:
    s.ledger.v2.create_transaction(request=operations.V2CreateTransactionRequest(
        ledger="main",
        v2_post_transaction=shared.V2PostTransaction(metadata={}, postings=[
            shared.V2Posting(amount=1, asset="USD/2", destination="users:001", source="world")]),
    ))


def _get_account(s: sdk.SDK) -> None:
    s.ledger.v2.get_account(request=operations.V2GetAccountRequest(address="users:001", ledger="main"))


def _urls(mock: responses.RequestsMock) -> List[str]:
    return [call.request.url for call in mock.calls]


@pytest.fixture
def api(rsps: responses.RequestsMock) -> responses.RequestsMock:
    """Ledger endpoints under any prefix of 127.0.0.1:8080."""
    rsps.post(ANY_API, json={"data": TX})
    rsps.get(ANY_API, json={"data": {"address": "users:001", "metadata": {}}})
    return rsps


# --- where the token comes from ----------------------------------------------------------------


def test_token_url_is_derived_from_the_server_url(api: responses.RequestsMock) -> None:
    api.post(TOKEN_URL, json=_token())
    _create_transaction(sdk.SDK(server_url="http://127.0.0.1:8080", security=CREDENTIALS))
    assert _urls(api) == [TOKEN_URL, "http://127.0.0.1:8080/api/ledger/v2/main/transactions"]


def test_token_url_keeps_the_server_path_prefix(api: responses.RequestsMock) -> None:
    api.post("http://127.0.0.1:8080/gateway/api/auth/oauth/token", json=_token())
    _create_transaction(sdk.SDK(server_url="http://127.0.0.1:8080/gateway", security=CREDENTIALS))
    assert _urls(api) == [
        "http://127.0.0.1:8080/gateway/api/auth/oauth/token",
        "http://127.0.0.1:8080/gateway/api/ledger/v2/main/transactions",
    ]


def test_absolute_token_url_is_used_as_given(api: responses.RequestsMock) -> None:
    api.post("http://127.0.0.1:9000/realms/formance/token", json=_token())
    security = shared.Security(client_id="id", client_secret="secret",
                               token_url="http://127.0.0.1:9000/realms/formance/token")
    _create_transaction(sdk.SDK(server_url="http://127.0.0.1:8080/gateway", security=security))
    assert _urls(api)[0] == "http://127.0.0.1:9000/realms/formance/token"


# --- what is sent ------------------------------------------------------------------------------


def test_token_request_is_a_client_credentials_form(api: responses.RequestsMock) -> None:
    api.post(TOKEN_URL, json=_token())
    _create_transaction(sdk.SDK(server_url="http://127.0.0.1:8080", security=CREDENTIALS))
    request = api.calls[0].request
    assert request.method == "POST"
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qs(request.body) == {
        "grant_type": ["client_credentials"],
        "client_id": ["billing-service"],
        "client_secret": ["s3cr3t-value"],
        "scope": ["auth:read ledger:write"],  # the operation's scopes, space separated
    }
    assert "Authorization" not in request.headers


def test_scope_follows_the_operation(api: responses.RequestsMock) -> None:
    api.post(TOKEN_URL, json=_token())
    _get_account(sdk.SDK(server_url="http://127.0.0.1:8080", security=CREDENTIALS))
    assert parse_qs(api.calls[0].request.body)["scope"] == ["auth:read ledger:read"]


def test_api_call_carries_the_bearer_token(api: responses.RequestsMock) -> None:
    api.post(TOKEN_URL, json=_token("eyJhbGciOi.abc.def", expires_in=3600))
    _create_transaction(sdk.SDK(server_url="http://127.0.0.1:8080", security=CREDENTIALS))
    assert api.calls[1].request.headers["Authorization"] == "Bearer eyJhbGciOi.abc.def"


# --- caching -----------------------------------------------------------------------------------


def test_token_is_cached_per_sdk_instance(api: responses.RequestsMock) -> None:
    api.post(TOKEN_URL, json=_token(expires_in=3600))
    s = sdk.SDK(server_url="http://127.0.0.1:8080", security=CREDENTIALS)
    for _ in range(3):
        _create_transaction(s)
    assert _urls(api).count(TOKEN_URL) == 1
    assert [c.request.headers.get("Authorization") for c in api.calls[1:]] == ["Bearer tok-1"] * 3


def test_another_sdk_instance_fetches_its_own_token(api: responses.RequestsMock) -> None:
    api.post(TOKEN_URL, json=_token(expires_in=3600))
    _create_transaction(sdk.SDK(server_url="http://127.0.0.1:8080", security=CREDENTIALS))
    _create_transaction(sdk.SDK(server_url="http://127.0.0.1:8080", security=CREDENTIALS))
    assert _urls(api).count(TOKEN_URL) == 2


def test_token_without_expires_in_is_reused(api: responses.RequestsMock) -> None:
    api.post(TOKEN_URL, json=_token())
    s = sdk.SDK(server_url="http://127.0.0.1:8080", security=CREDENTIALS)
    _create_transaction(s)
    _create_transaction(s)
    assert _urls(api).count(TOKEN_URL) == 1


def test_token_is_refreshed_shortly_before_it_expires(
    api: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [1000.0]
    monkeypatch.setattr(oauth2, "time", types.SimpleNamespace(monotonic=lambda: now[0]))
    api.post(TOKEN_URL, json=_token("first", expires_in=3600))
    s = sdk.SDK(server_url="http://127.0.0.1:8080", security=CREDENTIALS)
    _create_transaction(s)
    now[0] += 3000  # 10 minutes before expiry: still good
    _create_transaction(s)
    assert _urls(api).count(TOKEN_URL) == 1
    api.replace("POST", TOKEN_URL, json=_token("second", expires_in=3600))
    now[0] += 599  # one second before expiry: too late to use it
    _create_transaction(s)
    assert _urls(api).count(TOKEN_URL) == 2
    assert api.calls[-1].request.headers["Authorization"] == "Bearer second"


# --- security as a callable --------------------------------------------------------------------


def test_security_callable_supplies_the_credentials(api: responses.RequestsMock) -> None:
    api.post(TOKEN_URL, json=_token())
    calls = []

    def security() -> shared.Security:
        calls.append(1)
        return shared.Security(client_id="from-vault", client_secret="vault-secret")

    _create_transaction(sdk.SDK(server_url="http://127.0.0.1:8080", security=security))
    assert calls
    form = parse_qs(api.calls[0].request.body)
    assert (form["client_id"], form["client_secret"]) == (["from-vault"], ["vault-secret"])
    assert api.calls[1].request.headers["Authorization"] == "Bearer tok-1"


def test_security_callable_rotation_gets_a_new_token(api: responses.RequestsMock) -> None:
    api.post(TOKEN_URL, json=_token("old", expires_in=3600))
    current = [shared.Security(client_id="svc", client_secret="old-secret")]
    s = sdk.SDK(server_url="http://127.0.0.1:8080", security=lambda: current[0])
    _create_transaction(s)
    current[0] = shared.Security(client_id="svc", client_secret="new-secret")
    api.replace("POST", TOKEN_URL, json=_token("new", expires_in=3600))
    _create_transaction(s)
    token_calls = [c.request for c in api.calls if c.request.url == TOKEN_URL]
    assert [parse_qs(r.body)["client_secret"] for r in token_calls] == [["old-secret"], ["new-secret"]]
    assert api.calls[-1].request.headers["Authorization"] == "Bearer new"


# --- without security --------------------------------------------------------------------------


def test_no_security_means_no_token_and_no_header(api: responses.RequestsMock) -> None:
    _create_transaction(sdk.SDK(server_url="http://127.0.0.1:8080", security=None))
    assert _urls(api) == ["http://127.0.0.1:8080/api/ledger/v2/main/transactions"]
    assert "Authorization" not in api.calls[0].request.headers


def test_empty_credentials_are_refused_instead_of_turning_auth_off() -> None:
    # e.g. Security(client_id=os.getenv("ID"), client_secret=os.getenv("SECRET")) with the variables unset
    with pytest.raises(ValueError, match=r"security\.client_id: client_id and client_secret are empty"):
        sdk.SDK(server_url="http://127.0.0.1:8080", security=shared.Security())
    with pytest.raises(ValueError, match=r"security\.client_secret: client_secret is empty"):
        sdk.SDK(server_url="http://127.0.0.1:8080", security=shared.Security(client_id="id"))


@pytest.mark.parametrize("answer", [None, {"client_id": "a", "client_secret": "b"}, shared.Security()],
                         ids=["none", "dict", "empty"])
def test_security_callable_answer_is_checked_before_anything_is_sent(
        rsps: responses.RequestsMock, answer: Any) -> None:
    s = sdk.SDK(server_url="http://127.0.0.1:8080", security=lambda: answer)
    with pytest.raises((TypeError, ValueError), match=r"security\(\)"):
        _create_transaction(s)
    assert not rsps.calls, "nothing may be sent without the credentials the caller meant"


# --- token endpoint failures -------------------------------------------------------------------


def test_token_endpoint_refusal_raises_token_error_without_the_secret(api: responses.RequestsMock) -> None:
    api.post(TOKEN_URL, status=401, json={"error": "invalid_client"})
    with pytest.raises(errors.TokenError) as caught:
        _create_transaction(sdk.SDK(server_url="http://127.0.0.1:8080", security=CREDENTIALS))
    assert caught.value.status_code == 401
    assert "invalid_client" in caught.value.body
    assert "s3cr3t-value" not in str(caught.value) and "s3cr3t-value" not in repr(caught.value)
    assert _urls(api) == [TOKEN_URL]  # the operation itself was never sent
