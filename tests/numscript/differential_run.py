"""Developer tool: run the differential comparison on many programs and shrink each disagreement.

    PYTHONPATH=src:tests/numscript python tests/numscript/differential_run.py --count 5000 [--seed 0]

Prints one minimised repro per kind of disagreement (which interpreter failed with which class, or
which part of a successful result differs), plus totals. Not collected by pytest.
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import os
import re
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Dict, List, Tuple

try:  # tests/numscript may or may not be a package
    from .differential_check import checks_agree, our_check, our_error_lines, reference_check
    from .differential_corners import CORNER_CASES
    from .differential_reference import (
        Outcome,
        ReferenceRunner,
        find_reference_binary,
        mismatch_report,
        outcomes_agree,
        run_ours,
    )
    from .differential_specs import build_specs_file, our_verdict, reference_verdict, usable
    from .program_generator import GeneratedCase, generate_cases, mutate_case
except ImportError:
    from differential_check import (  # type: ignore[no-redef]
        checks_agree,
        our_check,
        our_error_lines,
        reference_check,
    )
    from differential_corners import CORNER_CASES  # type: ignore[no-redef]
    from differential_reference import (  # type: ignore[no-redef]
        Outcome,
        ReferenceRunner,
        find_reference_binary,
        mismatch_report,
        outcomes_agree,
        run_ours,
    )
    from differential_specs import (  # type: ignore[no-redef]
        build_specs_file,
        our_verdict,
        reference_verdict,
        usable,
    )
    from program_generator import GeneratedCase, generate_cases, mutate_case  # type: ignore[no-redef]


def signature(reference: Outcome, ours: Outcome) -> str:
    """A short name for the kind of disagreement, to group them."""
    if reference.failed or ours.failed:
        return f"reference={reference.error_class or 'ok'} ours={ours.error_class or 'ok'}"
    parts = []
    if reference.postings != ours.postings:
        parts.append("postings")
    if reference.tx_metadata != ours.tx_metadata:
        parts.append("txMeta")
    if reference.accounts_metadata != ours.accounts_metadata:
        parts.append("accountsMeta")
    return "both ok, differ in " + "+".join(parts)


def _split_program(program: str) -> Tuple[List[str], List[str], List[List[str]]]:
    """(header lines, var declaration lines, statements as line lists) of a generated program."""
    header: List[str] = []
    declarations: List[str] = []
    statements: List[List[str]] = []
    lines = program.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        if line == "vars {":
            index += 1
            while lines[index] != "}":
                if lines[index].startswith("  "):
                    declarations.append(lines[index])
                index += 1
        elif line.startswith("send "):
            block = [line]
            while lines[index] != ")":
                index += 1
                block.append(lines[index])
            statements.append(block)
        elif line.startswith(("save ", "set_")):
            statements.append([line])
        elif line.startswith("#!"):
            header.append(line)
        index += 1
    return header, declarations, statements


def _join_program(header: List[str], declarations: List[str], statements: List[List[str]]) -> str:
    lines = list(header)
    if declarations:
        lines += ["vars {"] + declarations + ["}"]
    for statement in statements:
        lines += statement
    return "\n".join(lines) + "\n"


def shrink(case: GeneratedCase, still_failing: Callable[[GeneratedCase], bool]) -> GeneratedCase:
    """Drop statements, then unused variables and inputs, while the disagreement stays."""
    try:
        header, declarations, statements = _split_program(case.program)
    except IndexError:
        return case  # a damaged program without the generator's layout: shown as it is
    if _join_program(header, declarations, statements) != case.program:
        return case  # the layout was not the generator's (compact, comments): shrinking would change it

    def attempt(candidate: GeneratedCase) -> bool:
        nonlocal case
        if still_failing(candidate):
            case = candidate
            return True
        return False

    for position in reversed(range(len(statements))):
        fewer = statements[:position] + statements[position + 1 :]
        if fewer and attempt(dataclasses.replace(case, program=_join_program(header, declarations, fewer))):
            statements = fewer
    changed = True
    while changed:
        changed = False
        for position in reversed(range(len(declarations))):
            declared = re.search(r"\$(\w+)", declarations[position])
            others = declarations[:position] + declarations[position + 1 :]
            body = "\n".join(others) + "\n".join("\n".join(s) for s in statements)
            if declared and not re.search(rf"\${declared.group(1)}\b", body):
                variables = {k: v for k, v in case.variables.items() if k != declared.group(1)}
                program = _join_program(header, others, statements)
                if attempt(dataclasses.replace(case, program=program, variables=variables)):
                    declarations = others
                    changed = True
                    break
    for account in list(case.balances):
        for asset in list(case.balances[account]):
            balances = {a: dict(v) for a, v in case.balances.items()}
            del balances[account][asset]
            attempt(dataclasses.replace(case, balances={a: v for a, v in balances.items() if v}))
    for account in list(case.metadata):
        for key in list(case.metadata[account]):
            metadata = {a: dict(v) for a, v in case.metadata.items()}
            del metadata[account][key]
            attempt(dataclasses.replace(case, metadata={a: v for a, v in metadata.items() if v}))
    for variable in list(case.variables):
        attempt(dataclasses.replace(case, variables={k: v for k, v in case.variables.items() if k != variable}))
    return case


def compare_check(runner: ReferenceRunner, cases: List[GeneratedCase]) -> int:
    """Group the programs `check` judges differently by the reference's / our error messages."""
    groups: Dict[str, List[Tuple[GeneratedCase, str, str]]] = collections.defaultdict(list)
    with tempfile.TemporaryDirectory(prefix="numscript-check-") as root:
        paths = []
        for index, case in enumerate(cases):
            path = os.path.join(root, f"check{index}.num")
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(case.program)
            paths.append(path)
        with ThreadPoolExecutor(max_workers=runner.workers) as pool:
            theirs = list(pool.map(lambda path: reference_check(runner.binary, path), paths))
        for case, path, verdict in zip(cases, paths, theirs):
            ours = our_check(path)
            if checks_agree(verdict, ours):
                continue
            if verdict.has_errors:
                lines = verdict.output.splitlines()
                messages = {lines[i + 1] for i, line in enumerate(lines[:-1]) if line.endswith("- Error")}
                kind = "reference only: " + " | ".join(sorted(messages))
            else:
                kind = "ours only: " + " | ".join(sorted(set(our_error_lines(ours))))
            kind = re.sub(r"'[^']*'|\([^)]*\)|\$\w+|@\S+|\[[^]]*\]|\d+", "_", kind)
            groups[kind].append((case, verdict.output, ours.output))
    for kind, members in sorted(groups.items(), key=lambda item: -len(item[1])):
        case, theirs_text, ours_text = min(members, key=lambda member: len(member[0].program))
        print(f"\n######## {len(members)}: {kind[:300]}\n{case.program}--- reference ---\n{theirs_text}")
        print(f"--- ours ---\n{ours_text}")
    failing = sum(len(members) for members in groups.values())
    print(f"\n{len(cases) - failing} of {len(cases)} programs checked alike")
    return 1 if failing else 0


def compare_specs(runner: ReferenceRunner, cases: List[GeneratedCase], references: List[Outcome]) -> int:
    chosen = [(case, outcome) for case, outcome in zip(cases, references) if usable(case, outcome)]
    failing = 0
    with tempfile.TemporaryDirectory(prefix="numscript-specs-") as root:
        paths = [build_specs_file(root, index, case, outcome) for index, (case, outcome) in enumerate(chosen)]
        with ThreadPoolExecutor(max_workers=runner.workers) as pool:
            theirs = list(pool.map(lambda path: reference_verdict(runner.binary, path), paths))
        for path, (case, _), verdict in zip(paths, chosen, theirs):
            ours = our_verdict(path)
            if verdict.agrees_with(ours):
                continue
            failing += 1
            differing = sorted(
                (it, str(verdict.cases.get(it)), str(ours.cases.get(it)))
                for it in set(verdict.cases) | set(ours.cases)
                if verdict.cases.get(it) != ours.cases.get(it)
            )
            print(f"\n######## seed {case.seed}: {'reference aborted; ' if verdict.aborted else ''}{differing}")
            with open(path, encoding="utf-8") as handle:
                print(case.program + handle.read())
            print("--- reference ---\n" + verdict.output + "\n--- ours ---\n" + ours.output)
    aborted = sum(verdict.aborted for verdict in theirs)
    print(f"\n{len(paths) - failing} of {len(paths)} specs files judged alike ({aborted} abandoned by the reference)")
    return 1 if failing else 0


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-shrink", action="store_true")
    parser.add_argument("--mutated", action="store_true", help="damaged programs (parser fuzzing)")
    parser.add_argument("--corners", action="store_true", help="the hand-picked corner programs")
    parser.add_argument("--check", action="store_true", help="compare `check` (errors or not) on the programs")
    parser.add_argument(
        "--specs", action="store_true", help="compare the specs runners on files built from the programs"
    )
    options = parser.parse_args(argv)

    binary, how = find_reference_binary()
    if binary is None:
        print(f"no reference binary: {how}", file=sys.stderr)
        return 2
    runner = ReferenceRunner(binary)
    if options.corners:
        cases = list(CORNER_CASES)
    elif options.mutated:
        cases = [mutate_case(options.seed + index) for index in range(options.count)]
    else:
        cases = generate_cases(options.count, options.seed)
    started = time.monotonic()
    if options.check:
        return compare_check(runner, cases)
    references = runner.run_all(cases)
    reference_seconds = time.monotonic() - started
    if options.specs:
        return compare_specs(runner, cases, references)
    started = time.monotonic()
    ours = [run_ours(case) for case in cases]
    our_seconds = time.monotonic() - started

    groups: Dict[str, List[Tuple[GeneratedCase, Outcome, Outcome]]] = collections.defaultdict(list)
    unsupported = 0
    for case, reference, mine in zip(cases, references, ours):
        if mine.error_class == "UnsupportedFeatureError" and (case.feature_flags or "#![feature" in case.program):
            unsupported += 1
            continue
        if not outcomes_agree(reference, mine):
            groups[signature(reference, mine)].append((case, reference, mine))

    for kind, members in sorted(groups.items(), key=lambda item: -len(item[1])):
        case, reference, mine = members[0]
        if not options.no_shrink:

            def same_kind(candidate: GeneratedCase, kind: str = kind) -> bool:
                ref, our = runner.run(candidate), run_ours(candidate)
                return not outcomes_agree(ref, our) and signature(ref, our) == kind

            case = shrink(case, same_kind)
            reference, mine = runner.run(case), run_ours(case)
        print(f"\n######## {kind}: {len(members)} cases, seeds {[m[0].seed for m in members[:12]]}")
        print(mismatch_report(case, reference, mine))

    failing = sum(len(members) for members in groups.values())
    classes = collections.Counter(outcome.error_class or "ok" for outcome in references)
    print(
        f"\n{len(cases) - failing} of {len(cases)} agree ({100.0 * (len(cases) - failing) / len(cases):.2f}%); "
        f"{unsupported} knowingly unsupported; "
        f"reference {reference_seconds:.1f}s, sdk.numscript {our_seconds:.1f}s; reference outcomes {dict(classes)}"
    )
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
