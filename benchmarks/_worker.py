"""One in-process workload, run in a fresh process per repeat by ``run.py``.

``python _worker.py --workload decode --target sdk --url http://127.0.0.1:PORT --size 1000``

Runs warm-up operations, then times operations until ``--iterations`` (or ``--min-time`` with
at least ``--min-iterations``) is reached, verifies the last result, optionally measures the
tracemalloc peak of one more operation, and prints one JSON object on stdout. Stdlib plus
``requests`` (raw target) or the installed ``sdk`` (sdk target): it may run under any
interpreter given to ``run.py --python``.

An operation is ``build`` (make the request input: dicts for raw, model objects for the SDK)
followed by ``call`` (send it, decode the response). CPU (``time.process_time``) and wall
(``time.perf_counter``) are accumulated separately for both phases.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import importlib
import json
import sys
import time
import traceback
import tracemalloc
from collections.abc import Callable
from typing import Any, NamedTuple

import _payloads

WORKLOADS = ("decode", "small", "encode", "encode-noreply")
TARGETS = ("raw", "sdk")


class Workload(NamedTuple):
    build: Callable[[int], Any]
    call: Callable[[Any], Any]
    verify: Callable[[Any], None]


class VerificationError(AssertionError):
    pass


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise VerificationError(message)


# --------------------------------------------------------------------------- raw


class RawWorkloads:
    """The baseline: ``requests.Session`` + ``json``, dicts in and dicts out."""

    def __init__(self, base_url: str, size: int) -> None:
        import requests

        self.session = requests.Session()
        self.base_url = base_url
        self.size = size
        self.inputs = _payloads.transaction_inputs(max(size, 1))

    @staticmethod
    def tx_dict(t: _payloads.TransactionInput) -> dict[str, Any]:
        return {
            "postings": [
                {
                    "amount": p.amount,
                    "asset": p.asset,
                    "source": p.source,
                    "destination": p.destination,
                }
                for p in t.postings
            ],
            "metadata": t.metadata,
            "reference": t.reference,
            "timestamp": _payloads.rfc3339(t.timestamp),
        }

    def decode(self) -> Workload:
        size, session = self.size, self.session
        ledger = _payloads.ledger_name(size)
        url = f"{self.base_url}/api/ledger/v2/{ledger}/transactions"
        params = {"pageSize": min(size, 1000)}

        def call(_: Any) -> Any:
            r = session.get(url, params=params)
            _check(r.status_code == 200, f"HTTP {r.status_code}")
            return json.loads(r.content)

        def verify(body: Any) -> None:
            data = body["cursor"]["data"]
            _check(len(data) == size, f"expected {size} transactions, got {len(data)}")
            fee = data[-1]["postings"][1]["amount"]
            _check(fee == _payloads.expected_fee(size - 1), "bigint mismatch")

        return Workload(lambda i: None, call, verify)

    def small(self) -> Workload:
        session, inputs, tx_dict = self.session, self.inputs, self.tx_dict
        ledger = _payloads.ledger_name(1)
        url = f"{self.base_url}/api/ledger/v2/{ledger}/transactions"

        def build(i: int) -> Any:
            return tx_dict(inputs[i % len(inputs)])

        def call(body: Any) -> Any:
            r = session.post(url, json=body)
            _check(r.status_code == 200, f"HTTP {r.status_code}")
            return json.loads(r.content)

        def verify(body: Any) -> None:
            _check(body["data"]["id"] == 1, "unexpected transaction id")

        return Workload(build, call, verify)

    def encode(self, noreply: bool) -> Workload:
        size, session, inputs, tx_dict = (
            self.size,
            self.session,
            self.inputs,
            self.tx_dict,
        )
        ledger = _payloads.ledger_name(size, noreply=noreply)
        url = f"{self.base_url}/api/ledger/v2/{ledger}/_bulk"

        def build(_: int) -> Any:
            return [{"action": "CREATE_TRANSACTION", "data": tx_dict(t)} for t in inputs]

        def call(body: Any) -> Any:
            r = session.post(url, json=body)
            _check(r.status_code == 200, f"HTTP {r.status_code}")
            return r.headers.get("X-Bench-Elements"), json.loads(r.content)

        def verify(result: Any) -> None:
            sent, body = result
            _check(sent == str(size), f"server saw {sent} elements, expected {size}")
            expected = 0 if noreply else size
            _check(len(body["data"]) == expected, "unexpected result count")

        return Workload(build, call, verify)


# --------------------------------------------------------------------------- sdk


class SdkWorkloads:
    """The SDK under test, through its public API only (same code for every release)."""

    def __init__(self, base_url: str, size: int) -> None:
        # import_module keeps type checkers from needing the sdk installed; the objects are
        # used dynamically anyway, since any release may be measured.
        sdk = importlib.import_module("sdk")
        self.operations = importlib.import_module("sdk.models.operations")
        self.shared = importlib.import_module("sdk.models.shared")
        self.v2 = sdk.SDK(server_url=base_url, security=None).ledger.v2
        self.size = size
        self.inputs = _payloads.transaction_inputs(max(size, 1))

    def post_tx(self, t: _payloads.TransactionInput) -> Any:
        shared = self.shared
        return shared.V2PostTransaction(
            metadata=t.metadata,
            postings=[
                shared.V2Posting(
                    amount=p.amount,
                    asset=p.asset,
                    destination=p.destination,
                    source=p.source,
                )
                for p in t.postings
            ],
            reference=t.reference,
            timestamp=t.timestamp,
        )

    def decode(self) -> Workload:
        size, v2, operations = self.size, self.v2, self.operations
        ledger = _payloads.ledger_name(size)
        page_size = min(size, 1000)

        def build(_: int) -> Any:
            return operations.V2ListTransactionsRequest(ledger=ledger, page_size=page_size)

        def call(request: Any) -> Any:
            return v2.list_transactions(request=request)

        def verify(res: Any) -> None:
            _check(res.status_code == 200, f"HTTP {res.status_code}")
            data = res.v2_transactions_cursor_response.cursor.data
            _check(len(data) == size, f"expected {size} transactions, got {len(data)}")
            last = data[-1]
            fee = last.postings[1].amount
            _check(fee == _payloads.expected_fee(size - 1), "bigint mismatch")
            _check(isinstance(last.timestamp, dt.datetime), "timestamp is not a datetime")
            volume = last.post_commit_volumes[_payloads.WORLD][_payloads.ASSET]
            _check(hasattr(volume, "balance"), "volumes not decoded to models")

        return Workload(build, call, verify)

    def small(self) -> Workload:
        v2, operations, inputs, post_tx = (
            self.v2,
            self.operations,
            self.inputs,
            self.post_tx,
        )
        ledger = _payloads.ledger_name(1)

        def build(i: int) -> Any:
            return operations.V2CreateTransactionRequest(
                ledger=ledger, v2_post_transaction=post_tx(inputs[i % len(inputs)])
            )

        def call(request: Any) -> Any:
            return v2.create_transaction(request=request)

        def verify(res: Any) -> None:
            _check(res.status_code == 200, f"HTTP {res.status_code}")
            tx = res.v2_create_transaction_response.data
            _check(tx.id == 1, "unexpected transaction id")
            _check(tx.postings[1].amount == _payloads.expected_fee(0), "bigint mismatch")

        return Workload(build, call, verify)

    def encode(self, noreply: bool) -> Workload:
        size, v2, operations, inputs = self.size, self.v2, self.operations, self.inputs
        post_tx = self.post_tx
        element_cls = self.shared.V2BulkElementCreateTransaction
        ledger = _payloads.ledger_name(size, noreply=noreply)

        def build(_: int) -> Any:
            elements = [element_cls(action="CREATE_TRANSACTION", data=post_tx(t)) for t in inputs]
            return operations.V2CreateBulkRequest(ledger=ledger, request_body=elements)

        def call(request: Any) -> Any:
            return v2.create_bulk(request=request)

        def verify(res: Any) -> None:
            _check(res.status_code == 200, f"HTTP {res.status_code}")
            sent = res.raw_response.headers.get("X-Bench-Elements")
            _check(sent == str(size), f"server saw {sent} elements, expected {size}")
            data = res.v2_bulk_response.data
            _check(len(data) == (0 if noreply else size), "unexpected result count")
            if not noreply:
                _check(data[-1].data.id == size, "unexpected id in last bulk result")

        return Workload(build, call, verify)


def make_workload(target: str, name: str, base_url: str, size: int) -> Workload:
    suite = (RawWorkloads if target == "raw" else SdkWorkloads)(base_url, size)
    if name == "decode":
        return suite.decode()
    if name == "small":
        return suite.small()
    if name in ("encode", "encode-noreply"):
        return suite.encode(noreply=name == "encode-noreply")
    raise ValueError(f"unknown workload {name!r}")


# --------------------------------------------------------------------------- measurement


def _measure(wl: Workload, *, warmup: int, iterations: int, min_iterations: int, min_time: float) -> dict[str, Any]:
    clock, cpu = time.perf_counter, time.process_time
    # Warm-up: up to ``warmup`` operations, but a slow target stops after ``min_time``.
    result: Any = None
    start = clock()
    for i in range(warmup):
        result = wl.call(wl.build(i))
        if min_time > 0 and clock() - start >= min_time:
            break
    if warmup:
        wl.verify(result)
    result = None

    # Each operation's garbage is freed inside the timed region (input with build, result with
    # call), so a slow target timed once pays for it as much as a fast one timed 100 times.
    build_cpu = build_wall = call_cpu = call_wall = 0.0
    n = 0
    start = clock()
    while True:
        c0, w0 = cpu(), clock()
        payload = wl.build(n)
        c1, w1 = cpu(), clock()
        result = wl.call(payload)
        c2, w2 = cpu(), clock()
        wl.verify(result)  # untimed
        c3, w3 = cpu(), clock()
        result = None
        c4, w4 = cpu(), clock()
        payload = None
        c5, w5 = cpu(), clock()
        build_cpu += (c1 - c0) + (c5 - c4)
        build_wall += (w1 - w0) + (w5 - w4)
        call_cpu += (c2 - c1) + (c4 - c3)
        call_wall += (w2 - w1) + (w4 - w3)
        n += 1
        if n >= iterations or (n >= min_iterations and min_time > 0 and clock() - start >= min_time):
            break
    return {
        "iterations": n,
        "cpu": (build_cpu + call_cpu) / n,
        "wall": (build_wall + call_wall) / n,
        "build_cpu": build_cpu / n,
        "build_wall": build_wall / n,
        "call_cpu": call_cpu / n,
        "call_wall": call_wall / n,
    }


def _peak_memory(wl: Workload) -> int:
    """tracemalloc peak (bytes) of one build + call, result kept alive until the end."""
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        result = wl.call(wl.build(0))
        peak = tracemalloc.get_traced_memory()[1]
        del result
    finally:
        tracemalloc.stop()
    return peak


def _sdk_modules() -> int:
    return sum(1 for m in sys.modules if m == "sdk" or m.startswith("sdk."))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="run one benchmark workload")
    parser.add_argument("--workload", choices=WORKLOADS, required=True)
    parser.add_argument("--target", choices=TARGETS, required=True)
    parser.add_argument("--url", required=True, help="server base URL")
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--iterations", type=int, default=1000, help="maximum timed operations")
    parser.add_argument("--min-iterations", type=int, default=1)
    parser.add_argument("--min-time", type=float, default=0.0, help="stop after this many seconds")
    parser.add_argument("--memory", action="store_true", help="also measure the tracemalloc peak")
    args = parser.parse_args(argv)

    out: dict[str, Any] = {
        "ok": False,
        "workload": args.workload,
        "target": args.target,
        "size": args.size,
    }
    stage = "setup"
    try:
        wl = make_workload(args.target, args.workload, args.url.rstrip("/"), args.size)
        stage = "run"
        out.update(
            _measure(
                wl,
                warmup=args.warmup,
                iterations=args.iterations,
                min_iterations=args.min_iterations,
                min_time=args.min_time,
            )
        )
        if args.memory:
            stage = "memory"
            out["peak_bytes"] = _peak_memory(wl)
        out["sdk_modules"] = _sdk_modules()
        out["ok"] = True
    except Exception as exc:  # every failure becomes data for run.py to show
        if stage == "setup" and isinstance(exc, ImportError):
            stage = "import"
        out["stage"] = "verify" if isinstance(exc, VerificationError) else stage
        out["error"] = f"{type(exc).__name__}: {exc}"
        out["traceback"] = traceback.format_exc(limit=-6)
    print(json.dumps(out), flush=True)
    return 0 if out["ok"] else 2


if __name__ == "__main__":
    sys.exit(main())
