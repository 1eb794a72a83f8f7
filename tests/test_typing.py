"""Type checkers see the truth about the generated models (mypy run on user code).

Required fields are required for mypy too (PEP 681 `dataclass_transform` on `model`, field
specifiers without a default), positional construction works as in 4.2.0, and `from_dict`
returns the model's own type. One mypy run checks a file that must pass and a file whose every
line must be reported.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"

CORRECT = '''\
from sdk.models import errors, operations, shared

posting = shared.V2Posting(amount=1, asset="USD/2", destination="users:1", source="world")
positional = shared.V2Posting(1, "USD/2", "users:1", "world")
body = shared.V2PostTransaction(metadata={}, postings=[posting, positional])
request = operations.V2CreateTransactionRequest(v2_post_transaction=body, ledger="main")
credit = shared.CreditWalletRequest(amount=shared.Monetary(amount=1, asset="USD/2"), metadata=None)
back: shared.V2Posting = shared.V2Posting.from_dict(posting.to_dict())
amount: int = back.amount
code: shared.V2ErrorsEnum = errors.V2ErrorResponse(error_code=shared.V2ErrorsEnum.INTERNAL,
                                                   error_message="x").error_code
'''

#: line -> what mypy must say about it
INCORRECT = {
    'shared.V2Posting(amount=1, asset="USD/2", source="world")': 'Missing positional argument "destination"',
    'shared.V2Posting(amount="1", asset="USD/2", destination="d", source="world")': 'Argument "amount"',
    'shared.V2Posting(amount=1, asset="USD/2", destination="d", source="w", ammount=2)': 'Unexpected keyword',
    'operations.V2GetLedgerRequest()': 'Missing positional argument "ledger"',
    'x: str = shared.V2Posting.from_dict({}).amount': "Incompatible types in assignment",
}


@pytest.fixture(scope="module")
def mypy_output(tmp_path_factory: pytest.TempPathFactory) -> str:
    pytest.importorskip("mypy")
    folder = tmp_path_factory.mktemp("typing")
    (folder / "correct.py").write_text(CORRECT, encoding="utf-8")
    lines = ["from sdk.models import operations, shared", ""] + list(INCORRECT)
    (folder / "incorrect.py").write_text("\n".join(lines) + "\n", encoding="utf-8")
    env = dict(os.environ, MYPYPATH=str(SRC))
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-incremental", "--follow-imports=silent", "--no-error-summary",
         "--hide-error-context", "correct.py", "incorrect.py"],
        cwd=folder, env=env, capture_output=True, text=True, timeout=600,
    )
    return result.stdout + result.stderr


def test_correct_user_code_type_checks(mypy_output: str) -> None:
    assert not [line for line in mypy_output.splitlines() if line.startswith("correct.py")], mypy_output


@pytest.mark.parametrize("index", range(len(INCORRECT)), ids=list(INCORRECT.values()))
def test_incorrect_user_code_is_reported(mypy_output: str, index: int) -> None:
    source, message = list(INCORRECT.items())[index]
    line = index + 3  # after the import and a blank line
    reported = [row for row in mypy_output.splitlines() if re.match(rf"incorrect\.py:{line}: error", row)]
    assert any(message in row for row in reported), f"line {line} `{source}`: {reported or mypy_output}"
