"""Differential check of the static checker: `numscript check FILE` against `python -m sdk.numscript check FILE`.

Both read only the program text. They must agree on whether a program has errors (the exit
code); warnings and wording are free to differ.

`DOCUMENTED_CHECK_DIFFERENCES` lists, as regexes on our error lines, the errors that our checker
reports on purpose where the reference's stays silent; each must be documented in
docs/numscript.md. A program that only the differences explain does not count as a disagreement.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
from dataclasses import dataclass
from typing import List, Tuple

_ANSI = re.compile(r"\x1b\[[0-9;]*m")

#: Our error lines (without "file:line:col: ") that are deliberate, documented differences.
DOCUMENTED_CHECK_DIFFERENCES: Tuple[str, ...] = ()


@dataclass(frozen=True)
class CheckVerdict:
    has_errors: bool
    output: str


def reference_check(binary: str, script_path: str, timeout: float = 60.0) -> CheckVerdict:
    completed = subprocess.run(
        [binary, "check", script_path],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "NUMSCRIPT_NO_TELEMETRY": "1"},
    )
    return CheckVerdict(completed.returncode != 0, _ANSI.sub("", completed.stdout + completed.stderr).strip())


def our_check(script_path: str) -> CheckVerdict:
    from sdk.numscript import cli

    out, err = io.StringIO(), io.StringIO()
    code = cli.main(["check", script_path], out=out, err=err)
    return CheckVerdict(code != 0, (out.getvalue() + err.getvalue()).strip())


def our_error_lines(verdict: CheckVerdict) -> List[str]:
    """Our checker's error messages, position prefix removed (warnings left out)."""
    lines = []
    for line in verdict.output.splitlines():
        located = re.match(r"^.*?:\d+:\d+: (.*)$", line)
        if located and not located.group(1).startswith("warning:"):
            lines.append(located.group(1))
    return lines


def checks_agree(reference: CheckVerdict, ours: CheckVerdict) -> bool:
    if reference.has_errors == ours.has_errors:
        return True
    if reference.has_errors or not DOCUMENTED_CHECK_DIFFERENCES:
        return False
    errors = our_error_lines(ours)
    return bool(errors) and all(
        any(re.search(pattern, error) for pattern in DOCUMENTED_CHECK_DIFFERENCES) for error in errors
    )
