"""sdk.SDK(...) refuses wrong configuration at construction, naming the parameter and the fix."""

from __future__ import annotations

import re
from typing import Any

import pytest
import requests
import responses

import sdk
from sdk.models import errors, operations, shared
from sdk.utils import BackoffStrategy, RetryConfig

URL = "http://127.0.0.1:8080"
CREDENTIALS = shared.Security(client_id="id", client_secret="secret")


@pytest.mark.parametrize("kwargs, pattern", [
    # security: a typo must not silently turn authentication off
    ({"security": {"client_id": "a", "client_secret": "b"}}, r"^security: expected shared\.Security\(.*got dict"),
    ({"security": "token"}, r"^security: expected shared\.Security\(.*got str"),
    ({"security": ("a", "b")}, r"^security: expected shared\.Security"),
    # timeout
    ({"timeout": "5"}, r"^timeout: expected a number of seconds .*got str '5'"),
    ({"timeout": True}, r"^timeout: expected a number of seconds"),
    ({"timeout": (5, "30")}, r"^timeout\[1\] \(read\): expected a number of seconds"),
    ({"timeout": (1, 2, 3)}, r"^timeout: expected \(connect, read\) seconds, got a tuple of 3"),
    # retry_config
    ({"retry_config": "backoff"}, r"^retry_config: expected sdk\.utils\.RetryConfig.*got str 'backoff'"),
    ({"retry_config": {"strategy": "backoff"}}, r"^retry_config: expected sdk\.utils\.RetryConfig"),
    # server choice
    ({"server_idx": "1"}, r"^server_idx: expected an int index into sdk\.SERVERS, got str '1'"),
    ({"server_idx": True}, r"^server_idx: expected an int"),
    ({"server_url": 8080}, r"^server_url: expected a URL"),
    ({"url_params": "org=acme"}, r"^url_params: expected a dict"),
    ({"url_params": {"org": 42}}, r"^url_params\['org'\]: expected str, got int"),
    ({"organization": 7}, r"^organization: expected str, got int"),
    # client
    ({"client": object()}, r"^client: expected a requests\.Session"),
    ({"client": "http://proxy"}, r"^client: expected a requests\.Session"),
])
def test_wrong_type_is_a_type_error_naming_the_parameter(kwargs: Any, pattern: str) -> None:
    with pytest.raises(TypeError, match=pattern):
        sdk.SDK(server_url=URL, **kwargs) if "server_url" not in kwargs else sdk.SDK(**kwargs)


@pytest.mark.parametrize("kwargs, field", [
    ({"timeout": -1}, "timeout"),
    ({"timeout": 0}, "timeout"),
    ({"timeout": float("nan")}, "timeout"),
    ({"timeout": (0, 30)}, "timeout[0] (connect)"),
    ({"security": shared.Security(client_id="id")}, "security.client_secret"),
    ({"security": shared.Security(client_secret="secret")}, "security.client_id"),
    ({"server_idx": 7}, "server_idx"),
])
def test_wrong_value_is_a_value_error_naming_the_parameter(kwargs: Any, field: str) -> None:
    with pytest.raises(ValueError) as info:
        sdk.SDK(server_url=URL, **kwargs) if "server_idx" not in kwargs else sdk.SDK(**kwargs)
    assert isinstance(info.value, errors.RequestValidationError)
    assert info.value.field == field


def test_no_secret_in_configuration_errors() -> None:
    with pytest.raises(TypeError) as info:
        sdk.SDK(server_url=URL, security={"client_id": "a", "client_secret": "hunter2-secret"})
    assert "hunter2-secret" not in str(info.value)


@pytest.mark.parametrize("kwargs", [
    {},
    {"security": CREDENTIALS},
    {"security": lambda: CREDENTIALS},
    {"timeout": 5},
    {"timeout": 2.5},
    {"timeout": (3, 30)},
    {"timeout": [3, 30]},
    {"retry_config": RetryConfig("backoff", BackoffStrategy(10, 100, 1.5, 1000))},
    {"retry_config": RetryConfig("none")},
    {"client": requests.Session()},
    {"url_params": {"org": "acme"}},
])
def test_valid_configuration_is_accepted(kwargs: Any) -> None:
    s = sdk.SDK(server_url=URL, **kwargs)
    assert s.server_url == URL


def test_environment_accepts_the_enum_and_its_value() -> None:
    for environment in (sdk.ServerEnvironment.EU_WEST_1, "eu-west-1"):
        s = sdk.SDK(server_idx=1, organization="acme", environment=environment)  # type: ignore[arg-type]
        assert s.server_url == "https://acme.eu-west-1.formance.cloud"


def _list_ledgers(s: sdk.SDK, **kwargs: Any) -> Any:
    return s.ledger.v2.list_ledgers(request=operations.V2ListLedgersRequest(), **kwargs)


def test_per_call_timeout_and_retries_are_checked_too(rsps: responses.RequestsMock) -> None:
    s = sdk.SDK(server_url=URL)
    with pytest.raises(TypeError, match=r"^timeout: expected a number of seconds"):
        _list_ledgers(s, timeout="5")
    with pytest.raises(ValueError, match=r"^timeout: must be a positive number"):
        _list_ledgers(s, timeout=-2)
    with pytest.raises(TypeError, match=r"^retries: expected sdk\.utils\.RetryConfig"):
        _list_ledgers(s, retries="backoff")
    assert not rsps.calls


def test_security_swapped_on_the_live_configuration_is_checked_at_the_call(rsps: responses.RequestsMock) -> None:
    rsps.get(re.compile(URL + "/.*"), json={"cursor": {"data": [], "hasMore": False, "pageSize": 15}})
    s = sdk.SDK(server_url=URL)
    s.sdk_configuration.security = {"client_id": "a", "client_secret": "b"}
    with pytest.raises(TypeError, match=r"^security: expected shared\.Security"):
        _list_ledgers(s)
    assert not rsps.calls


@pytest.mark.parametrize("build, error, pattern", [
    (lambda: BackoffStrategy("500", 1000, 1.5, 10_000), TypeError, r"^BackoffStrategy\.initial_interval: expected"),
    (lambda: BackoffStrategy(500, 0, 1.5, 10_000), ValueError, r"^BackoffStrategy\.max_interval: must be more than"),
    (lambda: BackoffStrategy(500, 1000, 1.5, -1), ValueError, r"^BackoffStrategy\.max_elapsed_time: must be zero or"),
    (lambda: RetryConfig("backoff", {"initial_interval": 5}), TypeError, r"^RetryConfig\.backoff: expected a Backoff"),
    (lambda: RetryConfig("backoff", status_codes=("503",)), TypeError, r"^RetryConfig\.status_codes: expected HTTP"),
    (lambda: RetryConfig("exponential"), ValueError, r"^RetryConfig\.strategy: expected 'backoff' or 'none'"),
])
def test_retry_configuration_is_checked_when_built(build: Any, error: type, pattern: str) -> None:
    with pytest.raises(error, match=pattern):
        build()
