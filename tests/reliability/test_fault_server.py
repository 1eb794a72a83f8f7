"""Self-test of the fault server with plain `requests`, independent of the SDK.

If these fail, the SDK reliability tests cannot be trusted: fix the server first.
"""

from __future__ import annotations

import email.utils
import threading
import time
from typing import Any, Dict, Optional

import fault_server as fs
import pytest
import requests
from fault_server import TOKEN_PATH, FaultServer

TX_PATH = "/api/ledger/v2/main/transactions"


def token_for(server: FaultServer, session: Optional[requests.Session] = None) -> str:
    http = session or requests
    res = http.post(server.url + TOKEN_PATH, data={
        "grant_type": "client_credentials", "client_id": server.client_id,
        "client_secret": server.client_secret, "scope": "ledger:read ledger:write"}, timeout=5)
    assert res.status_code == 200, res.text
    return res.json()["access_token"]


def auth(token: str, **extra: str) -> Dict[str, str]:
    return {"Authorization": f"Bearer {token}", **extra}


def tx_body(n: int, reference: Optional[str] = None) -> Dict[str, Any]:
    body: Dict[str, Any] = {"postings": [{"amount": 100 + n, "asset": "USD/2", "source": "world",
                                          "destination": f"users:{n:03d}"}], "metadata": {"n": str(n)}}
    if reference:
        body["reference"] = reference
    return body


def test_token_endpoint_issues_counts_and_rejects(server: FaultServer) -> None:
    res = requests.post(server.url + TOKEN_PATH, data={"grant_type": "client_credentials",
                                                      "client_id": "client-id", "client_secret": "client-secret"},
                        timeout=5)
    assert res.status_code == 200
    doc = res.json()
    assert doc["token_type"] == "Bearer" and doc["expires_in"] == 3600 and doc["access_token"]
    bad = requests.post(server.url + TOKEN_PATH, data={"grant_type": "client_credentials",
                                                      "client_id": "client-id", "client_secret": "nope"}, timeout=5)
    assert bad.status_code == 401 and bad.json()["error"] == "invalid_client"
    assert server.token_fetches == 2
    assert all(r.get("client_secret") == "<redacted>" for r in server.token_requests)

    server.token_expires_in = None
    server.token_type = "bearer"
    doc = requests.post(server.url + TOKEN_PATH, data={"grant_type": "client_credentials",
                                                      "client_id": "client-id", "client_secret": "client-secret"},
                        timeout=5).json()
    assert "expires_in" not in doc and doc["token_type"] == "bearer"

    server.token_error = (500, "text/plain", "token store unavailable")
    err = requests.post(server.url + TOKEN_PATH, data={"grant_type": "client_credentials"}, timeout=5)
    assert err.status_code == 500 and err.text == "token store unavailable"


def test_auth_required_expiry_and_revocation(server: FaultServer) -> None:
    assert requests.get(server.url + "/api/ledger/v2/_info", timeout=5).status_code == 401
    server.token_expires_in = 1
    token = token_for(server)
    assert requests.get(server.url + "/api/ledger/v2/_info", headers=auth(token), timeout=5).status_code == 200
    time.sleep(1.05)
    assert requests.get(server.url + "/api/ledger/v2/_info", headers=auth(token), timeout=5).status_code == 401
    token = token_for(server)
    server.revoke(token)
    res = requests.get(server.url + "/api/ledger/v2/_info", headers=auth(token), timeout=5)
    assert res.status_code == 401 and "Bearer" in res.headers["WWW-Authenticate"]
    # /versions needs no token
    assert requests.get(server.url + "/versions", timeout=5).json()["env"] == "fault-server"


def test_v2_writes_idempotency_and_reference_conflicts(server: FaultServer) -> None:
    token = token_for(server)
    url = server.url + TX_PATH
    first = requests.post(url, json=tx_body(1), headers=auth(token, **{"Idempotency-Key": "k1"}), timeout=5)
    assert first.status_code == 200 and "Idempotency-Hit" not in first.headers
    data = first.json()["data"]
    assert set(data) >= {"id", "timestamp", "postings", "metadata", "reverted"} and data["reverted"] is False

    again = requests.post(url, json=tx_body(1), headers=auth(token, **{"Idempotency-Key": "k1"}), timeout=5)
    assert again.status_code == 200 and again.headers["Idempotency-Hit"] == "true"
    assert again.json() == first.json()

    other = requests.post(url, json=tx_body(2), headers=auth(token, **{"Idempotency-Key": "k1"}), timeout=5)
    assert other.status_code == 400 and other.json()["errorCode"] == "VALIDATION"

    ref1 = requests.post(url, json=tx_body(3, "ref-3"), headers=auth(token), timeout=5)
    assert ref1.status_code == 200 and ref1.json()["data"]["reference"] == "ref-3"
    ref2 = requests.post(url, json=tx_body(4, "ref-3"), headers=auth(token), timeout=5)
    assert ref2.status_code == 409 and ref2.json()["errorCode"] == "CONFLICT"

    got = requests.get(f"{url}/{data['id']}", headers=auth(token), timeout=5)
    assert got.status_code == 200 and got.json()["data"] == data
    assert requests.get(f"{url}/999", headers=auth(token), timeout=5).status_code == 404

    assert len(server.all_transactions()) == 2
    assert server.writes_by_key["k1"] == 1 and server.idempotency_hits == 1 and server.duplicates == 0
    assert server.keys_seen["k1"] == 3

    # the same body twice without key or reference is a duplicate write, and is counted as one
    requests.post(url, json=tx_body(9), headers=auth(token), timeout=5)
    requests.post(url, json=tx_body(9), headers=auth(token), timeout=5)
    assert server.duplicates == 1


def test_v1_write_and_create_ledger_are_plain_writes(server: FaultServer) -> None:
    token = token_for(server)
    res = requests.post(server.url + "/api/ledger/main/transactions", json=tx_body(1), headers=auth(token), timeout=5)
    assert res.status_code == 200 and res.json()["data"][0]["txid"] == 0
    created = requests.post(server.url + "/api/ledger/v2/books", json={}, headers=auth(token), timeout=5)
    assert created.status_code == 204 and created.content == b""
    again = requests.post(server.url + "/api/ledger/v2/books", json={}, headers=auth(token), timeout=5)
    assert again.status_code == 400
    assert len(server.v1_writes) == 1 and server.ledgers_created == ["books"]


def test_drop_before_reading_resets_without_processing(server: FaultServer) -> None:
    token = token_for(server)
    server.plan.add(fs.drop_before())
    with pytest.raises(requests.ConnectionError):
        requests.post(server.url + TX_PATH, json=tx_body(1), headers=auth(token), timeout=5)
    assert server.all_transactions() == []
    assert [r.outcome for r in server.api_records()] == ["dropped-before-read"]
    # next request is served normally
    assert requests.post(server.url + TX_PATH, json=tx_body(1), headers=auth(token), timeout=5).status_code == 200


def test_drop_after_reading_commits_then_closes(server: FaultServer) -> None:
    token = token_for(server)
    server.plan.add(fs.drop_after())
    with pytest.raises(requests.ConnectionError):
        requests.post(server.url + TX_PATH, json=tx_body(1), headers=auth(token, **{"Idempotency-Key": "k"}),
                      timeout=5)
    assert len(server.all_transactions()) == 1
    retry = requests.post(server.url + TX_PATH, json=tx_body(1), headers=auth(token, **{"Idempotency-Key": "k"}),
                          timeout=5)
    assert retry.headers.get("Idempotency-Hit") == "true" and len(server.all_transactions()) == 1


@pytest.mark.parametrize("code", [429, 502, 503])
@pytest.mark.parametrize("retry_after", [None, "seconds", "date"])
def test_status_faults_answer_without_processing(server: FaultServer, code: int, retry_after: Optional[str]) -> None:
    token = token_for(server)
    server.plan.add(fs.status(code, retry_after, seconds=2))
    res = requests.post(server.url + TX_PATH, json=tx_body(1), headers=auth(token), timeout=5)
    assert res.status_code == code
    if retry_after is None:
        assert "Retry-After" not in res.headers
    elif retry_after == "seconds":
        assert res.headers["Retry-After"] == "2"
    else:
        when = email.utils.parsedate_to_datetime(res.headers["Retry-After"]).timestamp()
        assert 0 <= when - time.time() <= 3
    assert res.headers["Content-Type"] == "application/json" and res.json()["errorCode"] == "INTERNAL"
    assert server.all_transactions() == []


def test_text_and_html_error_bodies(server: FaultServer) -> None:
    token = token_for(server)
    server.plan.add(fs.status(429, body="text"), fs.html_error())
    res = requests.get(server.url + "/api/ledger/v2/_info", headers=auth(token), timeout=5)
    assert res.status_code == 429 and res.headers["Content-Type"].startswith("text/plain")
    res = requests.get(server.url + "/api/ledger/v2/_info", headers=auth(token), timeout=5)
    assert res.status_code == 502 and res.headers["Content-Type"].startswith("text/html")
    assert "<html>" in res.text


def test_stall_outlives_client_timeout_but_commits(server: FaultServer) -> None:
    token = token_for(server)
    server.plan.add(fs.stall(3.0))
    started = time.monotonic()
    with pytest.raises(requests.Timeout):
        requests.post(server.url + TX_PATH, json=tx_body(1), headers=auth(token), timeout=(2, 0.3))
    assert time.monotonic() - started < 2
    assert len(server.all_transactions()) == 1  # committed before stalling


def test_truncated_body_and_invalid_json(server: FaultServer) -> None:
    token = token_for(server)
    server.plan.add(fs.truncate(), fs.invalid_json())
    with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.ConnectionError)):
        requests.post(server.url + TX_PATH, json=tx_body(1), headers=auth(token), timeout=5)
    res = requests.post(server.url + TX_PATH, json=tx_body(2), headers=auth(token), timeout=5)
    assert res.status_code == 200 and res.headers["Content-Type"] == "application/json"
    with pytest.raises(ValueError):
        res.json()
    assert len(server.all_transactions()) == 2


def test_revoke_fault_answers_401_and_kills_token(server: FaultServer) -> None:
    token = token_for(server)
    server.plan.add(fs.revoke_token())
    assert requests.get(server.url + "/api/ledger/v2/_info", headers=auth(token), timeout=5).status_code == 401
    assert requests.get(server.url + "/api/ledger/v2/_info", headers=auth(token), timeout=5).status_code == 401
    assert requests.get(server.url + "/api/ledger/v2/_info", headers=auth(token_for(server)),
                        timeout=5).status_code == 200


def test_redirect_to_other_origin(server: FaultServer, make_server: Any) -> None:
    other = make_server(require_auth=False)
    token = token_for(server)
    server.plan.add(fs.redirect(other.url + "/api/ledger/v2/_info"))
    res = requests.get(server.url + "/api/ledger/v2/_info", headers=auth(token), timeout=5)
    assert res.status_code == 200 and res.url.startswith(other.url)
    assert [r.authorization for r in other.records()] == [None]  # requests itself strips it


def test_token_endpoint_can_be_faulted_explicitly(server: FaultServer) -> None:
    server.plan.add(fs.status(503), path=TOKEN_PATH)
    res = requests.post(server.url + TOKEN_PATH, data={"grant_type": "client_credentials"}, timeout=5)
    assert res.status_code == 503
    assert token_for(server)


def test_random_plan_is_deterministic_for_a_seed() -> None:
    mix = [fs.drop_before(), fs.status(503), fs.stall(1)]

    def sequence(seed: int) -> list:
        plan = fs.FaultPlan().randomize(0.3, mix, seed=seed)
        return [(f.label if f else None) for f in (plan.decide("POST", TX_PATH) for _ in range(200))]

    a, b, c = sequence(7), sequence(7), sequence(8)
    assert a == b and a != c
    assert 30 <= sum(x is not None for x in a) <= 90
    assert fs.FaultPlan().randomize(1.0, mix, seed=1).decide("POST", TOKEN_PATH) is None  # token path spared


def test_concurrent_clients_keep_counters_consistent(server: FaultServer) -> None:
    token = token_for(server)
    server.plan.randomize(0.3, [fs.status(503), fs.drop_after(), fs.drop_before()], seed=3)
    errors: list = []

    def worker(t: int) -> None:
        with requests.Session() as http:
            for i in range(25):
                key = f"t{t}-{i}"
                for _ in range(20):
                    try:
                        res = http.post(server.url + TX_PATH, json=tx_body(t * 100 + i),
                                        headers=auth(token, **{"Idempotency-Key": key}), timeout=5)
                    except requests.ConnectionError:
                        continue
                    if res.status_code == 200:
                        break
                else:
                    errors.append(key)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    assert not errors
    assert server.wait_idle()
    assert len(server.all_transactions()) == 200
    assert server.duplicates == 0 and set(server.writes_by_key.values()) == {1}
    assert len(server.writes_by_key) == 200
    stats = server.stats()
    assert stats["api_requests"] > 200 and sum(stats["faults_applied"].values()) > 0


def test_pause_refuses_connections_and_resume_keeps_state(server: FaultServer) -> None:
    token = token_for(server)
    requests.post(server.url + TX_PATH, json=tx_body(1), headers=auth(token), timeout=5)
    url = server.url
    server.pause()
    with pytest.raises(requests.ConnectionError):
        requests.get(url + "/api/ledger/v2/_info", headers=auth(token), timeout=2)
    server.resume()
    assert server.url == url
    res = requests.get(url + "/api/ledger/v2/main/transactions/0", headers=auth(token), timeout=5)
    assert res.status_code == 200
