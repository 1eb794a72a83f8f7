"""Fixtures shared by the hand-written runtime tests (tests/test_*.py)."""

from __future__ import annotations

import json
from typing import Any, Iterator, List, Tuple
from urllib.parse import parse_qsl, urlsplit

import pytest
import responses

import sdk

#: Every mocked call goes here; `responses` answers it, nothing leaves the process.
BASE_URL = "http://127.0.0.1:8080"


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    """A `responses` mock; a request that matches no registered URL fails the call."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def client() -> sdk.SDK:
    """An SDK without credentials pointed at BASE_URL (no token request, no Authorization)."""
    return sdk.SDK(server_url=BASE_URL)


def only_request(mock: responses.RequestsMock) -> Any:
    """The single request the mock saw (a requests.PreparedRequest)."""
    assert len(mock.calls) == 1, [c.request.url for c in mock.calls]
    return mock.calls[0].request


def path_of(request: Any) -> str:
    """The raw (still percent-encoded) path that went on the wire."""
    return urlsplit(request.url).path


def query_of(request: Any) -> List[Tuple[str, str]]:
    """The decoded query pairs, in wire order."""
    return parse_qsl(urlsplit(request.url).query, keep_blank_values=True)


def json_body(request: Any) -> Any:
    assert request.headers.get("Content-Type") == "application/json"
    return json.loads(request.body)
