"""The generated model docs say something about every model, and error pages say what errors carry."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import responses

import sdk
from sdk.models import errors, operations

from .conftest import BASE_URL

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT / "docs" / "models"
ROW = re.compile(r"^\| \[(\w+)\]\((\w+)/(\w+)\.md\) \| (.*) \|$")


def _index_rows() -> list:
    return [m.groups() for m in map(ROW.match, (MODELS / "README.md").read_text(encoding="utf-8").splitlines()) if m]


def test_every_model_of_the_index_has_a_description() -> None:
    rows = _index_rows()
    pages = [p for p in MODELS.rglob("*.md") if p.name != "README.md"]
    assert len(rows) == len(pages) == 755
    bare = [name for name, _, _, description in rows if not description.strip()]
    assert bare == []
    placeholder = [name for name, _, _, description in rows if re.fullmatch(rf"The {name} model\.?", description)]
    assert placeholder == []


def test_every_model_page_opens_with_its_description() -> None:
    missing = []
    for page in sorted(MODELS.rglob("*.md")):
        if page.name == "README.md":
            continue
        lines = page.read_text(encoding="utf-8").splitlines()
        # NOTE, "# title", "", description
        if len(lines) < 4 or not lines[3].strip() or lines[3].startswith(("Import:", "|")):
            missing.append(str(page.relative_to(ROOT)))
    assert missing == []


def _error_pages() -> list:
    return sorted(p for p in (MODELS / "errors").glob("*.md") if "## HTTP details" in p.read_text(encoding="utf-8"))


def test_every_typed_error_page_lists_the_http_details_the_class_really_has() -> None:
    pages = _error_pages()
    exception_classes = sorted(
        name for name in dir(errors)
        if isinstance(getattr(errors, name), type) and issubclass(getattr(errors, name), errors.APIError)
        and getattr(errors, name) is not errors.APIError
    )
    assert sorted(p.stem for p in pages) == sorted(name.lower() for name in exception_classes)
    for page in pages:
        text = page.read_text(encoding="utf-8")
        cls = next(getattr(errors, n) for n in exception_classes if n.lower() == page.stem)
        for attribute in ("status_code", "headers", "raw_response"):
            assert f"| `{attribute}` |" in text, (page.name, attribute)
            assert hasattr(cls, attribute), (cls.__name__, attribute)


def test_the_documented_http_details_are_filled_on_a_raised_error(rsps: responses.RequestsMock) -> None:
    rsps.get(BASE_URL + "/api/ledger/v2/main", status=404, headers={"X-Request-Id": "r1"},
             json={"errorCode": "NOT_FOUND", "errorMessage": "ledger not found"})
    with pytest.raises(errors.V2ErrorResponse) as caught:
        sdk.SDK(server_url=BASE_URL).ledger.v2.get_ledger(operations.V2GetLedgerRequest(ledger="main"))
    assert caught.value.status_code == 404
    assert caught.value.headers["x-request-id"] == "r1"
    assert caught.value.raw_response.status_code == 404


def test_operation_pages_with_errors_mention_the_http_details() -> None:
    for page in (ROOT / "docs" / "sdks").rglob("README.md"):
        for section in page.read_text(encoding="utf-8").split("\n## ")[1:]:
            if "### Errors" in section:
                assert "`e.status_code`, `e.headers` and `e.raw_response`" in section, (page, section[:40])
