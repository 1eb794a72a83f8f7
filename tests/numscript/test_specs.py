"""The specs runner: our own specs files, both file formats, merging, selection, and failures."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from sdk import numscript

HERE = Path(__file__).parent


def statuses(path: Path) -> list:
    return [(result.it, result.status) for result in numscript.run_specs(str(path))]


def test_our_specs_files_pass() -> None:
    results = numscript.run_specs(HERE / "specs")
    assert len(results) == 8
    assert [r for r in results if not r.passed] == []
    assert {os.path.basename(r.script_path) for r in results} == {"fee_split.num", "waterfall.num", "colored.num"}


def test_focus_and_skip_select_cases() -> None:
    assert statuses(HERE / "specs_selection") == [
        ("focused and passing", "pass"), ("not focused, so skipped", "skip"), ("skipped explicitly", "skip"),
    ]


def test_failures_say_which_expectation_and_what_was_got() -> None:
    results = numscript.run_specs([HERE / "specs_failing" / "wrong.num.specs.json"])
    assert [r.status for r in results] == ["pass", "fail", "fail", "fail", "fail"]
    assert results[1].failures[0].startswith("expect.postings: expected [{\"amount\": 9")
    assert "got [{\"amount\": 10" in results[1].failures[0]
    assert results[2].failures == ["expect.error.missingFunds: expected a missing funds error, the script ran"]
    assert isinstance(results[3].error, numscript.MissingFundsError)
    assert results[4].failures[0].startswith("expect.endBalances.include:")


def _write(tmp_path: Path, script: str, specs: object) -> Path:
    (tmp_path / "s.num").write_text(script)
    path = tmp_path / "s.num.specs.json"
    path.write_text(json.dumps(specs))
    return path


def test_case_values_merge_over_file_values(tmp_path: Path) -> None:
    script = (
        'vars { monetary $m  account $to  string $tier = meta(@a, "tier") }\n'
        'send $m ( source = @a destination = $to )\nset_tx_meta("tier", $tier)'
    )
    path = _write(tmp_path, script, {
        "balances": [{"account": "a", "asset": "USD", "amount": 5}, {"account": "b", "asset": "USD", "amount": 1}],
        "variables": {"m": "USD 5", "to": "x"},
        "metadata": [{"account": "a", "key": "tier", "value": "gold"}],
        "testCases": [
            {"it": "file values", "expect.txMetadata": [{"key": "tier", "value": "gold"}]},
            {"it": "case overrides", "variables": {"m": "USD 7"},
             "balances": [{"account": "a", "asset": "USD", "amount": 7}],
             "metadata": [{"account": "a", "key": "tier", "value": "silver"}],
             "expect.txMetadata": {"tier": "silver"},
             "expect.endBalances": [{"account": "a", "asset": "USD", "amount": 0},
                                    {"account": "b", "asset": "USD", "amount": 1},
                                    {"account": "x", "asset": "USD", "amount": 7}]},
        ],
    })
    assert [(r.it, r.status, r.failures) for r in numscript.run_specs(path)] == [
        ("file values", "pass", []), ("case overrides", "pass", []),
    ]


def test_other_script_errors_fail_the_case_with_the_error(tmp_path: Path) -> None:
    path = _write(tmp_path, "vars { monetary $m }", {"testCases": [{"it": "no variable"}]})
    [result] = numscript.run_specs(path)
    assert result.status == "fail" and isinstance(result.error, numscript.InvalidVariableError)


def test_a_script_that_does_not_parse_fails_every_case(tmp_path: Path) -> None:
    path = _write(tmp_path, "send (", {"testCases": [{"it": "one"}, {"it": "two"}]})
    results = numscript.run_specs(path)
    assert [r.status for r in results] == ["fail", "fail"]
    assert "s.num:1:7: expected" in results[0].failures[0]


@pytest.mark.parametrize(
    ("specs", "message"),
    [
        ({"balances": [{"account": "a", "asset": "USD", "amount": 1.5}], "testCases": [{"it": "x"}]}, "JSON integer"),
        ({"balances": [{"account": "a", "asset": "USD", "amount": 1}, {"account": "a", "asset": "USD", "amount": 2}],
          "testCases": [{"it": "x"}]}, "duplicate balance"),
        ({"testCases": {"it": "x"}}, "must be a list"),
    ],
)
def test_malformed_files_raise_naming_the_file(tmp_path: Path, specs: object, message: str) -> None:
    path = _write(tmp_path, "", specs)
    with pytest.raises(numscript.SpecsFormatError, match=message) as caught:
        numscript.run_specs(path)
    assert str(path) in str(caught.value)


def test_missing_script_or_path(tmp_path: Path) -> None:
    (tmp_path / "lonely.num.specs.json").write_text("{}")
    with pytest.raises(numscript.SpecsFormatError, match="cannot read the script"):
        numscript.run_specs(tmp_path)
    with pytest.raises(numscript.SpecsFormatError, match="no such file"):
        numscript.run_specs(tmp_path / "absent")


def test_in_legacy_files_empty_expectations_assert_nothing(tmp_path: Path) -> None:
    # The reference reads pre-2026 files through its migration, which drops empty expectations.
    script = 'set_tx_meta("fee", @shop)'
    legacy = _write(tmp_path, script, {"balances": {}, "testCases": [{"it": "x", "expect.txMetadata": {}}]})
    assert [r.status for r in numscript.run_specs(legacy)] == ["pass"]
    current = _write(tmp_path, script, {"balances": [], "testCases": [{"it": "x", "expect.txMetadata": []}]})
    [result] = numscript.run_specs(current)
    assert result.status == "fail" and result.failures[0].startswith("expect.txMetadata: expected {}")


def test_only_file_level_feature_flags_count(tmp_path: Path) -> None:
    script = "send [USD 1] ( source = oneof { @world } destination = @b )"
    case = {"it": "x", "expect.postings": [{"source": "world", "destination": "b", "asset": "USD", "amount": 1}]}
    at_case = _write(tmp_path, script, {"testCases": [dict(case, featureFlags=["experimental-oneof"])]})
    [result] = numscript.run_specs(at_case)
    assert isinstance(result.error, numscript.ExperimentalFeatureError)
    flags = ["experimental-oneof", "experimental-gone"]  # an unknown name is ignored, as the reference does
    at_file = _write(tmp_path, script, {"featureFlags": flags, "testCases": [case]})
    assert [r.status for r in numscript.run_specs(at_file)] == ["pass"]


def test_a_file_without_cases_fails(tmp_path: Path) -> None:
    [result] = numscript.run_specs(_write(tmp_path, "", {"testCases": []}))
    assert result.status == "fail" and result.failures[0].startswith("Empty test suite: ")
