"""The specs test format: `script.num` + `script.num.specs.json`, as the reference CLI reads it.

    {
      "featureFlags": [...],
      "balances": [{"account": "alice", "asset": "USD/2", "amount": 100, "color": "RED"?}],
      "variables": {"amt": "10"},
      "metadata": [{"account": "alice", "key": "tier", "value": "gold"}],
      "testCases": [{"it": "...", "balances"?, "variables"?, "metadata"?, "skip"?, "focus"?,
                     "expect.postings"?, "expect.txMetadata"?, "expect.metadata"?,
                     "expect.endBalances"?, "expect.endBalances.include"?, "expect.movements"?,
                     "expect.error.missingFunds"?, "expect.error.negativeAmount"?}]
    }

Files written for releases before 2026 use nested maps instead of rows (`{"alice": {"USD/2": 100}}`
for balances and metadata, `{"key": "value"}` for expect.txMetadata, and colored assets written
`COIN_RED`): every field is read in either form. File-level balances, variables and metadata apply
to every case; a case's own values are merged over them. One entry point: `run_specs(paths)`.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from .errors import MissingFundsError, NegativeAmountError, NumscriptError
from .funds import colored_key
from .interpreter import KNOWN_FLAGS, execute
from .parser import parse_program
from .result import Posting

SPECS_SUFFIX = ".num.specs.json"

#: (account, asset key as in the balances mapping) -> amount
BalanceTable = Dict[Tuple[str, str], int]


class SpecsFormatError(ValueError):
    """A specs file that cannot be read (bad JSON, wrong shape, a missing .num beside it)."""


@dataclass
class CaseResult:
    """The outcome of one test case of a specs file."""

    #: The specs file and the script it tests.
    specs_path: str
    script_path: str
    #: The case's `it` text.
    it: str
    #: "pass", "fail" or "skip".
    status: str
    #: One line per failed expectation ("expect.postings: expected ..., got ...").
    failures: List[str] = field(default_factory=list)
    #: The error the run raised, when it was not an expected one.
    error: Optional[NumscriptError] = None
    postings: List[Posting] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.status == "pass"


# --- reading -------------------------------------------------------------------------------


def _amount(value: Any, where: str) -> int:
    if value is None:
        return 0
    if isinstance(value, bool):
        raise SpecsFormatError(f"{where}: amount must be an integer, got {value!r}")
    if isinstance(value, int):
        return value
    # Like the reference, only JSON integers: 5.0 or "5" are refused rather than guessed at.
    raise SpecsFormatError(f"{where}: amount must be a JSON integer (no decimal point, no quotes), got {value!r}")


def _no_scope(row: Mapping[str, Any], where: str) -> None:
    if row.get("scope"):
        raise SpecsFormatError(f"{where}: scoped accounts (\"scope\") are not supported by this interpreter")


def read_balances(data: Any, where: str) -> BalanceTable:
    """Rows [{account, asset, amount, color?}] or nested {account: {asset: amount}}."""
    table: BalanceTable = {}
    if data is None:
        return table
    if isinstance(data, list):
        for index, row in enumerate(data):
            if not isinstance(row, dict) or "account" not in row or "asset" not in row:
                raise SpecsFormatError(f"{where}[{index}]: a balance row is {{\"account\", \"asset\", \"amount\"}}")
            _no_scope(row, f"{where}[{index}]")
            key = (str(row["account"]), colored_key(str(row["asset"]), str(row.get("color") or "")))
            if key in table:
                raise SpecsFormatError(f"{where}: duplicate balance for account={key[0]!r} asset={key[1]!r}")
            table[key] = _amount(row.get("amount"), f"{where}[{index}]")
        return table
    if isinstance(data, dict):
        for account, assets in data.items():
            if not isinstance(assets, dict):
                raise SpecsFormatError(f"{where}.{account}: expected {{asset: amount}}")
            for asset, amount in assets.items():
                table[(account, asset)] = _amount(amount, f"{where}.{account}.{asset}")
        return table
    raise SpecsFormatError(f"{where}: expected a list of balance rows or a map of accounts")


def read_account_metadata(data: Any, where: str) -> Dict[Tuple[str, str], str]:
    """Rows [{account, key, value}] or nested {account: {key: value}}."""
    table: Dict[Tuple[str, str], str] = {}
    if data is None:
        return table
    if isinstance(data, list):
        for index, row in enumerate(data):
            if not isinstance(row, dict) or "account" not in row or "key" not in row:
                raise SpecsFormatError(f"{where}[{index}]: a metadata row is {{\"account\", \"key\", \"value\"}}")
            _no_scope(row, f"{where}[{index}]")
            key = (str(row["account"]), str(row["key"]))
            if key in table:
                raise SpecsFormatError(f"{where}: duplicate metadata for account={key[0]!r} key={key[1]!r}")
            table[key] = _text(row.get("value"))
        return table
    if isinstance(data, dict):
        for account, values in data.items():
            if not isinstance(values, dict):
                raise SpecsFormatError(f"{where}.{account}: expected {{key: value}}")
            for key, value in values.items():
                table[(account, key)] = _text(value)
        return table
    raise SpecsFormatError(f"{where}: expected a list of metadata rows or a map of accounts")


def read_tx_metadata(data: Any, where: str) -> Dict[str, str]:
    """Rows [{key, value}] or a map {key: value}."""
    if isinstance(data, dict):
        return {key: _text(value) for key, value in data.items()}
    if isinstance(data, list):
        table: Dict[str, str] = {}
        for index, row in enumerate(data):
            if not isinstance(row, dict) or "key" not in row:
                raise SpecsFormatError(f"{where}[{index}]: a metadata row is {{\"key\", \"value\"}}")
            table[str(row["key"])] = _text(row.get("value"))
        return table
    raise SpecsFormatError(f"{where}: expected a list of {{key, value}} rows or a map")


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value)


def read_movements(data: Any, where: str) -> Dict[Tuple[str, str, str], int]:
    """Rows [{source, destination, asset, amount, color?}] or nested {source: {destination: {asset: amount}}}."""
    table: Dict[Tuple[str, str, str], int] = {}
    if isinstance(data, list):
        for index, row in enumerate(data):
            if not isinstance(row, dict):
                raise SpecsFormatError(f"{where}[{index}]: a movement is {{source, destination, asset, amount}}")
            key = (str(row.get("source")), str(row.get("destination")),
                   colored_key(str(row.get("asset")), str(row.get("color") or "")))
            table[key] = table.get(key, 0) + _amount(row.get("amount"), f"{where}[{index}]")
        return table
    if isinstance(data, dict):
        for source, by_destination in data.items():
            for destination, by_asset in (by_destination or {}).items():
                for asset, amount in (by_asset or {}).items():
                    table[(source, destination, asset)] = _amount(amount, f"{where}.{source}.{destination}.{asset}")
        return table
    raise SpecsFormatError(f"{where}: expected a list of movements")


def _posting_key(row: Any, where: str) -> Tuple[str, str, str, int]:
    if isinstance(row, Posting):
        return (row.source, row.destination, colored_key(row.asset, row.color), row.amount)
    if not isinstance(row, dict):
        raise SpecsFormatError(f"{where}: a posting is {{source, destination, asset, amount}}")
    return (str(row.get("source")), str(row.get("destination")),
            colored_key(str(row.get("asset")), str(row.get("color") or "")), _amount(row.get("amount"), where))


def _as_mapping(balances: BalanceTable) -> Dict[str, Dict[str, int]]:
    nested: Dict[str, Dict[str, int]] = {}
    for (account, asset), amount in balances.items():
        nested.setdefault(account, {})[asset] = amount
    return nested


def _as_nested_metadata(rows: Dict[Tuple[str, str], str]) -> Dict[str, Dict[str, str]]:
    nested: Dict[str, Dict[str, str]] = {}
    for (account, key), value in rows.items():
        nested.setdefault(account, {})[key] = value
    return nested


def end_balances(start: BalanceTable, postings: Iterable[Posting]) -> BalanceTable:
    """Starting balances with every posting applied (accounts only seen in postings start at 0)."""
    table = dict(start)
    for posting in postings:
        asset = colored_key(posting.asset, posting.color)
        source, destination = (posting.source, asset), (posting.destination, asset)
        table[source] = table.get(source, 0) - posting.amount
        table[destination] = table.get(destination, 0) + posting.amount
    return table


def movements(postings: Iterable[Posting]) -> Dict[Tuple[str, str, str], int]:
    """Postings folded into one total per (source, destination, asset)."""
    table: Dict[Tuple[str, str, str], int] = {}
    for posting in postings:
        key = (posting.source, posting.destination, colored_key(posting.asset, posting.color))
        table[key] = table.get(key, 0) + posting.amount
    return table


# --- running -------------------------------------------------------------------------------


def _show(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _balance_rows(table: Mapping[Tuple[str, str], int]) -> List[Dict[str, Any]]:
    return [
        {"account": account, "asset": asset, "amount": amount} for (account, asset), amount in sorted(table.items())
    ]


def _check_case(
    program: Any, specs: Mapping[str, Any], case: Mapping[str, Any], where: str
) -> Tuple[List[str], Optional[NumscriptError], List[Posting]]:
    balances = read_balances(specs.get("balances"), "balances")
    balances.update(read_balances(case.get("balances"), f"{where}.balances"))
    metadata = read_account_metadata(specs.get("metadata"), "metadata")
    metadata.update(read_account_metadata(case.get("metadata"), f"{where}.metadata"))
    variables = dict(specs.get("variables") or {})
    variables.update(case.get("variables") or {})
    # As the reference: only file-level flags count, and names it does not know are ignored.
    flags = [flag for flag in specs.get("featureFlags") or [] if flag in KNOWN_FLAGS]
    expect_missing = bool(case.get("expect.error.missingFunds"))
    expect_negative = bool(case.get("expect.error.negativeAmount"))

    failures: List[str] = []
    try:
        result, _ = execute(program, variables, _as_mapping(balances), _as_nested_metadata(metadata), flags)
    except MissingFundsError as exc:
        if not expect_missing:
            return [f"unexpected missing funds: {exc.message}"], exc, []
        return [], None, []
    except NegativeAmountError as exc:
        if not expect_negative:
            return [f"unexpected negative amount: {exc.message}"], exc, []
        return [], None, []
    except NumscriptError as exc:
        return [f"the script failed: {type(exc).__name__}: {exc}"], exc, []
    if expect_missing:
        failures.append("expect.error.missingFunds: expected a missing funds error, the script ran")
    if expect_negative:
        failures.append("expect.error.negativeAmount: expected a negative amount error, the script ran")
    postings = result.postings
    if "expect.postings" in case and case["expect.postings"] is not None:
        rows = case["expect.postings"]
        expected = [_posting_key(row, f"{where}.expect.postings[{i}]") for i, row in enumerate(rows)]
        got = [_posting_key(posting, "") for posting in postings]
        if expected != got:
            failures.append(
                f"expect.postings: expected {_show(rows)}, got {_show([p.to_json() for p in postings])}"
            )
    if case.get("expect.txMetadata") is not None:
        expected_tx = read_tx_metadata(case["expect.txMetadata"], f"{where}.expect.txMetadata")
        if expected_tx != result.tx_metadata:
            failures.append(f"expect.txMetadata: expected {_show(expected_tx)}, got {_show(result.tx_metadata)}")
    if case.get("expect.metadata") is not None:
        expected_meta = _as_nested_metadata(read_account_metadata(case["expect.metadata"], f"{where}.expect.metadata"))
        if expected_meta != result.accounts_metadata:
            failures.append(f"expect.metadata: expected {_show(expected_meta)}, got {_show(result.accounts_metadata)}")
    final: Optional[BalanceTable] = None
    if case.get("expect.endBalances") is not None:
        final = end_balances(balances, postings)
        expected_end = read_balances(case["expect.endBalances"], f"{where}.expect.endBalances")
        if expected_end != final:
            failures.append(
                f"expect.endBalances: expected {_show(_balance_rows(expected_end))}, got {_show(_balance_rows(final))}"
            )
    if case.get("expect.endBalances.include") is not None:
        final = final if final is not None else end_balances(balances, postings)
        expected_some = read_balances(case["expect.endBalances.include"], f"{where}.expect.endBalances.include")
        wrong = {key: amount for key, amount in expected_some.items() if final.get(key) != amount}
        if wrong:
            got_some = {key: final.get(key) for key in wrong}
            failures.append(
                f"expect.endBalances.include: expected {_show(_balance_rows(wrong))}, "
                f"got {_show([{'account': a, 'asset': s, 'amount': v} for (a, s), v in sorted(got_some.items())])}"
            )
    if case.get("expect.movements") is not None:
        expected_moves = read_movements(case["expect.movements"], f"{where}.expect.movements")
        got_moves = movements(postings)
        if expected_moves != got_moves:
            failures.append(
                f"expect.movements: expected {_show(sorted(expected_moves.items()))}, got "
                f"{_show(sorted(got_moves.items()))}"
            )
    return failures, None, postings


_ROW_FIELDS = ("balances", "metadata", "expect.txMetadata", "expect.metadata", "expect.endBalances",
               "expect.endBalances.include")


def _is_legacy(specs: Mapping[str, Any]) -> bool:
    """Whether a file uses the pre-2026 nested-map form anywhere (where rows are expected today)."""
    if any(isinstance(specs.get(key), dict) for key in _ROW_FIELDS):
        return True
    return any(
        isinstance(case, dict) and any(isinstance(case.get(key), dict) for key in _ROW_FIELDS)
        for case in specs.get("testCases") or []
    )


def run_specs_file(specs_path: str) -> List[CaseResult]:
    """Run every case of one specs file; raises SpecsFormatError when the file cannot be read."""
    script_path = specs_path[: -len(".specs.json")] if specs_path.endswith(".specs.json") else specs_path
    try:
        with open(script_path, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as exc:
        raise SpecsFormatError(f"{specs_path}: cannot read the script {script_path}: {exc.strerror}") from None
    try:
        with open(specs_path, encoding="utf-8") as handle:
            specs = json.load(handle)
    except OSError as exc:
        raise SpecsFormatError(f"{specs_path}: cannot read: {exc.strerror}") from None
    except ValueError as exc:
        raise SpecsFormatError(f"{specs_path}: not valid JSON: {exc}") from None
    if not isinstance(specs, dict):
        raise SpecsFormatError(f"{specs_path}: expected a JSON object with \"testCases\"")
    cases = specs.get("testCases") or []
    if not isinstance(cases, list):
        raise SpecsFormatError(f"{specs_path}: \"testCases\" must be a list")
    if not cases:
        return [CaseResult(specs_path, script_path, "(no test cases)", "fail", [f"Empty test suite: {specs_path}"])]
    try:
        program = parse_program(text)
    except NumscriptError as exc:
        reason = f"{script_path}:{exc.line}:{exc.column}: {exc.message}"
        return [CaseResult(specs_path, script_path, str(case.get("it", "")), "fail", [reason], exc) for case in cases]
    legacy = _is_legacy(specs)
    focused = any(case.get("focus") for case in cases if isinstance(case, dict))
    results: List[CaseResult] = []
    for index, case in enumerate(cases):
        if not isinstance(case, dict):
            raise SpecsFormatError(f"{specs_path}: testCases[{index}] must be an object")
        it = str(case.get("it", f"case {index + 1}"))
        if case.get("skip") or (focused and not case.get("focus")):
            results.append(CaseResult(specs_path, script_path, it, "skip"))
            continue
        if legacy:
            # The reference reads these files through its migration, which drops empty
            # expectations (`"expect.txMetadata": {}` asserts nothing there); so do we.
            case = {key: value for key, value in case.items() if not (key.startswith("expect.") and value in ({}, []))}
        try:
            failures, error, postings = _check_case(program, specs, case, f"testCases[{index}]")
        except SpecsFormatError as exc:
            raise SpecsFormatError(f"{specs_path}: {exc}") from None
        status = "fail" if failures else "pass"
        results.append(CaseResult(specs_path, script_path, it, status, failures, error, postings))
    return results


def find_specs(paths: Sequence[str]) -> List[str]:
    """Every `*.num.specs.json` under the given files and directories (sorted, depth first)."""
    found: List[str] = []
    for path in paths:
        if os.path.isdir(path):
            for root, directories, files in os.walk(path):
                directories.sort()
                found.extend(os.path.join(root, name) for name in sorted(files) if name.endswith(SPECS_SUFFIX))
        elif os.path.exists(path):
            found.append(path if path.endswith(".specs.json") else path + ".specs.json")
        else:
            raise SpecsFormatError(f"{path}: no such file or directory")
    return found


def run_specs(paths: Union[str, os.PathLike[str], Sequence[Union[str, os.PathLike[str]]]] = ".") -> List[CaseResult]:
    """Run the specs files at `paths` (files or directories searched for *.num.specs.json).

    Returns one CaseResult per test case, in file order. Raises SpecsFormatError for a file
    that cannot be read; script errors and failed expectations are reported in the results.
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    results: List[CaseResult] = []
    for specs_path in find_specs([os.fspath(path) for path in paths]):
        results.extend(run_specs_file(specs_path))
    return results
