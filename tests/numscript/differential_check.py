"""Differential check of the static checker: `numscript check FILE` against `python -m sdk.numscript check FILE`.

Both read only the program text. They must agree on whether a program has errors (the exit
code); warnings and wording are free to differ.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
from dataclasses import dataclass

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


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
