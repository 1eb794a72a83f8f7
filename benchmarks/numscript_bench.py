"""How fast sdk.numscript parses and runs a typical fee-split script.

    PYTHONPATH=src python benchmarks/numscript_bench.py [--seconds 1.0]

Measures, for the fee split below:

- parse (uncached): `parse_program(text)`, lexer + parser, no cache;
- run, cached: `numscript.run(text, ...)` with the program already in the LRU (the ledger's
  case: the same script text with new variables and balances each time); target well under
  100 microseconds;
- run, uncached: the same call on a text the cache has never seen (parse + run);
- run of a Program: `numscript.run(program, ...)`, skipping the cache lookup.

Prints one line per measurement (CPU microseconds per call, calls per second). Stdlib only;
a measurement tool, not a test.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Callable, Dict

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from sdk import numscript  # noqa: E402
from sdk.numscript.parser import parse_program  # noqa: E402

FEE_SPLIT = """vars {
  monetary $price
  account $seller
}

send $price (
  source = @buyer allowing overdraft up to [USD/2 1000]
  destination = {
    10% to {
      max [USD/2 1000] to @platform:fees
      remaining to $seller
    }
    remaining to $seller
  }
)

set_tx_meta("kind", "sale")
"""

VARIABLES = {"price": "USD/2 25000", "seller": "shops:42"}
BALANCES: Dict[str, Dict[str, int]] = {"buyer": {"USD/2": 100000}}


# CPU time of this process, not wall time: on a busy machine wall time mostly measures the
# other processes. The two agree on an idle one.
_clock = time.process_time


def measure(call: Callable[[], object], seconds: float) -> float:
    """Best-of-5 microseconds of CPU per call, each round running for about seconds/5."""
    calls = 1
    while True:  # size a round so that it lasts about seconds/5
        start = _clock()
        for _ in range(calls):
            call()
        elapsed = _clock() - start
        if elapsed >= seconds / 5:
            break
        calls *= 2
    best = elapsed / calls
    for _ in range(4):
        start = _clock()
        for _ in range(calls):
            call()
        best = min(best, (_clock() - start) / calls)
    return best * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="time budget per measurement")
    args = parser.parse_args()

    expected = numscript.run(FEE_SPLIT, variables=VARIABLES, balances=BALANCES).postings
    assert [p.amount for p in expected] == [1000, 1500, 22500], expected

    counter = [0]

    def uncached_run() -> object:
        counter[0] += 1  # a comment makes each text new to the cache
        return numscript.run(f"{FEE_SPLIT}// {counter[0]}\n", variables=VARIABLES, balances=BALANCES)

    program = numscript.parse(FEE_SPLIT)
    results = {
        "parse (uncached)": measure(lambda: parse_program(FEE_SPLIT), args.seconds),
        "run, cached": measure(lambda: numscript.run(FEE_SPLIT, variables=VARIABLES, balances=BALANCES), args.seconds),
        "run, uncached (parse + run)": measure(uncached_run, args.seconds),
        "run of a parsed Program": measure(
            lambda: numscript.run(program, variables=VARIABLES, balances=BALANCES), args.seconds
        ),
    }
    print(f"sdk.numscript fee split, Python {sys.version.split()[0]}")
    for name, micros in results.items():
        print(f"  {name:<30} {micros:9.1f} us/call  {1e6 / micros:10,.0f} calls/s")


if __name__ == "__main__":
    main()
