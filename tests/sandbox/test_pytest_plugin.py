"""The pytest plugin, used the way a user would: a test file that names it in pytest_plugins,
run by a separate pytest process. The plugin is not registered for everyone."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import sdk

USER_TESTS = """
pytest_plugins = ["sdk.sandbox.pytest_plugin"]

from sdk.models import operations, shared


def _post(s):
    s.ledger.v2.create_ledger(request=operations.V2CreateLedgerRequest(ledger="mine"))
    res = s.ledger.v2.create_transaction(request=operations.V2CreateTransactionRequest(
        ledger="mine",
        v2_post_transaction=shared.V2PostTransaction(
 metadata={},
            postings=[shared.V2Posting(source="world", destination="a", amount=10**30, asset="USD")]),
    ))
    return res.v2_create_transaction_response.data


def test_first(formance_sdk):
    assert _post(formance_sdk).id == 1


def test_second_starts_from_an_empty_sandbox(formance_sdk, formance_sandbox):
    # a fresh state per test: the ledger of test_first is gone, ids restart
    assert _post(formance_sdk).id == 1
    assert formance_sdk.server_url.rstrip("/") == formance_sandbox.url.rstrip("/")
"""

WITHOUT_PLUGIN = """
def test_fixture_is_not_there(formance_sdk):
    pass
"""


def _run(tmp_path: Path, source: str) -> subprocess.CompletedProcess:  # type: ignore[type-arg]
    (tmp_path / "test_user.py").write_text(textwrap.dedent(source))
    env = dict(os.environ)
    env["PYTHONPATH"] = str(Path(sdk.__file__).resolve().parent.parent) + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(tmp_path), str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        cwd=tmp_path,
    )


def test_plugin_fixtures_give_a_fresh_sandbox_per_test(tmp_path: Path) -> None:
    res = _run(tmp_path, USER_TESTS)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "2 passed" in res.stdout


def test_plugin_is_not_registered_automatically(tmp_path: Path) -> None:
    res = _run(tmp_path, WITHOUT_PLUGIN)
    assert res.returncode != 0
    assert "fixture 'formance_sdk' not found" in res.stdout


def test_importing_sdk_does_not_import_the_sandbox() -> None:
    code = (
        "import sys, sdk; s = sdk.SDK(server_url='http://127.0.0.1:1'); s.ledger.v2; "
        "print('sdk.sandbox' in sys.modules)"
    )
    env = dict(os.environ)
    env["PYTHONPATH"] = str(Path(sdk.__file__).resolve().parent.parent) + os.pathsep + env.get("PYTHONPATH", "")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=30)
    assert res.stdout.strip() == "False", res.stdout + res.stderr
