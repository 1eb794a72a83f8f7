"""The README's quick start, examples/quickstart.py, runs on a fresh machine and prints balances
that add up."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import sdk

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "quickstart.py"


def test_quickstart_runs_and_prints_balanced_books() -> None:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(Path(sdk.__file__).resolve().parent.parent) + os.pathsep + env.get("PYTHONPATH", "")
    res = subprocess.run([sys.executable, str(EXAMPLE)], capture_output=True, text=True, env=env, timeout=60)
    assert res.returncode == 0, res.stdout + res.stderr
    out = res.stdout
    # the Numscript fee split: 10% of 250.00 capped at 10.00 for the platform, the rest to the shop
    assert "platform:fees     10.00 USD" in out
    assert "shops:books      240.00 USD" in out
    assert "world           -300.00 USD" in out
    assert "Sum of all balances: {'USD/2': 0}" in out
