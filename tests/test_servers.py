"""Server selection: the listed servers, their variables, server_idx, server_url, url_params."""

from __future__ import annotations

import re

import pytest
import responses

import sdk
from sdk.models import errors

from .conftest import only_request

VERSIONS = {"region": "eu-west-1", "env": "sandbox", "versions": []}


def _called_url(mock: responses.RequestsMock, s: sdk.SDK) -> str:
    """Call get_versions on a catch-all mock and return the URL that went on the wire.

    requests lower-cases the host name, so `orgID-stackID` goes out as `orgid-stackid`.
    """
    mock.get(re.compile(r"https?://.*"), json=VERSIONS)
    s.get_versions()
    return only_request(mock).url


def test_default_is_server_0_localhost(rsps: responses.RequestsMock) -> None:
    assert _called_url(rsps, sdk.SDK()) == "http://localhost/versions"


def test_server_idx_0_is_localhost(rsps: responses.RequestsMock) -> None:
    assert _called_url(rsps, sdk.SDK(server_idx=0)) == "http://localhost/versions"


def test_server_idx_1_uses_variable_defaults(rsps: responses.RequestsMock) -> None:
    s = sdk.SDK(server_idx=1)
    assert s.server_url == "https://orgID-stackID.sandbox.formance.cloud"
    assert _called_url(rsps, s) == "https://orgid-stackid.sandbox.formance.cloud/versions"


def test_organization_and_environment_arguments(rsps: responses.RequestsMock) -> None:
    s = sdk.SDK(server_idx=1, organization="acme-prod", environment=sdk.ServerEnvironment.EU_WEST_1)
    assert _called_url(rsps, s) == "https://acme-prod.eu-west-1.formance.cloud/versions"


def test_environment_as_plain_string(rsps: responses.RequestsMock) -> None:
    s = sdk.SDK(server_idx=1, environment="us-east-1")  # type: ignore[arg-type]
    assert _called_url(rsps, s) == "https://orgid-stackid.us-east-1.formance.cloud/versions"


def test_url_params_fill_server_variables(rsps: responses.RequestsMock) -> None:
    s = sdk.SDK(server_idx=1, url_params={"organization": "beta", "environment": "us-east-1"})
    assert _called_url(rsps, s) == "https://beta.us-east-1.formance.cloud/versions"


def test_environment_outside_its_enum_is_rejected() -> None:
    with pytest.raises(errors.RequestValidationError) as caught:
        sdk.SDK(server_idx=1, environment="mars-1")  # type: ignore[arg-type]
    assert caught.value.field == "environment"
    assert "mars-1" in str(caught.value)


def test_server_environment_enum_members() -> None:
    assert [e.value for e in sdk.ServerEnvironment] == ["sandbox", "eu-west-1", "us-east-1"]


def test_server_idx_out_of_range_is_rejected() -> None:
    with pytest.raises(errors.RequestValidationError) as caught:
        sdk.SDK(server_idx=2)
    assert caught.value.field == "server_idx"


def test_server_url_is_used_as_given(rsps: responses.RequestsMock) -> None:
    assert _called_url(rsps, sdk.SDK(server_url="http://127.0.0.1:8080")) == "http://127.0.0.1:8080/versions"


def test_server_url_keeps_its_path_prefix_and_drops_trailing_slash(rsps: responses.RequestsMock) -> None:
    s = sdk.SDK(server_url="http://127.0.0.1:8080/gateway/")
    assert _called_url(rsps, s) == "http://127.0.0.1:8080/gateway/versions"


def test_server_url_wins_over_server_idx(rsps: responses.RequestsMock) -> None:
    s = sdk.SDK(server_idx=1, server_url="http://127.0.0.1:8080")
    assert _called_url(rsps, s) == "http://127.0.0.1:8080/versions"


def test_url_params_fill_placeholders_of_server_url(rsps: responses.RequestsMock) -> None:
    s = sdk.SDK(server_url="http://{host}:{port}/stack", url_params={"host": "127.0.0.1", "port": "9090"})
    assert _called_url(rsps, s) == "http://127.0.0.1:9090/stack/versions"


def test_organization_does_not_touch_server_0(rsps: responses.RequestsMock) -> None:
    s = sdk.SDK(organization="acme", environment=sdk.ServerEnvironment.US_EAST_1)
    assert _called_url(rsps, s) == "http://localhost/versions"


@pytest.mark.parametrize("bad", ["localhost:8080", "ftp://files.example.com", "/api"])
def test_server_url_without_http_scheme_is_refused_at_construction(bad: str) -> None:
    with pytest.raises(errors.RequestValidationError) as caught:
        sdk.SDK(server_url=bad)
    assert caught.value.field == "server_url"
    assert "http://" in str(caught.value)
