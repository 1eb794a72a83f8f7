"""The exact arithmetic on its own: allotment rounding, the funds queue, scaling conversions.

Property tests use random generation with fixed seeds (no extra dependency), so a failure
reproduces exactly; the seed is in the test id.
"""

from __future__ import annotations

import random
from typing import List, Tuple

import pytest

from sdk.numscript.funds import Funds, colored_key, find_scaling_solution, split
from sdk.numscript.result import Posting


def test_split_floors_then_gives_left_over_units_first_part_first() -> None:
    assert split(15, [(4, 5), (2, 25), (3, 25)]) == [13, 1, 1]
    assert split(10, [(1, 3), (1, 3), (1, 3)]) == [4, 3, 3]
    assert split(1, [(0, 1), (1, 2), (1, 2)]) == [1, 0, 0]  # the first part gets it even at 0%
    assert split(0, [(1, 2), (1, 2)]) == [0, 0]


def _random_portions(rng: random.Random) -> List[Tuple[int, int]]:
    """Between 1 and 6 positive portions summing to exactly 1."""
    denominator = rng.choice([2, 3, 7, 10, 100, 1000, 97 * 89])
    cuts = sorted(rng.sample(range(1, denominator), min(rng.randint(0, 5), denominator - 1)))
    bounds = [0] + cuts + [denominator]
    return [(bounds[i + 1] - bounds[i], denominator) for i in range(len(bounds) - 1)]


@pytest.mark.parametrize("seed", range(20))
def test_split_parts_always_sum_to_the_amount_and_stay_within_one_unit(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(200):
        portions = _random_portions(rng)
        amount = rng.choice([0, 1, rng.randint(0, 100), rng.randint(0, 10**6), rng.randint(0, 10**30)])
        parts = split(amount, portions)
        assert sum(parts) == amount
        for part, (numerator, denominator) in zip(parts, portions):
            exact = amount * numerator / denominator if amount < 10**15 else None
            floor = amount * numerator // denominator
            assert floor <= part <= floor + 1
            if exact is not None:
                assert abs(part - exact) < 1 + 1e-9
        # The extra units go to a prefix of the parts, in declaration order.
        extras = [part - amount * n // d for part, (n, d) in zip(parts, portions)]
        assert extras == sorted(extras, reverse=True)


def test_queue_merges_adjacent_takings_from_one_account_but_not_across_clauses() -> None:
    funds = Funds({"a": {"USD": 10}})
    funds.asset = "USD"
    assert funds.pull("a", 3, 0) == 3
    assert funds.pull("a", 4, 0) == 4
    assert funds.pull("world", 5, None) == 5
    funds.send("x", 8)
    funds.send("y", 4)
    assert funds.postings == [
        Posting("a", "x", "USD", 7),
        Posting("world", "x", "USD", 1),
        Posting("world", "y", "USD", 4),
    ]
    assert funds.balance("a", "USD") == 3 and funds.balance("x", "USD") == 8 and funds.balance("world", "USD") == -5


def test_kept_refunds_without_posting_and_bounded_overdraft() -> None:
    funds = Funds({"a": {"USD": 2}})
    funds.asset = "USD"
    assert funds.pull("a", 10, 3) == 5
    funds.send(None, 5)
    assert funds.postings == [] and funds.balance("a", "USD") == 2
    assert funds.pull_all("a", -7) == 2  # a negative bound counts as zero


def test_lazy_lookups_touch_only_what_is_needed() -> None:
    class Recording(dict):  # type: ignore[type-arg]
        seen: List[str] = []

        def get(self, key, default=None):  # type: ignore[no-untyped-def]
            self.seen.append(key)
            return super().get(key, default)

    mapping = Recording(a={"USD": 5})
    funds = Funds(mapping)
    funds.asset = "USD"
    funds.pull("world", 100, None)  # unbounded: no lookup at all
    funds.pull("a", 1, 0)
    funds.pull("a", 1, 0)
    funds.pull("b", 1, 0)
    assert mapping.seen == ["a", "b"]


def test_rewind_undoes_pulls_and_forced_postings() -> None:
    funds = Funds({"a": {"USD": 5}})
    funds.asset = "USD"
    funds.mark()
    funds.pull("a", 4, 0)
    funds.force_posting("a", "swap", "USD", 1)
    funds.rewind()
    assert funds.queue == [] and funds.postings == [] and funds.balance("a", "USD") == 5


def test_colored_keys() -> None:
    assert colored_key("COIN", "") == "COIN"
    assert colored_key("COIN", "RED") == "COIN_RED"
    assert colored_key("USD/4", "COL") == "USD_COL/4"


def test_scaling_solution() -> None:
    assert find_scaling_solution(400, 2, {0: 99, 2: 1}) == ([(0, 4)], 400)
    assert find_scaling_solution(400, 2, {3: 4000}) == ([(3, 4000)], 400)
    assert find_scaling_solution(None, 2, {0: 2, 3: 15}) == ([(3, 10), (0, 2)], 201)
