"""The public API contract: lazy inputs, the parse cache, check(), and import cost."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping

import pytest

from sdk import numscript

SRC = str(Path(__file__).parent.parent.parent / "src")


class LazyAccounts(Mapping[str, Mapping[str, Any]]):
    """A mapping that records lookups and refuses to be enumerated, like a ledger-backed one."""

    def __init__(self, data: Dict[str, Dict[str, Any]]) -> None:
        self.data = data
        self.asked: List[str] = []

    def __getitem__(self, account: str) -> Mapping[str, Any]:
        self.asked.append(account)
        return self.data[account]

    def __iter__(self) -> Iterator[str]:
        raise AssertionError("the interpreter must not iterate the whole mapping")

    def __len__(self) -> int:
        raise AssertionError("the interpreter must not take len() of the whole mapping")


def test_lazy_balances_and_metadata_are_only_asked_about_touched_accounts() -> None:
    balances = LazyAccounts({"alice": {"USD": 10}, "bob": {"USD": 3}, "untouched": {"USD": 1}})
    metadata = LazyAccounts({"alice": {"tier": "gold"}, "untouched": {"x": "y"}})
    text = 'vars { string $tier = meta(@alice, "tier") }\n' \
           "send [USD 12] ( source = { @alice @bob @carol @world } destination = @dest )\n" \
           "send [USD 1] ( source = @alice allowing overdraft up to [USD 5] destination = @dest )"
    result = numscript.run(text, balances=balances, metadata=metadata)
    assert [(p.source, p.amount) for p in result.postings] == [("alice", 10), ("bob", 2), ("alice", 1)]
    assert balances.asked == ["alice", "bob", "carol"]  # each once; never @world or @dest
    assert metadata.asked == ["alice"]


def test_run_caches_programs_by_text() -> None:
    text = "send [USD 1] ( source = @world destination = @cache_probe )"
    numscript.run(text)
    before = numscript._parse_cached.cache_info()
    numscript.run(text)
    after = numscript._parse_cached.cache_info()
    assert after.hits == before.hits + 1 and after.misses == before.misses
    assert after.maxsize == numscript.CACHE_SIZE == 1024


def test_run_accepts_a_program() -> None:
    program = numscript.parse("send [USD 1] ( source = @world destination = @b )")
    assert numscript.run(program).postings == [numscript.Posting("world", "b", "USD", 1)]
    with pytest.raises(TypeError, match="text or a Program"):
        numscript.run(42)  # type: ignore[arg-type]


def test_check_never_raises_and_reports_positions() -> None:
    assert numscript.check("send (") == [numscript.Diagnostic(1, 7, numscript.check("send (")[0].message, "error")]
    diagnostics = numscript.check(
        "vars { monetary $m  portion $p }\n"
        "send [USD 1] ( source = $p destination = { 1/2 to @a 1/3 to @b } )\n"
        "send [USD 1] ( source = oneof { @a } destination = @c )\n"
    )
    assert [(d.line, d.column, d.severity) for d in diagnostics] == [
        (1, 8, "warning"), (2, 25, "error"), (2, 42, "error"), (3, 25, "warning"),
    ]
    assert diagnostics[1].message == "source: expected account, got portion"
    assert diagnostics[2].message.startswith("the portions of the allotment add up to 5/6, not 1")
    # A warning: the flag may be given at run time (the reference checker does not fail either).
    assert "experimental-oneof" in diagnostics[3].message
    assert numscript.check("send [USD 1] ( source = oneof { @a } destination = @c )",
                           feature_flags=["experimental-oneof"]) == []


def test_check_warns_about_sources_that_are_never_reached() -> None:
    [warning] = numscript.check("send [USD 1] ( source = { @a @world @b } destination = @c )")
    assert (warning.line, warning.column, warning.severity) == (1, 37, "warning")
    assert warning.message.startswith("this source is never reached")


def test_check_infers_one_asset_per_send_from_its_literals() -> None:
    text = "vars { monetary $m }\nsend $m ( source = @world\n" \
           "  destination = { max [COIN 10] to @a max [USD/2 204] to @b remaining to @c } )"
    [mismatch] = [d for d in numscript.check(text) if d.severity == "error"]
    assert (mismatch.line, mismatch.column) == (3, 43)
    assert mismatch.message == "cap of max: asset mismatch (expected COIN, got USD/2)"


def test_check_knows_the_asset_of_balance_and_of_sums() -> None:
    text = "send balance(@fees, USD/2) (\n  source = max [EUR 10] from @a\n  destination = @x\n)\n" \
           'set_account_meta(@a, "k", [JPY/0 8] + [JPY 4])'
    assert [(d.line, d.message) for d in numscript.check(text) if d.severity == "error"] == [
        (2, "cap of max: asset mismatch (expected USD/2, got EUR)"),
        (5, "'+': asset mismatch (expected JPY/0, got JPY)"),
    ]


def test_check_finds_type_mismatches_in_expressions() -> None:
    messages = [d.message for d in numscript.check(
        'vars { number $n = balance(@a, USD) }\nset_tx_meta("k", [USD 1] + 1)\nset_tx_meta(1, 1/0)\nfrob()'
    )]
    assert messages == [
        "variable $n is declared number but its value is monetary",
        "variable $n is never used",
        "right side of '+' (the left side is a monetary): expected monetary, got number",
        "argument 1 of set_tx_meta(): expected string, got number",
        "division by zero",
        "frob() cannot be used as a statement (only set_tx_meta and set_account_meta)",
    ]


def test_importing_sdk_does_not_import_numscript() -> None:
    code = "import sys, sdk; assert 'sdk.numscript' not in sys.modules; from sdk import numscript; print('ok')"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={"PYTHONPATH": SRC})
    assert done.stdout.strip() == "ok", done.stderr
