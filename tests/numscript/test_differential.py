"""Differential test: sdk.numscript against the reference Numscript CLI (the Go implementation).

Each case is a random valid program with its inputs (program_generator.py), run through the
reference `numscript run` and through `sdk.numscript.run`; both must give the same postings in
the same order, the same transaction and account metadata, or errors of the same class. On top:
randomly damaged programs (the parsers must reject the same texts), hand-picked corner programs
(differential_corners.py), both `run -o json` command lines, and both specs-file runners on
specs files built from the random programs (differential_specs.py). The reference decides every
expected result; nothing here is hard-coded.

Environment:
    NUMSCRIPT_BIN           the reference binary (else `numscript` on PATH, else $(go env GOPATH)/bin)
    NUMSCRIPT_DIFF_COUNT    how many random programs (default 400)
    NUMSCRIPT_DIFF_SEED     first seed (default 0); case i uses seed SEED + i

Without the reference binary the comparison cannot run: the tests that need it are skipped with
a reason saying so, and a warning lands in the pytest summary. `.ci/install-numscript` installs it.
"""

from __future__ import annotations

import collections
import json
import os
import re
import warnings
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, List, Tuple

import pytest

try:  # tests/numscript may or may not be a package
    from .differential_check import checks_agree, our_check, reference_check
    from .differential_corners import CORNER_CASES
    from .differential_reference import (
        REFERENCE_VERSION,
        Outcome,
        ReferenceRunner,
        find_reference_binary,
        mismatch_report,
        outcomes_agree,
        run_our_cli,
        run_ours,
        write_case_files,
    )
    from .differential_specs import build_specs_file, our_verdict, reference_verdict, usable
    from .program_generator import GeneratedCase, generate_case, generate_cases, mutate_case
except ImportError:  # pragma: no cover - depends on how pytest imports this directory
    from differential_check import checks_agree, our_check, reference_check  # type: ignore[no-redef]
    from differential_corners import CORNER_CASES  # type: ignore[no-redef]
    from differential_reference import (  # type: ignore[no-redef]
        REFERENCE_VERSION,
        Outcome,
        ReferenceRunner,
        find_reference_binary,
        mismatch_report,
        outcomes_agree,
        run_our_cli,
        run_ours,
        write_case_files,
    )
    from differential_specs import (  # type: ignore[no-redef]
        build_specs_file,
        our_verdict,
        reference_verdict,
        usable,
    )
    from program_generator import (  # type: ignore[no-redef]
        GeneratedCase,
        generate_case,
        generate_cases,
        mutate_case,
    )

CASE_COUNT = int(os.environ.get("NUMSCRIPT_DIFF_COUNT", "400"))
#: Damaged programs (mostly parse errors) compared on top, a quarter as many.
MUTATED_COUNT = max(1, CASE_COUNT // 4)
#: Programs also run through both command lines (`run -o json`).
CLI_COUNT = max(1, CASE_COUNT // 8)
#: Specs files built from the first usable random programs, for the `test` runner comparison.
SPECS_COUNT = max(1, CASE_COUNT // 5)
BASE_SEED = int(os.environ.get("NUMSCRIPT_DIFF_SEED", "0"))
#: Full reports shown in a failure message; the rest are counted.
REPORTS_SHOWN = 3


class DifferentialTestNotRun(UserWarning):
    """The Numscript differential test could not run (no reference CLI)."""


@pytest.fixture(scope="module")
def cases() -> List[GeneratedCase]:
    return generate_cases(CASE_COUNT, BASE_SEED)


@pytest.fixture(scope="module")
def reference() -> ReferenceRunner:
    binary, how = find_reference_binary()
    if binary is None:
        message = (
            f"NUMSCRIPT DIFFERENTIAL TEST DID NOT RUN: {how}. sdk.numscript was NOT compared with the "
            f"reference numscript {REFERENCE_VERSION}."
        )
        warnings.warn(message, DifferentialTestNotRun, stacklevel=1)
        pytest.skip(message)
    stamp = binary + ".version"  # written by .ci/install-numscript
    if os.path.isfile(stamp):
        with open(stamp, encoding="utf-8") as handle:
            installed = handle.read().strip()
        if installed != REFERENCE_VERSION:
            warnings.warn(
                f"the reference numscript at {binary} is {installed}, not {REFERENCE_VERSION}: "
                "differences may come from the version",
                UserWarning,
                stacklevel=1,
            )
    return ReferenceRunner(binary)


@pytest.fixture(scope="module")
def reference_outcomes(reference: ReferenceRunner, cases: List[GeneratedCase]) -> List[Outcome]:
    return reference.run_all(cases)


def _uses_feature_flag(case: GeneratedCase) -> bool:
    return bool(case.feature_flags) or "#![feature" in case.program


def test_generator_is_deterministic() -> None:
    first, again = generate_case(BASE_SEED + 17), generate_case(BASE_SEED + 17)
    assert (first.program, first.variables, first.balances, first.metadata, first.feature_flags) == (
        again.program,
        again.variables,
        again.balances,
        again.metadata,
        again.feature_flags,
    )


# Each construct the generator must produce at least once in the default run, as a regex.
CONSTRUCTS: Dict[str, str] = {
    "plain account source": r"source = @(?!world)[\w:-]+\n",
    "@world source": r"@world",
    "bounded overdraft": r"allowing overdraft up to",
    "unbounded overdraft": r"allowing unbounded overdraft",
    "max source": r" max \S.* from ",
    "in-order source": r"source = \{ [@$]",
    "source allotment with remaining": r"remaining from",
    "source allotment": r"\d+(\.\d+)?% from|\d+/\d+ from",
    "destination allotment": r"\d+(\.\d+)?% to|\d+/\d+ to",
    "destination in-order with max": r"max \S.* to ",
    "kept": r" kept",
    "remaining kept": r"remaining kept",
    "remaining to": r"remaining to",
    "send-all": r"send \[\S+ \*\]",
    "save amount": r"save \[\S+ \d",
    "save all": r"save \[\S+ \*\]",
    "set_tx_meta": r"set_tx_meta\(",
    "set_account_meta": r"set_account_meta\(",
    "meta() origin": r"= meta\(",
    "balance() origin": r"= balance\(",
    "overdraft() origin": r"= overdraft\(",
    "oneof": r"oneof \{",
    "feature line": r"#!\[feature\(",
    "monetary arithmetic": r"\] [+-] \[",
    "number arithmetic": r"\d \+ \d",
    "underscored number": r"\d_\d",
    "amount >= 10**30": r"\d{31}",
    "0%": r"(?<![\d.])0%",
    "100%": r"(?<![\d.])100%",
    "1/3": r"(?<!\d)1/3(?!\d)",
    "tiny fraction": r"/\d{7,}",
    "decimal percent": r"\d\.\d+%",
    "string literal": r'"[^"]*"\)',
    "block comment": r"/\*",
    "several statements": r"\)\n(send|save|set_)",
    "negative cap": r"\[\S+ -\d\]",
    "color restriction": r' \\ "',
    "account interpolation": r"@[\w-]+:\$",
    "get_amount()": r"get_amount\(",
    "get_asset()": r"get_asset\(",
    "mid-script balance()": r"(send|max) balance\(",
    "origin over variables": r"= \$\w+ [+-] ",
    "unknown feature flag": r"experimental-no-such-feature",
}
VARIABLE_TYPES = ("monetary", "account", "portion", "number", "string", "asset")


def test_generator_covers_every_construct() -> None:
    # on a fixed sample, so that a small NUMSCRIPT_DIFF_COUNT does not make this fail
    cases = generate_cases(400, 0)
    texts = [case.program for case in cases]
    missing = [name for name, pattern in CONSTRUCTS.items() if not any(re.search(pattern, t) for t in texts)]
    missing += [
        f"{type_name} variable"
        for type_name in VARIABLE_TYPES
        if not any(re.search(rf"^  {type_name} \$\w+$", t, re.MULTILINE) for t in texts)
    ]
    assert not missing, f"the {len(cases)} generated programs never contain: {missing}"
    intended = collections.Counter(case.intended_error for case in cases)
    assert intended[""] > len(cases) // 2, intended


def test_reference_accepts_every_generated_program(
    cases: List[GeneratedCase], reference_outcomes: List[Outcome]
) -> None:
    rejected = [
        (case, outcome)
        for case, outcome in zip(cases, reference_outcomes)
        if outcome.error_class == "ParseError" or outcome.error_class.startswith("Unclassified")
    ]
    assert not rejected, "\n\n".join(
        f"seed {case.seed}: reference says {outcome.error_message}\n{case.program}" for case, outcome in rejected[:5]
    )
    classes = collections.Counter(outcome.error_class or "ok" for outcome in reference_outcomes)
    # A comparison where (nearly) everything errors would prove little.
    assert classes["ok"] >= len(cases) // 2, classes
    if len(cases) >= 200:
        assert {"MissingFundsError", "InvalidVariableError", "TypeMismatchError"} <= set(classes), classes


def _compare(cases: List[GeneratedCase], reference_outcomes: List[Outcome]) -> None:
    mismatches: List[Tuple[GeneratedCase, Outcome, Outcome]] = []
    unsupported = 0
    for case, reference in zip(cases, reference_outcomes):
        ours = run_ours(case)
        if ours.error_class == "UnsupportedFeatureError" and _uses_feature_flag(case):
            # An experimental feature we knowingly do not implement: it raises rather than guess.
            unsupported += 1
            continue
        if not outcomes_agree(reference, ours):
            mismatches.append((case, reference, ours))
    assert unsupported <= len(cases) // 10, f"{unsupported} cases hit UnsupportedFeatureError"
    if mismatches:
        seeds = [case.seed for case, _, _ in mismatches]
        shown = "\n\n".join(mismatch_report(*mismatch) for mismatch in mismatches[:REPORTS_SHOWN])
        pytest.fail(
            f"{len(mismatches)} of {len(cases)} random programs differ from the reference "
            f"(seeds {seeds[:30]}{' ...' if len(seeds) > 30 else ''}; rerun one with "
            f"NUMSCRIPT_DIFF_SEED=<seed> NUMSCRIPT_DIFF_COUNT=1):\n\n{shown}",
            pytrace=False,
        )


def test_sdk_numscript_matches_the_reference(cases: List[GeneratedCase], reference_outcomes: List[Outcome]) -> None:
    _compare(cases, reference_outcomes)


def test_damaged_programs_fail_alike(reference: ReferenceRunner) -> None:
    """Random edits of valid programs: both must reject the same texts, and agree on the rest."""
    mutated = [mutate_case(BASE_SEED + index) for index in range(MUTATED_COUNT)]
    outcomes = reference.run_all(mutated)
    # Without rejections, the edits would not be testing the parser.
    assert sum(outcome.error_class == "ParseError" for outcome in outcomes) >= len(mutated) // 3
    _compare(mutated, outcomes)


def test_corner_programs_match_the_reference(reference: ReferenceRunner) -> None:
    """Hand-picked corners (error order, running balances, posting merges, lexical edges)."""
    _compare(CORNER_CASES, reference.run_all(CORNER_CASES))


def test_specs_runner_matches_the_reference(
    reference: ReferenceRunner, cases: List[GeneratedCase], reference_outcomes: List[Outcome], tmp_path: object
) -> None:
    """`numscript test` and `numscript.run_specs` give every case of the same specs files the same verdict."""
    chosen = [(c, o) for c, o in zip(cases, reference_outcomes) if usable(c, o)][:SPECS_COUNT]
    paths = [build_specs_file(str(tmp_path), index, case, outcome) for index, (case, outcome) in enumerate(chosen)]
    with ThreadPoolExecutor(max_workers=reference.workers) as pool:
        theirs = list(pool.map(lambda path: reference_verdict(reference.binary, path), paths))
    disagreements = []
    for path, (case, _), verdict in zip(paths, chosen, theirs):
        ours = our_verdict(path)
        if not verdict.agrees_with(ours):
            with open(path, encoding="utf-8") as handle:
                specs_text = json.dumps(json.load(handle))
            disagreements.append(
                f"seed {case.seed}: {path}\n--- program ---\n{case.program}--- specs ---\n{specs_text}\n"
                f"--- reference `numscript test` ---\n{verdict.output}\n--- numscript.run_specs ---\n{ours.output}"
            )
    assert sum(not verdict.aborted for verdict in theirs) >= len(paths) * 3 // 4, "the reference abandoned most files"
    assert not disagreements, f"{len(disagreements)} of {len(paths)} specs files judged differently:\n\n" + "\n\n".join(
        disagreements[:REPORTS_SHOWN]
    )


def test_cli_run_json_matches_the_reference(
    reference: ReferenceRunner, cases: List[GeneratedCase], tmp_path: object
) -> None:
    """`python -m sdk.numscript run F --inputs I -o json` prints what `numscript run` prints, or fails alike."""
    differences = []
    for index, case in enumerate(cases[:CLI_COUNT]):
        script, inputs = write_case_files(str(tmp_path), index, case)
        their_code, their_out, their_err = reference.run_cli(script, inputs)
        our_code, our_out, our_err = run_our_cli(script, inputs)
        same = (their_code == 0) == (our_code == 0)
        if same and their_code == 0:
            same = json.loads(their_out) == json.loads(our_out)
        if not same:
            differences.append(
                f"seed {case.seed}:\n{case.program}--- inputs ---\n{open(inputs, encoding='utf-8').read()}\n"
                f"--- numscript run (exit {their_code}) ---\n{their_out}{their_err}\n"
                f"--- python -m sdk.numscript run (exit {our_code}) ---\n{our_out}{our_err}"
            )
    assert not differences, f"{len(differences)} of {CLI_COUNT} runs differ:\n\n" + "\n\n".join(
        differences[:REPORTS_SHOWN]
    )


def test_check_agrees_with_the_reference(
    reference: ReferenceRunner, cases: List[GeneratedCase], tmp_path: object
) -> None:
    """`check` finds errors in the same programs as `numscript check` (random, damaged and corner programs)."""
    programs = cases[:CLI_COUNT] + [mutate_case(BASE_SEED + index) for index in range(CLI_COUNT)] + CORNER_CASES
    paths = []
    for index, case in enumerate(programs):
        path = os.path.join(str(tmp_path), f"check{index}.num")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(case.program)
        paths.append(path)
    with ThreadPoolExecutor(max_workers=reference.workers) as pool:
        theirs = list(pool.map(lambda path: reference_check(reference.binary, path), paths))
    differences = []
    for case, path, verdict in zip(programs, paths, theirs):
        ours = our_check(path)
        if not checks_agree(verdict, ours):
            differences.append(
                f"seed {case.seed}:\n{case.program}\n--- numscript check ---\n{verdict.output}\n"
                f"--- python -m sdk.numscript check ---\n{ours.output}"
            )
    shown = "\n\n".join(differences[:REPORTS_SHOWN])
    assert not differences, f"{len(differences)} of {len(programs)} programs checked differently:\n\n{shown}"
