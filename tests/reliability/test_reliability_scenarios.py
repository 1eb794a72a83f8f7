"""The two scenarios of the reliability issue, run against the fault server.

A: 200 ledger v2 writes with 30 % of the API requests faulted end with exactly 200 transactions,
   on 1 and on 8 threads, also with 30 % of the token requests faulted.
B: 8 threads x 50 calls on one SDK while tokens expire every second: no failure, few token fetches.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Dict, List, Optional

import fault_server as fs
import pytest
from fault_server import TOKEN_PATH, FaultServer
from reliability_helpers import code_of, is_transient, make_sdk, tx_attempts, tx_request

from sdk.models import errors, operations
from sdk.utils import BackoffStrategy, RetryConfig

SCENARIO_A_WRITES = 200
SCENARIO_A_FAULT_RATE = 0.3
SCENARIO_A_SEED = 20240917
CALLER_ATTEMPTS = 8

# Every fault the server can inject on an API call, drawn uniformly.
FAULT_MIX = [
    fs.drop_before(),
    fs.drop_after(),
    fs.status(429),
    fs.status(429, "seconds", seconds=1),
    fs.status(502, body="text"),
    fs.html_error(),
    fs.status(503),
    fs.status(503, "date", seconds=1),
    fs.stall(1.0),          # > the 0.4 s read timeout below
    fs.truncate(),
    fs.invalid_json(),
    fs.revoke_token(),
]


def _report(capsys: pytest.CaptureFixture, title: str, figures: Dict[str, object]) -> None:
    line = f"\n[{title}] " + ", ".join(f"{k}={v}" for k, v in figures.items())
    with capsys.disabled():
        print(line)


# Faults of the token endpoint: what a real identity provider or its proxy does when unwell.
TOKEN_FAULT_MIX = [
    fs.status(503),
    fs.status(503, "seconds", seconds=1),
    fs.status(429, body="text"),
    fs.status(502, body="text"),
    fs.drop_before(),
    fs.drop_after(),
    fs.stall(1.0),
]


@pytest.mark.reliability
@pytest.mark.parametrize("sdk_retries, threads, token_faults", [
    pytest.param(True, 1, False, id="sdk-retries"),
    pytest.param(False, 1, False, id="caller-retries-only"),
    pytest.param(True, 8, False, id="sdk-retries-8-threads"),
    pytest.param(True, 1, True, id="sdk-retries-token-faults"),
    pytest.param(True, 8, True, id="sdk-retries-token-faults-8-threads"),
    pytest.param(False, 8, True, id="caller-retries-only-token-faults-8-threads"),
])
def test_scenario_a_200_writes_with_30_percent_faults_none_lost_none_duplicated(
        server: FaultServer, capsys: pytest.CaptureFixture, sdk_retries: bool, threads: int,
        token_faults: bool) -> None:
    """With SDK retries most faults are absorbed; without, every fault surfaces and must be typed.

    With `token_faults`, tokens expire every second and 30 % of the token requests fail too
    (503, 429, 502, connection reset or closed, stall past the read timeout).
    """
    retry = RetryConfig("backoff", BackoffStrategy(initial_interval=10, max_interval=100, exponent=1.5,
                                                   max_elapsed_time=2000), retry_connection_errors=True)
    s = make_sdk(server, retry_config=retry if sdk_retries else None, timeout=(2.0, 0.4))
    server.plan.randomize(SCENARIO_A_FAULT_RATE, FAULT_MIX, seed=SCENARIO_A_SEED)
    if token_faults:
        server.token_expires_in = 1
        server.plan.randomize(SCENARIO_A_FAULT_RATE, TOKEN_FAULT_MIX, seed=SCENARIO_A_SEED + 1,
                              path="^" + TOKEN_PATH + "$")

    lock = threading.Lock()
    surfaced: Counter = Counter()        # exception type -> times the SDK raised it to the caller
    untyped: List[BaseException] = []    # anything that is not a FormanceError: must stay empty
    given_up: Dict[int, BaseException] = {}
    conflicts_after_retry = 0
    results: Dict[int, int] = {}         # n -> transaction id returned to the caller

    def write(n: int) -> None:
        nonlocal conflicts_after_retry
        # Half the calls carry the caller's own idempotency key (and every fourth a reference too);
        # the other half leave the key to the SDK and carry a unique reference instead.
        key: Optional[str] = f"scenario-a-{n}" if n % 2 == 0 else None
        reference: Optional[str] = f"order-{n}" if (key is None or n % 4 == 0) else None
        request = tx_request(n, key=key, reference=reference)
        for attempt in range(CALLER_ATTEMPTS):
            try:
                res = s.ledger.v2.create_transaction(request=request)
            except Exception as exc:  # noqa: BLE001 - classifying what the SDK surfaces is the point
                with lock:
                    surfaced[type(exc).__name__] += 1
                if not isinstance(exc, errors.FormanceError):
                    with lock:
                        untyped.append(exc)
                        given_up[n] = exc
                    return
                if (attempt > 0 and key is None and isinstance(exc, errors.V2ErrorResponse)
                        and exc.status_code == 409 and code_of(exc) == "CONFLICT"):
                    # Our earlier attempt landed; its reference proves it. A real caller stops here.
                    with lock:
                        conflicts_after_retry += 1
                    return
                if is_transient(exc) and attempt + 1 < CALLER_ATTEMPTS:
                    continue  # same request object, so the same idempotency key (or reference)
                with lock:
                    given_up[n] = exc
                return
            else:
                data = res.v2_create_transaction_response.data
                assert data.metadata == {"n": str(n)}, f"call {n} got another call's transaction"
                with lock:
                    results[n] = data.id
                return

    def worker(t: int) -> None:
        for n in range(t, SCENARIO_A_WRITES, threads):
            write(n)

    started = time.monotonic()
    workers = [threading.Thread(target=worker, args=(t,), daemon=True) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
    elapsed = time.monotonic() - started
    assert not any(w.is_alive() for w in workers), "a writer hung"
    assert server.wait_idle(), "a stalled handler never finished"

    per_call = Counter(tx["metadata"]["n"] for tx in server.all_transactions())
    recorded = len(server.all_transactions())
    duplicated = sum(c - 1 for c in per_call.values() if c > 1)
    lost = sum(1 for n in range(SCENARIO_A_WRITES) if per_call[str(n)] == 0)
    attempts = len(tx_attempts(server))
    faulted = sum(server.plan.applied.values())
    token_records = server.records("POST", "^" + TOKEN_PATH + "$")
    token_faulted = sum(1 for r in token_records if r.outcome != "token")
    _report(capsys, f"scenario A, {'SDK' if sdk_retries else 'caller-only'} retries, {threads} thread(s)"
                    + (", token faults" if token_faults else ""), {
        "writes_attempted": attempts, "recorded": recorded, "distinct": len(per_call),
        "duplicated": duplicated, "lost": lost, "faults_injected": faulted, "token_requests": len(token_records),
        "token_faults": token_faulted, "idempotency_hits": server.idempotency_hits,
        "conflicts_after_retry": conflicts_after_retry, "surfaced": dict(surfaced), "run_s": round(elapsed, 1),
    })

    assert not untyped, f"untyped exceptions surfaced: {untyped[:3]!r}"
    assert not given_up, {n: f"{type(e).__name__}: {e}" for n, e in list(given_up.items())[:5]}
    assert lost == 0 and duplicated == 0 and server.duplicates == 0
    assert recorded == SCENARIO_A_WRITES and len(per_call) == SCENARIO_A_WRITES
    assert len(results) + conflicts_after_retry == SCENARIO_A_WRITES
    assert faulted >= 0.2 * SCENARIO_A_WRITES, "the fault plan did not fire as configured"
    if token_faults:
        assert token_faulted >= 3, f"only {token_faulted} token requests were faulted"
    if sdk_retries:
        # The token requests are retried under the call's policy: their faults never surface.
        assert surfaced["TokenError"] == 0, surfaced
    assert elapsed < 60


@pytest.mark.reliability
def test_scenario_b_8_threads_50_calls_tokens_expiring_every_second(
        server: FaultServer, capsys: pytest.CaptureFixture) -> None:
    server.token_expires_in = 1
    s = make_sdk(server)  # no retries: expiry must be handled by refresh and the 401 replay alone
    threads_n, calls_n = 8, 50
    failures: List[str] = []
    barrier = threading.Barrier(threads_n)

    def worker(t: int) -> None:
        barrier.wait()
        for i in range(calls_n):
            try:
                if i % 2 == 0:
                    res = s.ledger.v2.create_transaction(request=tx_request(t * 1000 + i))
                    assert res.v2_create_transaction_response.data.metadata == {"n": str(t * 1000 + i)}
                else:
                    res = s.ledger.v2.get_transaction(
                        request=operations.V2GetTransactionRequest(ledger="main", id=0))
                    assert res.status_code == 200
            except BaseException as exc:  # noqa: BLE001
                failures.append(f"thread {t} call {i}: {type(exc).__name__}: {exc}")
            time.sleep(0.05)  # spread the calls over a few token lifetimes

    started = time.monotonic()
    workers = [threading.Thread(target=worker, args=(t,), daemon=True) for t in range(threads_n)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    run_s = time.monotonic() - started
    assert not any(w.is_alive() for w in workers), "a worker hung"

    scope_sets = {r.get("scope", "") for r in server.token_requests}
    rejected = sum(1 for r in server.records() if r.path != TOKEN_PATH and r.status == 401)
    _report(capsys, "scenario B", {
        "calls": threads_n * calls_n, "failures": len(failures), "token_fetches": server.token_fetches,
        "scope_sets": len(scope_sets), "expired_token_401s": rejected, "run_s": round(run_s, 1),
    })

    assert not failures, failures[:5]
    assert len(server.all_transactions()) == threads_n * calls_n // 2 and server.duplicates == 0
    # One token per scope set per lifetime (refreshed a little early), never one per call.
    budget = len(scope_sets) * (run_s / 1.0 * 2 + 4)
    assert server.token_fetches <= budget, f"{server.token_fetches} fetches in {run_s:.1f}s (budget {budget:.0f})"
    assert server.token_fetches < threads_n * calls_n / 10
    assert server.token_fetches > len(scope_sets), "tokens expired during the run but were never refreshed"
