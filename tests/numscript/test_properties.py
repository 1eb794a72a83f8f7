"""Properties of whole runs over random programs (fixed seeds, no extra dependency).

- End balances = start balances + postings, and the interpreter's own running balances agree.
- A source never goes below zero (or below -bound with `allowing overdraft up to`), unless it
  was already there; only @world and unbounded sources go arbitrarily low.
- Each send moves exactly its amount (kept parts stay with their source), and zero postings
  are never emitted.
- An in-order list of plain accounts fails with missing funds exactly when their balances
  cannot cover the amount.
"""

from __future__ import annotations

import random
from typing import Dict, List, Tuple

import pytest

from sdk import numscript
from sdk.numscript.interpreter import execute
from sdk.numscript.specs import end_balances

ACCOUNTS = ["a", "b", "c", "d", "e"]


class _Generator:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.bounds: Dict[str, int] = {}
        self.unbounded: set = set()

    def source(self, depth: int = 0) -> str:
        rng = self.rng
        roll = rng.random()
        if depth < 2 and roll < 0.25:
            return "{ " + " ".join(self.source(depth + 1) for _ in range(rng.randint(1, 3))) + " }"
        if depth < 2 and roll < 0.35:
            return f"max [USD {rng.randint(-2, 40)}] from {self.source(depth + 1)}"
        if depth < 2 and roll < 0.45:
            first, second = rng.randint(0, 100), None
            second = 100 - first
            return f"{{ {first}% from {self.source(depth + 1)} {second}% from {self.source(depth + 1)} }}"
        account = rng.choice(ACCOUNTS)
        if roll < 0.55 and account not in self.unbounded:
            bound = rng.randint(0, 20)
            self.bounds[account] = max(self.bounds.get(account, 0), bound)
            return f"@{account} allowing overdraft up to [USD {bound}]"
        if roll < 0.58:
            self.unbounded.add(account)
            return f"@{account} allowing unbounded overdraft"
        if roll < 0.65:
            return "@world"
        return f"@{account}"

    def destination(self, depth: int = 0) -> str:
        rng = self.rng
        roll = rng.random()
        if depth < 2 and roll < 0.3:
            parts = [f"{rng.randint(0, 40)}%" for _ in range(rng.randint(1, 3))]
            clauses = " ".join(f"{part} {self.target(depth + 1)}" for part in parts)
            return f"{{ {clauses} remaining {self.target(depth + 1)} }}"
        if depth < 2 and roll < 0.55:
            clauses = " ".join(
                f"max [USD {rng.randint(-1, 30)}] {self.target(depth + 1)}" for _ in range(rng.randint(1, 3))
            )
            return f"{{ {clauses} remaining {self.target(depth + 1)} }}"
        return f"@{rng.choice(ACCOUNTS + ['sink'])}"

    def target(self, depth: int) -> str:
        return "kept" if self.rng.random() < 0.15 else f"to {self.destination(depth)}"


def _program(rng: random.Random) -> Tuple[str, _Generator, List[int]]:
    generator = _Generator(rng)
    amounts = [rng.choice([0, rng.randint(1, 30), rng.randint(1, 120)]) for _ in range(rng.randint(1, 3))]
    statements = [
        f"send [USD {amount}] (\n  source = {generator.source()}\n  destination = {generator.destination()}\n)"
        for amount in amounts
    ]
    return "\n".join(statements), generator, amounts


@pytest.mark.parametrize("seed", range(8))
def test_random_runs_conserve_money_and_respect_overdraft_bounds(seed: int) -> None:
    rng = random.Random(seed)
    ran = 0
    for _ in range(150):
        text, generator, _ = _program(rng)
        start = {account: {"USD": rng.choice([0, rng.randint(0, 50), rng.randint(-10, 50)])} for account in ACCOUNTS}
        try:
            result, funds = execute(numscript.parse(text), None, start, None, ())
        except (numscript.MissingFundsError, numscript.InvalidAllotmentError):
            continue
        ran += 1
        assert all(posting.amount > 0 for posting in result.postings), text
        table = {(account, "USD"): holdings["USD"] for account, holdings in start.items()}
        final = end_balances(table, result.postings)
        # The interpreter's running balances are the start plus the postings.
        for (account, asset, _color), balance in funds.touched().items():
            assert final.get((account, asset), 0) == balance, (text, account)
        assert sum(final.values()) == sum(table.values())  # nothing created or destroyed
        for account in ACCOUNTS:
            if account in generator.unbounded:
                continue
            floor = -generator.bounds.get(account, 0)
            before = start[account]["USD"]
            assert final[(account, "USD")] >= min(floor, before), (text, account, start, result.postings)
    assert ran > 30  # the generator must produce mostly runnable programs, or this tests nothing


@pytest.mark.parametrize("seed", range(5))
def test_in_order_sources_fail_exactly_when_balances_cannot_cover(seed: int) -> None:
    rng = random.Random(1000 + seed)
    for _ in range(200):
        accounts = rng.sample(ACCOUNTS, rng.randint(1, 4)) + ([rng.choice(ACCOUNTS)] if rng.random() < 0.3 else [])
        balances = {account: {"USD": rng.randint(-5, 30)} for account in ACCOUNTS}
        amount = rng.randint(0, 80)
        text = f"send [USD {amount}] ( source = {{ {' '.join('@' + a for a in accounts)} }} destination = @sink )"
        available = sum(max(0, balances[account]["USD"]) for account in set(accounts))
        if amount > available:
            with pytest.raises(numscript.MissingFundsError) as caught:
                numscript.run(text, balances=balances)
            assert (caught.value.needed, caught.value.available) == (amount, available)
        else:
            result = numscript.run(text, balances=balances)
            assert sum(p.amount for p in result.postings) == amount
            for posting in result.postings:
                assert posting.amount <= balances[posting.source]["USD"]


@pytest.mark.parametrize("seed", range(5))
def test_each_send_moves_exactly_its_amount_minus_what_is_kept(seed: int) -> None:
    rng = random.Random(2000 + seed)
    for _ in range(200):
        generator = _Generator(rng)
        destination = generator.destination().replace("kept", "to @kept_marker")
        amount = rng.randint(0, 500)
        text = f"send [USD {amount}] ( source = @world destination = {destination} )"
        try:
            result = numscript.run(text)
        except numscript.InvalidAllotmentError:
            continue
        assert sum(p.amount for p in result.postings) == amount, text
