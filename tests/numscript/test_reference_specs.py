"""The reference implementation's own specs files run unchanged through our runner.

The `numscript` Go module ships its interpreter tests as `*.num` + `*.num.specs.json` pairs, in
both the current and the pre-2026 formats: a ready-made corpus of "users' existing specs files".
They are read from the Go module cache when the reference has been downloaded there (by
`.ci/install-numscript`); otherwise this test skips and says why.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
from pathlib import Path
from typing import List

import pytest

from sdk import numscript

# Scoped accounts (experimental-scoped-function) are knowingly unsupported (docs/numscript.md).
UNSUPPORTED = ("scoped-function",)


def _module_cache() -> str:
    if os.environ.get("GOMODCACHE"):
        return os.environ["GOMODCACHE"]
    if shutil.which("go"):
        done = subprocess.run(["go", "env", "GOMODCACHE"], capture_output=True, text=True, check=False)
        if done.returncode == 0 and done.stdout.strip():
            return done.stdout.strip()
    return str(Path.home() / "go" / "pkg" / "mod")


def _corpus() -> List[str]:
    roots = sorted(glob.glob(os.path.join(_module_cache(), "github.com", "formancehq", "numscript@v*")))
    if not roots:
        return []
    tests = os.path.join(roots[-1], "internal", "interpreter", "testdata", "script-tests")
    return [path for path in numscript.specs.find_specs([tests]) if not any(part in path for part in UNSUPPORTED)]


CORPUS = _corpus()


def test_reference_specs_files_pass() -> None:
    if not CORPUS:
        pytest.skip("SKIPPED: the reference numscript module is not in the Go module cache (run .ci/install-numscript)")
    failures = []
    cases = 0
    for path in CORPUS:
        for result in numscript.run_specs(path):
            cases += 1
            if result.status == "fail":
                failures.append(f"{os.path.basename(path)} > {result.it}: {result.failures}")
    assert failures == []
    assert cases > 100
