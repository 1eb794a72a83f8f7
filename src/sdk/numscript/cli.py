"""`python -m sdk.numscript`: check, run and test Numscript files, like the reference CLI.

    python -m sdk.numscript check FILE...                          problems as file:line:column: message
    python -m sdk.numscript run FILE [--inputs FILE.json] [-o pretty|json]
    python -m sdk.numscript test [PATH...]                         runs every *.num.specs.json

Exit status: 0 on success, 1 when a check finds an error, a run fails or a test case fails
(or is skipped, as with the reference), 2 for bad command-line usage.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any, Dict, List, Optional, Sequence, TextIO

from .checker import check_program
from .errors import NumscriptError, ParseError
from .interpreter import KNOWN_FLAGS, execute
from .parser import parse_program
from .result import RunResult
from .specs import CaseResult, SpecsFormatError, read_account_metadata, read_balances, run_specs


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def _check(paths: Sequence[str], out: TextIO) -> int:
    errors = 0
    for path in paths:
        try:
            text = _read(path)
        except OSError as exc:
            print(f"{path}: cannot read: {exc.strerror}", file=out)
            errors += 1
            continue
        try:
            diagnostics = check_program(parse_program(text))
        except ParseError as exc:
            print(f"{path}:{exc.line}:{exc.column}: {exc.message}", file=out)
            errors += 1
            continue
        for diagnostic in diagnostics:
            label = "" if diagnostic.severity == "error" else f"{diagnostic.severity}: "
            print(f"{path}:{diagnostic.line}:{diagnostic.column}: {label}{diagnostic.message}", file=out)
            errors += diagnostic.severity == "error"
    if errors:
        print(f"Found {errors} error{'s' if errors != 1 else ''}", file=out)
        return 1
    print("No errors found", file=out)
    return 0


def load_inputs(path: str) -> Dict[str, Any]:
    """Read a run inputs file: {"variables", "balances", "metadata", "featureFlags"} (balances and
    metadata as rows or nested maps). Returns the keyword arguments for `execute`."""
    try:
        data = json.loads(_read(path))
    except ValueError as exc:
        raise SpecsFormatError(f"{path}: not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise SpecsFormatError(f"{path}: expected a JSON object with variables, balances, metadata, featureFlags")
    variables = data.get("variables") or {}
    if not isinstance(variables, dict):
        raise SpecsFormatError(f"{path}: \"variables\" must be an object of strings")
    balances: Dict[str, Dict[str, int]] = {}
    for (account, asset), amount in read_balances(data.get("balances"), f"{path}: balances").items():
        balances.setdefault(account, {})[asset] = amount
    metadata: Dict[str, Dict[str, str]] = {}
    for (account, key), value in read_account_metadata(data.get("metadata"), f"{path}: metadata").items():
        metadata.setdefault(account, {})[key] = value
    return {
        "variables": variables,
        "balances": balances,
        "metadata": metadata,
        # Unknown names are ignored, as the reference does with inputs files.
        "feature_flags": [flag for flag in data.get("featureFlags") or [] if flag in KNOWN_FLAGS],
    }


def _pretty(result: RunResult, out: TextIO) -> None:
    with_color = any(posting.color for posting in result.postings)
    header = ["Source", "Destination", "Asset"] + (["Color"] if with_color else []) + ["Amount"]
    rows = [
        [p.source, p.destination, p.asset] + ([p.color] if with_color else []) + [str(p.amount)]
        for p in result.postings
    ]
    print("Postings:", file=out)
    _table(header, rows, out)
    if result.tx_metadata:
        print("Meta:", file=out)
        _table(["Name", "Value"], [[key, value] for key, value in sorted(result.tx_metadata.items())], out)
    if result.accounts_metadata:
        print("Accounts metadata:", file=out)
        _table(
            ["Account", "Name", "Value"],
            [[account, key, value] for account, values in sorted(result.accounts_metadata.items())
             for key, value in sorted(values.items())],
            out,
        )


def _table(header: List[str], rows: List[List[str]], out: TextIO) -> None:
    widths = [max([len(header[i])] + [len(row[i]) for row in rows]) for i in range(len(header))]
    print(" | ".join(cell.ljust(width) for cell, width in zip(header, widths)).rstrip(), file=out)
    print("-+-".join("-" * width for width in widths), file=out)
    for row in rows:
        print(" | ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip(), file=out)
    print(file=out)


def _run(path: str, inputs_path: Optional[str], output: str, out: TextIO, err: TextIO) -> int:
    try:
        text = _read(path)
    except OSError as exc:
        print(f"{path}: cannot read: {exc.strerror}", file=err)
        return 1
    default_inputs = path + ".inputs.json"
    inputs: Dict[str, Any] = {"variables": {}, "balances": {}, "metadata": {}, "feature_flags": []}
    try:
        if inputs_path is not None:
            inputs = load_inputs(inputs_path)
        elif os.path.exists(default_inputs):
            inputs = load_inputs(default_inputs)
    except (OSError, SpecsFormatError) as exc:
        print(str(exc), file=err)
        return 1
    try:
        program = parse_program(text)
        result, _ = execute(
            program, inputs["variables"], inputs["balances"], inputs["metadata"], inputs["feature_flags"]
        )
    except NumscriptError as exc:
        location = f"{path}:{exc.line}:{exc.column}: " if exc.line else f"{path}: "
        print(f"{location}{type(exc).__name__}: {exc.message}", file=err)
        if exc.source_line:
            print(f"    {exc.source_line}\n    {' ' * (exc.column - 1)}^", file=err)
        return 1
    if output == "json":
        print(json.dumps(result.to_json(), separators=(",", ":")), file=out)
    else:
        _pretty(result, out)
    return 0


def print_case_results(results: List[CaseResult], out: TextIO) -> bool:
    """One line per case, the failures under it, then a summary; returns whether all passed."""
    files: Dict[str, List[CaseResult]] = {}
    for result in results:
        files.setdefault(result.specs_path, []).append(result)
    marks = {"pass": "✓", "fail": "×", "skip": "↓"}
    failed_files = 0
    for cases in files.values():
        failed = sum(case.status == "fail" for case in cases)
        skipped = sum(case.status == "skip" for case in cases)
        failed_files += failed > 0
        counts = f"{len(cases)} tests" + (f" | {failed} failed" if failed else "") + (
            f" | {skipped} skipped" if skipped else ""
        )
        print(f"{'❯' if failed else '✓'} {cases[0].script_path} ({counts})", file=out)
        for case in cases:
            print(f"  {marks[case.status]} {case.it}", file=out)
            for failure in case.failures:
                for line in failure.splitlines():
                    print(f"      {line}", file=out)
    total = len(results)
    failed = sum(case.status == "fail" for case in results)
    skipped = sum(case.status == "skip" for case in results)
    passed = total - failed - skipped
    file_parts = ([f"{failed_files} failed"] if failed_files else []) + (
        [f"{len(files) - failed_files} passed"] if len(files) - failed_files else []
    )
    test_parts = ([f"{failed} failed"] if failed else []) + ([f"{passed} passed"] if passed else []) + (
        [f"{skipped} skipped"] if skipped else []
    )
    print(file=out)
    print(f" Test files  {' | '.join(file_parts)} ({len(files)})", file=out)
    print(f"      Tests  {' | '.join(test_parts)} ({total})", file=out)
    return failed == 0 and skipped == 0 and total > 0


def _test(paths: Sequence[str], out: TextIO, err: TextIO) -> int:
    try:
        results = run_specs(list(paths) or ["."])
    except SpecsFormatError as exc:
        print(str(exc), file=err)
        return 1
    if not results:
        print("No specs files found (looked for *.num.specs.json)", file=err)
        return 1
    return 0 if print_case_results(results, out) else 1


def main(argv: Optional[Sequence[str]] = None, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    """Run the command line; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m sdk.numscript", description="Check, run and test Numscript files.")
    commands = parser.add_subparsers(dest="command", required=True)
    check_cmd = commands.add_parser("check", help="parse and check files, print file:line:column: message")
    check_cmd.add_argument("files", nargs="+", metavar="FILE")
    run_cmd = commands.add_parser("run", help="run a file with inputs (default FILE.inputs.json)")
    run_cmd.add_argument("file", metavar="FILE")
    run_cmd.add_argument("--inputs", metavar="FILE.json", help="variables, balances, metadata, featureFlags")
    run_cmd.add_argument("-o", "--output-format", dest="output", choices=("pretty", "json"), default="pretty")
    test_cmd = commands.add_parser("test", help="run every *.num.specs.json under the paths (default .)")
    test_cmd.add_argument("paths", nargs="*", metavar="PATH")
    args = parser.parse_args(argv)
    if args.command == "check":
        return _check(args.files, out)
    if args.command == "run":
        return _run(args.file, args.inputs, args.output, out, err)
    return _test(args.paths, out, err)
