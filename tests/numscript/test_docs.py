"""docs/numscript.md stays true: its Python runs, its Numscript parses, its claims hold."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sdk import numscript

DOC = (Path(__file__).resolve().parents[2] / "docs" / "numscript.md").read_text(encoding="utf-8")
PYTHON = re.findall(r"```python\n(.*?)```", DOC, re.S)
NUMSCRIPT = re.findall(r"```numscript\n(.*?)```", DOC, re.S)


@pytest.mark.parametrize("code", PYTHON, ids=[f"python#{i}" for i in range(len(PYTHON))])
def test_python_examples_run(code: str) -> None:
    exec(compile(code, "docs/numscript.md", "exec"), {})


@pytest.mark.parametrize("code", NUMSCRIPT, ids=[f"numscript#{i}" for i in range(len(NUMSCRIPT))])
def test_numscript_examples_parse_and_check(code: str) -> None:
    numscript.parse(code)
    errors = [d for d in numscript.check(code) if d.severity == "error"]
    assert errors == []


def test_the_error_example_is_what_str_gives() -> None:
    shown = re.search(r"```text\n(2:12: not enough funds.*?)```", DOC, re.S)
    assert shown is not None
    with pytest.raises(numscript.MissingFundsError) as caught:
        numscript.run("send [USD 10] (\n  source = @alice\n  destination = @bob\n)", balances={"alice": {"USD": 3}})
    assert str(caught.value) + "\n" == shown.group(1)


def test_the_destination_example_gives_the_postings_it_claims() -> None:
    example = next(code for code in NUMSCRIPT if "5% kept" in code)
    postings = [(p.destination, p.amount) for p in numscript.run(example).postings]
    assert postings == [("fees", 10), ("seller", 40), ("seller", 425)]


def test_every_flag_is_documented() -> None:
    for flag in numscript.KNOWN_FLAGS:
        assert f"`{flag}`" in DOC, flag
