#!/usr/bin/env python3
"""Benchmark the ledger sandbox (`sdk.sandbox`) through the SDK.

    python benchmarks/sandbox_bench.py            # full run (seeds 100,000 transactions once)
    python benchmarks/sandbox_bench.py --quick    # smaller numbers, well under a minute
    python benchmarks/sandbox_bench.py --fresh    # seed the big ledger again

What it measures, each printed as a table on stdout (progress goes to stderr):

1. Start-up: from `Sandbox(port=0).start()` (in-process) or from spawning
   `python -m sdk.sandbox --port 0` (CLI) to the first answered request.
2. Writes: `s.ledger.v2.create_transaction` per second from 1 thread and from 8 threads sharing
   one `sdk.SDK`.
3. Reads on ledgers of different sizes: a filtered list (page of 15 and of 100), filtered counts,
   an aggregated balance and a `balance[ASSET]` account filter, each on an empty ledger, a ledger
   holding only the probe transactions, and one with 100,000 more transactions. The probe rows
   are the same in the last two, and they are the *oldest* rows, so a query that scanned the
   ledger instead of using an index would get slower with the ledger's size. Unfiltered counts
   and aggregates are included as the contrast: their cost must grow with the rows they match.

The big ledger is seeded once through `_bulk` (100 transactions per call) into a SQLite file
under benchmarks/results/ (git-ignored) and reused by later runs when it checks out.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS_DIR = HERE / "results"

if not os.environ.get("SANDBOX_BENCH_NO_SRC") and (REPO / "src" / "sdk").is_dir():
    # Run against the checkout when the package is not installed (as the tests do).
    try:
        import sdk  # noqa: F401
    except ImportError:
        sys.path.insert(0, str(REPO / "src"))

import requests  # noqa: E402

import sdk  # noqa: E402
from sdk.models import operations, shared  # noqa: E402
from sdk.sandbox import Sandbox  # noqa: E402

PROBE_ACCOUNTS = 10
PROBE_TRANSACTIONS = 200  # 20 per probe account
PROBE_AMOUNT = 10**12  # far above any filler balance, so balance[USD] filters match probes only
FILLER_USERS = 1000
BULK_SIZE = 100


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- start-up ---------------------------------------------------------------------------------


def first_answer(url: str, deadline: float) -> None:
    while True:
        try:
            if requests.get(url + "/versions", timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        if time.perf_counter() > deadline:
            raise RuntimeError(f"no answer from {url}")
        time.sleep(0.001)


def startup_in_process(repeats: int) -> List[float]:
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        sandbox = Sandbox(port=0).start()
        try:
            first_answer(sandbox.url, started + 10)
            samples.append(time.perf_counter() - started)
        finally:
            sandbox.stop()
    return samples


def startup_cli(repeats: int) -> List[float]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(Path(sdk.__file__).resolve().parent.parent) + os.pathsep + env.get("PYTHONPATH", "")
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "sdk.sandbox", "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        try:
            assert proc.stdout is not None
            url = proc.stdout.readline().strip()
            first_answer(url, started + 20)
            samples.append(time.perf_counter() - started)
        finally:
            proc.terminate()
            proc.wait(10)
            if proc.stdout is not None:
                proc.stdout.close()
    return samples


# --- writes -----------------------------------------------------------------------------------


def create_request(ledger: str, n: int) -> operations.V2CreateTransactionRequest:
    return operations.V2CreateTransactionRequest(
        ledger=ledger,
        v2_post_transaction=shared.V2PostTransaction(
            postings=[shared.V2Posting(source="world", destination=f"users:{n % 100}", amount=n + 1, asset="USD")],
            metadata={"n": str(n)},
        ),
    )


def write_rate(s: sdk.SDK, ledger: str, total: int, threads: int) -> float:
    """Transactions per second for `total` create_transaction calls spread over `threads`."""
    s.ledger.v2.create_ledger(request=operations.V2CreateLedgerRequest(ledger=ledger))
    for n in range(20):  # warm-up: connections, lazy imports, prepared statements
        s.ledger.v2.create_transaction(request=create_request(ledger, n))
    per_thread = total // threads
    errors: List[BaseException] = []
    barrier = threading.Barrier(threads + 1)

    def work(index: int) -> None:
        barrier.wait()
        try:
            for n in range(per_thread):
                s.ledger.v2.create_transaction(request=create_request(ledger, index * per_thread + n))
        except BaseException as exc:  # reported after timing
            errors.append(exc)

    workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    barrier.wait()
    started = time.perf_counter()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    stats = s.ledger.v2.read_stats(request=operations.V2ReadStatsRequest(ledger=ledger)).v2_stats_response
    assert stats is not None and stats.data.transactions == per_thread * threads + 20, stats
    return per_thread * threads / elapsed


# --- seeding ----------------------------------------------------------------------------------


def bulk_body(transactions: Sequence[Tuple[str, str, int]]) -> bytes:
    return json.dumps(
        [
            {
                "action": "CREATE_TRANSACTION",
                "data": {
                    "postings": [{"source": src, "destination": dst, "amount": amount, "asset": "USD"}],
                    "metadata": {"probe": "yes"} if dst.startswith("probe:") else {},
                },
            }
            for src, dst, amount in transactions
        ]
    ).encode()


def post_bulks(url: str, ledger: str, transactions: Sequence[Tuple[str, str, int]], label: str) -> None:
    session = requests.Session()
    endpoint = f"{url}/api/ledger/v2/{ledger}/_bulk"
    started = time.perf_counter()
    for start in range(0, len(transactions), BULK_SIZE):
        res = session.post(
            endpoint,
            data=bulk_body(transactions[start : start + BULK_SIZE]),
            headers={"Content-Type": "application/json"},
            timeout=120,
        )
        if res.status_code != 200:
            raise RuntimeError(f"seeding {ledger} failed: {res.status_code} {res.text[:300]}")
        done = start + BULK_SIZE
        if done % 10_000 == 0:
            rate = done / (time.perf_counter() - started)
            log(f"  {label}: {done:,} / {len(transactions):,} transactions ({rate:,.0f}/s)")


def probe_transactions() -> List[Tuple[str, str, int]]:
    return [("world", f"probe:{i % PROBE_ACCOUNTS}", PROBE_AMOUNT + i) for i in range(PROBE_TRANSACTIONS)]


def filler_transactions(count: int) -> List[Tuple[str, str, int]]:
    return [("world", f"users:{i % FILLER_USERS}", 1 + i % 97) for i in range(count)]


def seed(url: str, big_size: int) -> None:
    s = sdk.SDK(server_url=url)
    for name in ("empty", "probes", "big"):
        s.ledger.v2.create_ledger(request=operations.V2CreateLedgerRequest(ledger=name))
    post_bulks(url, "probes", probe_transactions(), "probes")
    # the probes first: they are the oldest rows of the big ledger
    post_bulks(url, "big", probe_transactions() + filler_transactions(big_size), "big")


def seeded_ok(url: str, big_size: int) -> bool:
    s = sdk.SDK(server_url=url)
    try:
        for name, expected in (("empty", 0), ("probes", PROBE_TRANSACTIONS), ("big", PROBE_TRANSACTIONS + big_size)):
            res = s.ledger.v2.read_stats(request=operations.V2ReadStatsRequest(ledger=name))
            if res.v2_stats_response is None or res.v2_stats_response.data.transactions != expected:
                return False
    except sdk.models.errors.FormanceError:
        return False
    return True


def remove_database(data: Path) -> None:
    for path in (data, Path(f"{data}-wal"), Path(f"{data}-shm")):
        path.unlink(missing_ok=True)


def cache_usable(data: Path, size: int) -> bool:
    """Whether a seeded file from an earlier run opens and holds the expected ledgers.

    The sandbox's storage layout may have changed since the file was written: anything that
    fails to open or answers wrongly is seeded again rather than measured.
    """
    try:
        with Sandbox(port=0, data=str(data)) as sandbox:
            return seeded_ok(sandbox.url, size)
    except Exception as exc:  # a stale layout can fail in many ways; reseeding fixes them all
        log(f"the cached {data.name} is unusable ({type(exc).__name__}: {exc}); seeding again")
        return False


# --- reads ------------------------------------------------------------------------------------

PROBE = {"$match": {"account": "probe:3"}}
Query = Callable[[sdk.SDK, str], Any]


def _list(query: Optional[Dict[str, Any]], page_size: int) -> Query:
    def run(s: sdk.SDK, ledger: str) -> Any:
        return s.ledger.v2.list_transactions(
            request=operations.V2ListTransactionsRequest(ledger=ledger, request_body=query, page_size=page_size)
        )

    return run


def _count(query: Optional[Dict[str, Any]]) -> Query:
    def run(s: sdk.SDK, ledger: str) -> Any:
        return s.ledger.v2.count_transactions(
            request=operations.V2CountTransactionsRequest(ledger=ledger, request_body=query)
        )

    return run


def _aggregate(query: Optional[Dict[str, Any]]) -> Query:
    def run(s: sdk.SDK, ledger: str) -> Any:
        return s.ledger.v2.get_balances_aggregated(
            request=operations.V2GetBalancesAggregatedRequest(ledger=ledger, request_body=query)
        )

    return run


def _accounts(query: Optional[Dict[str, Any]], page_size: int) -> Query:
    def run(s: sdk.SDK, ledger: str) -> Any:
        return s.ledger.v2.list_accounts(
            request=operations.V2ListAccountsRequest(ledger=ledger, request_body=query, page_size=page_size)
        )

    return run


# (label, what it matches on the probes/big ledgers, query)
READS: List[Tuple[str, str, Query]] = [
    ("list, account filter, page 15", "15 of 20 rows", _list(PROBE, 15)),
    ("list, account filter, page 100", "20 rows", _list(PROBE, 100)),
    ("list, metadata filter, page 100", "100 of 200 rows", _list({"$match": {"metadata[probe]": "yes"}}, 100)),
    ("count, account filter", "20 rows", _count(PROBE)),
    ("count, metadata filter", "200 rows", _count({"$match": {"metadata[probe]": "yes"}})),
    ("aggregate, address filter", "10 accounts", _aggregate({"$match": {"address": "probe:"}})),
    ("accounts, balance[USD] filter", "10 accounts", _accounts({"$gt": {"balance[USD]": PROBE_AMOUNT // 2}}, 15)),
    ("list, no filter, page 15", "15 newest", _list(None, 15)),
    ("list, no filter, page 100", "100 newest", _list(None, 100)),
    ("count, no filter (contrast)", "every row", _count(None)),
    ("aggregate, no filter (contrast)", "every account", _aggregate(None)),
]


def interleaved_medians(runs: Sequence[Callable[[], Any]], repeats: int) -> List[float]:
    """Median seconds of each run, timed in turns so that a busy machine slows all of them alike."""
    for run in runs:
        for _ in range(3):
            run()
    samples: List[List[float]] = [[] for _ in runs]
    for _ in range(repeats):
        for run, times in zip(runs, samples):
            started = time.perf_counter()
            run()
            times.append(time.perf_counter() - started)
    return [statistics.median(times) for times in samples]


def check_reads(s: sdk.SDK) -> None:
    """A fast wrong answer is not a result: check what the probe queries return."""
    for ledger in ("probes", "big"):
        page = _list(PROBE, 100)(s, ledger).v2_transactions_cursor_response.cursor
        assert len(page.data) == PROBE_TRANSACTIONS // PROBE_ACCOUNTS, (ledger, len(page.data))
        count = _count({"$match": {"metadata[probe]": "yes"}})(s, ledger)
        assert int(next(v[0] for k, v in count.headers.items() if k.lower() == "count")) == PROBE_TRANSACTIONS
        accounts = _accounts({"$gt": {"balance[USD]": PROBE_AMOUNT // 2}}, 15)(s, ledger)
        assert len(accounts.v2_accounts_cursor_response.cursor.data) == PROBE_ACCOUNTS
        totals = _aggregate({"$match": {"address": "probe:"}})(s, ledger).v2_aggregate_balances_response.data
        assert totals["USD"] == sum(amount for _, _, amount in probe_transactions())


# --- output -----------------------------------------------------------------------------------


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.2f} ms"


def table(title: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    widths = [max(len(str(c)) for c in column) for column in zip(header, *rows)]
    print(f"\n{title}")
    print("  ".join(h.ljust(w) for h, w in zip(header, widths)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths)))


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="10,000-transaction ledger, fewer repeats")
    parser.add_argument("--size", type=int, help="transactions in the big ledger (default 100,000)")
    parser.add_argument("--writes", type=int, help="transactions per write measurement (default 2,000)")
    parser.add_argument("--repeats", type=int, help="timed repeats per read (default 30)")
    parser.add_argument("--fresh", action="store_true", help="seed the big ledger again even if cached")
    parser.add_argument("--data", type=Path, help="SQLite file for the seeded ledgers (default under results/)")
    args = parser.parse_args(argv)
    size = args.size or (10_000 if args.quick else 100_000)
    writes = args.writes or (400 if args.quick else 2_000)
    repeats = args.repeats or (10 if args.quick else 30)
    startup_repeats = 5 if args.quick else 20

    print(f"sandbox benchmark: Python {sys.version.split()[0]}, sdk from {Path(sdk.__file__).parent}")

    log("start-up ...")
    in_process = startup_in_process(startup_repeats)
    cli = startup_cli(max(3, startup_repeats // 4))
    table(
        "Start-up to the first answered request (median, min, max)",
        ["how", "median", "min", "max", "runs"],
        [
            [
                "Sandbox(port=0).start()",
                ms(statistics.median(in_process)),
                ms(min(in_process)),
                ms(max(in_process)),
                str(len(in_process)),
            ],
            ["python -m sdk.sandbox", ms(statistics.median(cli)), ms(min(cli)), ms(max(cli)), str(len(cli))],
        ],
    )

    log("writes ...")
    with Sandbox(port=0) as sandbox:
        s = sandbox.sdk()
        one = write_rate(s, "w1", writes, 1)
        eight = write_rate(s, "w8", writes, 8)
    table(
        f"Writes: create_transaction through one sdk.SDK ({writes:,} transactions, in-memory sandbox)",
        ["threads", "transactions/s", "per call"],
        [["1", f"{one:,.0f}", ms(1 / one)], ["8", f"{eight:,.0f}", ms(1 / eight)]],
    )

    RESULTS_DIR.mkdir(exist_ok=True)
    data = args.data or RESULTS_DIR / f"sandbox-bench-{size}.sqlite"
    if args.fresh:
        remove_database(data)
    if data.exists() and not cache_usable(data, size):
        remove_database(data)
    with Sandbox(port=0, data=str(data)) as sandbox:
        if not seeded_ok(sandbox.url, size):
            log(f"seeding {size:,} transactions into {data} (once; later runs reuse it) ...")
            started = time.perf_counter()
            seed(sandbox.url, size)
            log(f"  seeded in {time.perf_counter() - started:.1f} s")
        else:
            log(f"reusing the seeded ledgers in {data}")
        s = sandbox.sdk()
        check_reads(s)
        log("reads ...")
        rows = []
        for label, matches, query in READS:
            empty, probes, big = interleaved_medians(
                [functools.partial(query, s, name) for name in ("empty", "probes", "big")], repeats
            )
            rows.append([label, matches, ms(empty), ms(probes), ms(big), f"{big / probes:5.2f}x"])
    table(
        f"Reads through the SDK (median of {repeats}); ledgers: empty, {PROBE_TRANSACTIONS} probe transactions, "
        f"the same probes + {size:,} more",
        ["query", "matches", "empty", f"{PROBE_TRANSACTIONS} tx", f"{size + PROBE_TRANSACTIONS:,} tx", "big / small"],
        rows,
    )
    print(
        "\nThe filtered rows match the same probe rows on both non-empty ledgers, so their 'big / small' ratio "
        "should stay near 1x;\nthe unfiltered count and aggregate match every row and are expected to grow."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
