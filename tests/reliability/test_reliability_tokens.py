"""OAuth2 token lifecycle against a real token endpoint: caching, expiry, revocation, failures."""

from __future__ import annotations

import json
import threading
import time
import traceback
from typing import Any, Callable, List

import fault_server as fs
import pytest
from fault_server import TOKEN_PATH, FaultServer
from reliability_helpers import assert_typed, make_sdk, run_with_deadline, tx_attempts, tx_request

import sdk
from sdk.models import errors, shared

SECRET = "s3cr3t-Value-7d1f0c"


def bearer_tokens(server: FaultServer) -> List[str]:
    return [r.authorization.split(" ", 1)[1] for r in server.records() if r.path != TOKEN_PATH and r.authorization]


def test_token_is_cached_per_sdk_instance(server: FaultServer) -> None:
    s1 = make_sdk(server)
    for n in range(3):
        s1.ledger.v2.create_transaction(request=tx_request(n))
    assert server.token_fetches == 1, "one token for repeated calls on one SDK"
    s2 = make_sdk(server)
    s2.ledger.v2.create_transaction(request=tx_request(10))
    s1.ledger.v2.create_transaction(request=tx_request(11))
    assert server.token_fetches == 2, "a second SDK instance gets its own token"
    used = bearer_tokens(server)
    assert used[0] == used[1] == used[2] == used[4]
    assert used[3] != used[0]


def test_tokens_are_not_shared_between_servers(make_server: Callable[..., FaultServer]) -> None:
    a, b = make_server(), make_server()
    sa, sb = make_sdk(a), make_sdk(b)  # same client id and secret on both
    for n in range(2):
        sa.ledger.v2.create_transaction(request=tx_request(n))
        sb.ledger.v2.create_transaction(request=tx_request(n))
    assert a.token_fetches == 1 and b.token_fetches == 1
    assert set(bearer_tokens(a)) <= set(a.issued_tokens())
    assert set(bearer_tokens(b)) <= set(b.issued_tokens())


def test_token_refreshed_before_expiry_without_a_401(server: FaultServer) -> None:
    server.token_expires_in = 2
    s = make_sdk(server)
    s.ledger.v2.create_transaction(request=tx_request(1))
    time.sleep(2.1)
    s.ledger.v2.create_transaction(request=tx_request(2))
    assert server.token_fetches == 2
    assert not [r for r in server.records() if r.status == 401], "an expired token was sent"


def test_missing_expires_in_token_reused_until_401_then_one_refetch_and_replay(server: FaultServer) -> None:
    server.token_expires_in = None
    s = make_sdk(server)
    for n in range(5):
        s.ledger.v2.create_transaction(request=tx_request(n))
    assert server.token_fetches == 1, "a token without expires_in is valid until the server rejects it"
    server.revoke_all_tokens()
    res = s.ledger.v2.create_transaction(request=tx_request(5))
    assert res.status_code == 200
    assert server.token_fetches == 2
    attempts = tx_attempts(server)[5:]
    assert [r.status for r in attempts] == [401, 200], "one 401, then the replay with the new token"
    assert len(server.all_transactions()) == 6


def test_revoked_token_mid_session_refetch_and_replay_without_retries(server: FaultServer) -> None:
    s = make_sdk(server)  # retries off: the replay after a 401 is not a retry
    s.ledger.v2.create_transaction(request=tx_request(1))
    server.plan.add(fs.revoke_token())
    res = s.ledger.v2.create_transaction(request=tx_request(2))
    assert res.v2_create_transaction_response.data.metadata == {"n": "2"}
    assert server.token_fetches == 2
    assert len(server.all_transactions()) == 2


def test_server_that_always_401s_gets_one_replay_then_typed_error(server: FaultServer) -> None:
    s = make_sdk(server)
    server.always_401 = True
    _, exc, elapsed = run_with_deadline(lambda: s.ledger.v2.create_transaction(request=tx_request(1)), 10)
    assert_typed(exc, errors.FormanceError)
    assert getattr(exc, "status_code", None) == 401
    assert len(tx_attempts(server)) == 2, "exactly one replay, not a loop"
    assert server.token_fetches == 2
    assert elapsed < 5


def test_always_401_with_retries_enabled_is_still_bounded(server: FaultServer) -> None:
    from reliability_helpers import fast_retries

    s = make_sdk(server, retry_config=fast_retries())
    server.always_401 = True
    _, exc, _ = run_with_deadline(lambda: s.ledger.v2.get_info(), 10)
    assert_typed(exc, errors.FormanceError)
    assert len([r for r in server.records() if r.path != TOKEN_PATH]) == 2
    assert server.token_fetches == 2


@pytest.mark.parametrize("status, content_type, body, shown", [
    pytest.param(400, "application/json", json.dumps({"error": "invalid_scope", "error_description":
                                                      "scope ledger:write not allowed"}),
                 "invalid_scope", id="400-json"),
    pytest.param(401, "application/json", json.dumps({"error": "invalid_client"}), "invalid_client", id="401-json"),
    pytest.param(500, "text/plain", "token store unavailable", "token store unavailable", id="500-text"),
    pytest.param(400, "text/plain", f"bad client_secret {SECRET}", "bad client_secret", id="400-echoes-secret"),
])
def test_token_endpoint_failure_raises_token_error_without_secret(
        server: FaultServer, status: int, content_type: str, body: str, shown: str) -> None:
    server.token_error = (status, content_type, body)
    s = make_sdk(server, client_secret=SECRET)
    _, exc, _ = run_with_deadline(lambda: s.ledger.v2.get_info(), 10)
    assert_typed(exc, errors.TokenError)
    assert exc.status_code == status  # type: ignore[union-attr]
    text = str(exc)
    assert str(status) in text, f"status missing from {text!r}"
    assert shown in text, f"server text missing from {text!r}"
    rendered = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    for where, value in (("str", text), ("repr", repr(exc)), ("traceback", rendered),
                         ("body", str(getattr(exc, "body", ""))), ("args", repr(exc.args))):  # type: ignore[union-attr]
        assert SECRET not in value, f"client secret leaked in {where}"
    assert not [r for r in server.records() if r.path != TOKEN_PATH], "no API call without a token"


def test_wrong_credentials_raise_token_error(server: FaultServer) -> None:
    s = make_sdk(server, client_secret=SECRET)  # the server expects another secret
    with pytest.raises(errors.TokenError) as info:
        s.ledger.v2.get_info()
    assert info.value.status_code == 401 and "invalid_client" in str(info.value)
    assert SECRET not in str(info.value) and SECRET not in repr(info.value)


def test_token_endpoint_connection_failure_is_typed(server: FaultServer) -> None:
    server.plan.add(fs.drop_before(), path=TOKEN_PATH)
    s = make_sdk(server)
    _, exc, _ = run_with_deadline(lambda: s.ledger.v2.get_info(), 10)
    assert_typed(exc, (errors.APIConnectionError, errors.TokenError))


def test_lowercase_bearer_token_type_is_accepted(server: FaultServer) -> None:
    server.token_type = "bearer"
    s = make_sdk(server)
    res = s.ledger.v2.create_transaction(request=tx_request(1))
    assert res.status_code == 200
    assert (tx_attempts(server)[0].authorization or "").startswith("Bearer ")


def test_concurrent_first_calls_fetch_the_token_once(server: FaultServer) -> None:
    server.token_delay = 0.3  # a slow token endpoint widens the race
    s = make_sdk(server)
    barrier = threading.Barrier(8)
    failures: List[BaseException] = []

    def worker(n: int) -> None:
        barrier.wait()
        try:
            s.ledger.v2.create_transaction(request=tx_request(n))
        except BaseException as exc:  # noqa: BLE001
            failures.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(15)
    assert not failures, failures
    assert server.token_fetches == 1, f"{server.token_fetches} token fetches for one SDK (want single flight)"
    assert len(server.all_transactions()) == 8


def test_security_callable_is_honoured(server: FaultServer) -> None:
    calls: List[int] = []

    def provide() -> Any:
        calls.append(1)
        return shared.Security(client_id=server.client_id, client_secret=server.client_secret)

    s = sdk.SDK(server_url=server.url, security=provide, timeout=(2.0, 5.0))
    s.ledger.v2.create_transaction(request=tx_request(1))
    s.ledger.v2.create_transaction(request=tx_request(2))
    assert calls and server.token_fetches == 1
