"""Every example in docs/sdks runs as written against a mocked server, and so do the README's."""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import List, Tuple

import pytest
import responses

ROOT = Path(__file__).resolve().parents[1]
BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def _examples() -> List[Tuple[str, str]]:
    found = []
    for page in sorted((ROOT / "docs" / "sdks").rglob("README.md")):
        for index, code in enumerate(BLOCK.findall(page.read_text(encoding="utf-8"))):
            found.append((f"{page.relative_to(ROOT)}#{index}", code))
    return found


EXAMPLES = _examples()


def test_every_operation_has_an_example() -> None:
    assert len(EXAMPLES) == 169


@pytest.mark.parametrize("name,code", EXAMPLES, ids=[name for name, _ in EXAMPLES])
def test_docs_example_runs(name: str, code: str) -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add("POST", re.compile(r"http://localhost/api/auth/oauth/token"),
                 json={"access_token": "t", "token_type": "Bearer", "expires_in": 3600})
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
            # 204: no body, so no example depends on a response body it did not describe.
            mock.add(method, re.compile(r"http://localhost/.*"), status=204)
        mock.add("HEAD", re.compile(r"http://localhost/.*"), status=204, headers={"Count": "3"})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            exec(compile(code, name, "exec"), {"__name__": "example"})  # noqa: S102
        calls = [c for c in mock.calls if "/oauth/token" not in c.request.url]
        assert len(calls) == 1, name
        assert calls[0].request.headers["Authorization"] == "Bearer t"
