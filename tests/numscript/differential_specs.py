"""Differential check of the specs-file runner: `numscript test DIR` against `numscript.run_specs`.

From random programs, `build_specs_files` writes `*.num` + `*.num.specs.json` pairs whose test
cases hold expectations taken from the reference's own `run` output: some exact, some perturbed
(reordered, an amount off by one, a subset, a wrong error flag), with the inputs split between
file level and case level, in the current row format or the legacy nested-map one. Both runners
then judge every case, and must give each the same verdict (pass, fail or skip).

Only programs that the reference runs to a result, a missing-funds or a negative-amount error
are used: any other script error makes the reference abandon the whole file (see the findings).
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from typing import Any, Dict, List, Tuple

try:  # tests/numscript may or may not be a package
    from .differential_reference import Outcome, balance_row
    from .program_generator import GeneratedCase
except ImportError:  # pragma: no cover - depends on how pytest imports this directory
    from differential_reference import Outcome, balance_row  # type: ignore[no-redef]
    from program_generator import GeneratedCase  # type: ignore[no-redef]

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def usable(case: GeneratedCase, outcome: Outcome) -> bool:
    """Whether a case can be a specs file the reference will judge case by case."""
    if outcome.error_class not in ("", "MissingFundsError", "NegativeAmountError"):
        return False
    if "scoped(" in case.program:
        return False  # knowingly unsupported by sdk.numscript: every case would fail on our side
    # colored balances have no legacy spelling we could both read the same way; keep it simple
    return not any("_" in asset for assets in case.balances.values() for asset in assets)


def _rows_balances(balances: Dict[str, Dict[str, int]]) -> List[Dict[str, Any]]:
    return [
        balance_row(account, asset, amount) for account, assets in balances.items() for asset, amount in assets.items()
    ]


def _rows_metadata(metadata: Dict[str, Dict[str, str]]) -> List[Dict[str, str]]:
    return [{"account": a, "key": k, "value": v} for a, entries in metadata.items() for k, v in entries.items()]


def _split(
    rng: random.Random, nested: Dict[str, Dict[str, Any]]
) -> Tuple[Dict[str, Dict[str, Any]], Dict[str, Dict[str, Any]]]:
    """Cut nested inputs into a file-level part and a case-level part that together give them back.

    A key may also appear in both, the file level holding a different value, so that the case's
    value must win the merge.
    """
    outer: Dict[str, Dict[str, Any]] = {}
    inner: Dict[str, Dict[str, Any]] = {}
    for account, entries in nested.items():
        for key, value in entries.items():
            roll = rng.random()
            if roll < 0.4:
                outer.setdefault(account, {})[key] = value
            elif roll < 0.8:
                inner.setdefault(account, {})[key] = value
            else:
                decoy = value + 1 if isinstance(value, int) else value + "-decoy"
                outer.setdefault(account, {})[key] = decoy
                inner.setdefault(account, {})[key] = value
    return outer, inner


def _end_balances(case: GeneratedCase, outcome: Outcome) -> Dict[str, Dict[str, int]]:
    final = {account: dict(assets) for account, assets in case.balances.items()}
    for source, destination, asset, amount, _color in outcome.postings:
        final.setdefault(source, {})[asset] = final.get(source, {}).get(asset, 0) - amount
        final.setdefault(destination, {})[asset] = final.get(destination, {}).get(asset, 0) + amount
    return final


def _movements(outcome: Outcome) -> List[Dict[str, Any]]:
    totals: Dict[Tuple[str, str, str], int] = {}
    for source, destination, asset, amount, _color in outcome.postings:
        totals[(source, destination, asset)] = totals.get((source, destination, asset), 0) + amount
    return [{"source": s, "destination": d, "asset": a, "amount": v} for (s, d, a), v in totals.items()]


#: The generated expectations that hold when the reference's result is right.
_TRUE_EXPECTATIONS = (
    "exact postings",
    "tx metadata, any order",
    "account metadata, any order",
    "end balances",
    "end balances, some",
    "movements",
    "expects its error",
)


def _expectations(rng: random.Random, case: GeneratedCase, outcome: Outcome) -> List[Dict[str, Any]]:
    """Test cases with expectations drawn from the reference's result: some true, some not."""
    tests: List[Dict[str, Any]] = []
    if outcome.failed:
        flag = (
            "expect.error.missingFunds" if outcome.error_class == "MissingFundsError" else "expect.error.negativeAmount"
        )
        other = "expect.error.negativeAmount" if flag == "expect.error.missingFunds" else "expect.error.missingFunds"
        tests.append({"it": "expects its error", flag: True})
        if rng.random() < 0.3:
            return tests
        tests.append({"it": "expects the other error", other: True})
        tests.append({"it": "expects nothing", "expect.postings": []})
        return tests
    postings: List[Dict[str, Any]] = [
        {"source": s, "destination": d, "asset": a, "amount": v, **({"color": c} if c else {})}
        for s, d, a, v, c in outcome.postings
    ]
    tests.append({"it": "exact postings", "expect.postings": postings})
    if len(postings) > 1:
        shuffled = postings[:]
        rng.shuffle(shuffled)
        if shuffled != postings:
            tests.append({"it": "postings reordered", "expect.postings": shuffled})
    if postings:
        wrong = [dict(p) for p in postings]
        wrong[rng.randrange(len(wrong))]["amount"] += rng.choice((-1, 1))
        tests.append({"it": "an amount off by one", "expect.postings": wrong})
    tx = [{"key": k, "value": v} for k, v in outcome.tx_metadata.items()]
    rng.shuffle(tx)
    tests.append({"it": "tx metadata, any order", "expect.txMetadata": tx})
    if tx:
        tests.append({"it": "tx metadata, one missing", "expect.txMetadata": tx[1:]})
    accounts = _rows_metadata(outcome.accounts_metadata)
    rng.shuffle(accounts)
    tests.append({"it": "account metadata, any order", "expect.metadata": accounts})
    end = _end_balances(case, outcome)
    end_rows = _rows_balances(end)
    rng.shuffle(end_rows)
    tests.append({"it": "end balances", "expect.endBalances": end_rows})
    if end_rows:
        subset = rng.sample(end_rows, rng.randint(1, len(end_rows)))
        tests.append({"it": "end balances, some", "expect.endBalances.include": subset})
        wrong_subset = [dict(row) for row in subset]
        wrong_subset[0]["amount"] += 1
        tests.append({"it": "end balances, one wrong", "expect.endBalances.include": wrong_subset})
    movements = _movements(outcome)
    rng.shuffle(movements)
    tests.append({"it": "movements", "expect.movements": movements})
    tests.append({"it": "expects missing funds", "expect.error.missingFunds": True})
    if rng.random() < 0.3:
        # a file whose expectations all hold: the runners must then both pass it (exit status 0)
        return [test for test in tests if test["it"] in _TRUE_EXPECTATIONS]
    if rng.random() < 0.2:
        tests.append({"it": "skipped", "skip": True, "expect.postings": []})
    if rng.random() < 0.1:
        tests[rng.randrange(len(tests))]["focus"] = True
    return tests


#: Whether legacy files may carry empty map expectations (`"expect.txMetadata": {}`), which the
#: reference's migration drops, so that they assert nothing (oracle finding D6, now followed).
LEGACY_EMPTY_EXPECTATIONS = True


def _legacy(tests: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """The same expectations in the v0.0.24 nested-map spelling, where it had one."""
    converted = []
    for test in tests:
        test = dict(test)
        if not LEGACY_EMPTY_EXPECTATIONS:
            for key in ("expect.txMetadata", "expect.metadata", "expect.endBalances", "expect.endBalances.include"):
                if key in test and not test[key]:
                    del test[key]
        if "expect.txMetadata" in test:
            test["expect.txMetadata"] = {row["key"]: row["value"] for row in test["expect.txMetadata"]}
        if "expect.metadata" in test:
            nested: Dict[str, Dict[str, str]] = {}
            for row in test["expect.metadata"]:
                nested.setdefault(row["account"], {})[row["key"]] = row["value"]
            test["expect.metadata"] = nested
        for key in ("expect.endBalances", "expect.endBalances.include"):
            if key in test:
                balances: Dict[str, Dict[str, int]] = {}
                for row in test[key]:
                    balances.setdefault(row["account"], {})[row["asset"]] = row["amount"]
                test[key] = balances
        converted.append(test)
    return converted


def build_specs_file(root: str, index: int, case: GeneratedCase, outcome: Outcome) -> str:
    """Write one script + specs pair in a directory of its own under `root`; returns the specs path."""
    directory = os.path.join(root, f"case{index:05d}")
    os.makedirs(directory)
    rng = random.Random(f"specs-{case.seed}")
    legacy = rng.random() < 0.25
    outer_balances, inner_balances = _split(rng, case.balances)
    outer_meta, inner_meta = _split(rng, case.metadata)
    names = list(case.variables)
    rng.shuffle(names)
    cut = rng.randint(0, len(names))
    outer_vars = {name: case.variables[name] for name in names[:cut]}
    inner_vars = {name: case.variables[name] for name in names[cut:]}
    tests = _expectations(rng, case, outcome)
    for test in tests:
        if legacy:
            test.update({"balances": inner_balances, "metadata": inner_meta})
        else:
            test.update({"balances": _rows_balances(inner_balances), "metadata": _rows_metadata(inner_meta)})
        test["variables"] = inner_vars
    specs: Dict[str, Any] = {
        "balances": outer_balances if legacy else _rows_balances(outer_balances),
        "metadata": outer_meta if legacy else _rows_metadata(outer_meta),
        "variables": outer_vars,
        "testCases": _legacy(tests) if legacy else tests,
    }
    if case.feature_flags:
        specs["featureFlags"] = list(case.feature_flags)
    script = os.path.join(directory, f"case{index:05d}.num")
    with open(script, "w", encoding="utf-8") as handle:
        handle.write(case.program)
    with open(script + ".specs.json", "w", encoding="utf-8") as handle:
        json.dump(specs, handle, indent=1)
    return script + ".specs.json"


@dataclass
class FileVerdict:
    """How a runner judged one specs file."""

    #: case `it` -> "pass" | "fail" | "skip"; the reference lists cases only for files with a failure
    cases: Dict[str, str] = field(default_factory=dict)
    total: int = 0
    failed: int = 0
    skipped: int = 0
    #: the runner gave up on the whole file (the reference does on any other script error)
    aborted: bool = False
    #: the `test` command's exit status on this file alone
    exit_code: int = 0
    output: str = ""

    def agrees_with(self, ours: FileVerdict) -> bool:
        if self.aborted:
            # the reference stops at the script error; ours reports it on the case: a failure either way
            return ours.failed > 0 and ours.exit_code != 0
        if (self.total, self.failed, self.skipped, self.exit_code) != (
            ours.total,
            ours.failed,
            ours.skipped,
            ours.exit_code,
        ):
            return False
        return all(ours.cases.get(it) == verdict for it, verdict in self.cases.items())


def reference_verdict(binary: str, specs_path: str, timeout: float = 60.0) -> FileVerdict:
    """`numscript test` on the directory holding one specs file (alone, so an abort stays local).

    A legacy (nested-map) file is judged through `numscript test --migrate`, the only way the
    reference still reads one, on a copy: the migration rewrites the file in place.
    """
    directory = os.path.dirname(specs_path)
    command = [binary, "test", "."]
    with open(specs_path, encoding="utf-8") as handle:
        if isinstance(json.load(handle).get("balances"), dict):
            copy = directory + "-reference"
            shutil.rmtree(copy, ignore_errors=True)
            shutil.copytree(directory, copy)
            directory, command = copy, [binary, "test", "--migrate", "."]
    completed = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "NUMSCRIPT_NO_TELEMETRY": "1"},
        cwd=directory,
    )
    # stdout has the verdicts; stderr the reference's diffs, long: only its start when it aborted
    output = _ANSI.sub("", completed.stdout) or _ANSI.sub("", completed.stderr)[:1500]
    verdict = FileVerdict(output=output, exit_code=completed.returncode)
    icons = {"✓": "pass", "×": "fail", "↓": "skip"}
    header_seen = False
    for line in _ANSI.sub("", completed.stdout).splitlines():
        if line.startswith("↻ migrated "):
            continue
        header = re.match(r"^[✓❯] \S+\.num \((\d+) tests(?: \| (\d+) failed)?(?: \| (\d+) skipped)?\)", line)
        if header:
            header_seen = True
            verdict.total = int(header.group(1))
            verdict.failed = int(header.group(2) or 0)
            verdict.skipped = int(header.group(3) or 0)
            continue
        case_line = re.match(r"^  ([✓×↓]) (.*)$", line)
        if case_line:
            verdict.cases[case_line.group(2)] = icons[case_line.group(1)]
    verdict.aborted = not header_seen
    return verdict


def our_verdict(specs_path: str) -> FileVerdict:
    import io

    from sdk import numscript
    from sdk.numscript import cli

    results = numscript.run_specs(specs_path)
    exit_code = cli.main(["test", os.path.dirname(specs_path)], out=io.StringIO(), err=io.StringIO())
    statuses = [result.status for result in results]
    return FileVerdict(
        cases={result.it: result.status for result in results},
        total=len(results),
        failed=statuses.count("fail"),
        skipped=statuses.count("skip"),
        exit_code=exit_code,
        output="\n".join(f"{r.status} {r.it}: {'; '.join(r.failures)}" for r in results),
    )
