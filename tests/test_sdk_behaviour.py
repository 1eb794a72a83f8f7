"""Client-level behaviour: deprecation warnings, the user-agent, and a caller's requests.Session."""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import warnings
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest
import requests
import responses

import sdk
from sdk.models import operations, shared

from .conftest import BASE_URL, only_request

ANY_URL = re.compile(r"http://127\.0\.0\.1:8080/.*")
VERSIONS = {"region": "eu-west-1", "env": "sandbox", "versions": []}


# --- deprecated operations -------------------------------------------------------------------


def test_run_script_warns_deprecation(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    rsps.post(ANY_URL, json={"errorCode": None, "transaction": None})
    with pytest.warns(DeprecationWarning, match="runScript") as record:
        client.ledger.v1.run_script(request=operations.RunScriptRequest(
            ledger="ledger001", script=shared.Script(plain="send [COIN 1] (source=@world destination=@a)")))
    # The warning points at the caller's line, not at SDK internals.
    assert record[0].filename == __file__
    assert len(rsps.calls) == 1  # deprecated operations still work


def test_reset_connector_warns_deprecation(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    rsps.post(ANY_URL, status=204)
    with pytest.warns(DeprecationWarning, match="resetConnector"):
        client.payments.v1.reset_connector(request=operations.ResetConnectorRequest(connector=shared.Connector.STRIPE))
    assert only_request(rsps).url == BASE_URL + "/api/payments/connectors/STRIPE/reset"


DEPRECATED_CALLS = {
    "ledger.v1.run_script": lambda s: s.ledger.v1.run_script(request=operations.RunScriptRequest(
        ledger="l", script=shared.Script(plain="x"))),
    "payments.v1.get_connector_task": lambda s: s.payments.v1.get_connector_task(
        request=operations.GetConnectorTaskRequest(connector=shared.Connector.WISE, task_id="t")),
    "payments.v1.list_connector_tasks": lambda s: s.payments.v1.list_connector_tasks(
        request=operations.ListConnectorTasksRequest(connector=shared.Connector.WISE)),
    "payments.v1.read_connector_config": lambda s: s.payments.v1.read_connector_config(
        request=operations.ReadConnectorConfigRequest(connector=shared.Connector.WISE)),
    "payments.v1.reset_connector": lambda s: s.payments.v1.reset_connector(
        request=operations.ResetConnectorRequest(connector=shared.Connector.WISE)),
    "payments.v1.uninstall_connector": lambda s: s.payments.v1.uninstall_connector(
        request=operations.UninstallConnectorRequest(connector=shared.Connector.WISE)),
    "search.v1.search": lambda s: s.search.v1.search(request=shared.Query(terms=["a=b"])),
    "search.v1.searchget_server_info": lambda s: s.search.v1.searchget_server_info(),
}


def _deprecated_in_reference() -> set:
    shared_dir = os.environ.get("FORMANCE_SHARED_DIR") or str(Path(__file__).resolve().parents[2] / "shared")
    surface = json.loads((Path(shared_dir) / "reference" / "sdk-surface.json").read_text())
    found = set()

    def walk(node: dict, prefix: str) -> None:
        for name, info in node.get("methods", {}).items():
            if info.get("deprecated"):
                found.add(prefix + name)
        for name, child in node.get("children", {}).items():
            walk(child, prefix + name + ".")

    walk(surface["client"], "")
    return found


def test_every_deprecated_operation_of_the_original_is_covered() -> None:
    assert set(DEPRECATED_CALLS) == _deprecated_in_reference()


@pytest.mark.parametrize("name", sorted(DEPRECATED_CALLS))
def test_each_deprecated_operation_warns(rsps: responses.RequestsMock, client: sdk.SDK, name: str) -> None:
    for method in ("GET", "POST", "DELETE"):
        rsps.add(method, ANY_URL, status=204)  # no body: only the warning matters here
    with pytest.warns(DeprecationWarning) as record:
        DEPRECATED_CALLS[name](client)
    assert len([w for w in record if w.category is DeprecationWarning]) == 1
    assert len(rsps.calls) == 1


def test_current_operation_does_not_warn(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    rsps.post(ANY_URL, status=204)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        client.payments.v1.reset_connector_v1(request=operations.ResetConnectorV1Request(
            connector=shared.Connector.STRIPE, connector_id="conn-1"))


# --- user-agent ------------------------------------------------------------------------------


def test_user_agent_names_sdk_and_installed_version(rsps: responses.RequestsMock, client: sdk.SDK) -> None:
    rsps.get(ANY_URL, json=VERSIONS)
    client.get_versions()
    user_agent = only_request(rsps).headers["User-Agent"]
    version = importlib.metadata.version("formance-sdk-python")
    assert user_agent.split(" ")[0] == f"formance-sdk-python/{version}"
    assert sdk.SDK_VERSION == version


def test_user_agent_on_token_request_too(rsps: responses.RequestsMock) -> None:
    rsps.post(BASE_URL + "/api/auth/oauth/token", json={"access_token": "t", "token_type": "Bearer"})
    rsps.get(ANY_URL, json=VERSIONS)
    sdk.SDK(server_url=BASE_URL, security=shared.Security(client_id="id", client_secret="secret")).get_versions()
    assert rsps.calls[0].request.url.endswith("/api/auth/oauth/token")
    assert rsps.calls[0].request.headers["User-Agent"].startswith("formance-sdk-python/")


# --- a caller's requests.Session -------------------------------------------------------------


class RecordingAdapter(requests.adapters.BaseAdapter):
    """A transport mounted on the caller's session: answers locally and records what it got."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: List[Dict[str, Any]] = []

    def send(self, request: requests.PreparedRequest, stream: bool = False, timeout: Any = None,
             verify: Any = True, cert: Any = None, proxies: Optional[Dict[str, str]] = None) -> requests.Response:
        self.sent.append({"request": request, "verify": verify, "proxies": proxies, "cert": cert,
                          "timeout": timeout})
        response = requests.Response()
        response.status_code = 200
        response.headers["Content-Type"] = "application/json"
        response._content = b'{"region":"eu-west-1","env":"sandbox","versions":[]}'
        response.url = request.url or ""
        response.request = request
        return response

    def close(self) -> None:
        pass


def test_session_headers_are_sent(rsps: responses.RequestsMock) -> None:
    session = requests.Session()
    session.headers.update({"x-custom-header": "someValue"})
    rsps.get(ANY_URL, json=VERSIONS)
    sdk.SDK(server_url=BASE_URL, client=session).get_versions()
    assert only_request(rsps).headers["x-custom-header"] == "someValue"


def test_session_mounted_adapter_carries_the_call() -> None:
    session = requests.Session()
    adapter = RecordingAdapter()
    session.mount("http://127.0.0.1:8080/", adapter)
    res = sdk.SDK(server_url=BASE_URL, client=session).get_versions()
    assert len(adapter.sent) == 1
    assert adapter.sent[0]["request"].url == BASE_URL + "/versions"
    assert res.get_versions_response.region == "eu-west-1"


def test_session_verify_proxies_and_cert_are_used(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy",
                 "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    session = requests.Session()
    session.verify = "/etc/ssl/company-ca.pem"
    session.proxies = {"http": "http://proxy.internal:3128"}
    session.cert = ("/etc/ssl/client.pem", "/etc/ssl/client.key")
    adapter = RecordingAdapter()
    session.mount("http://", adapter)
    sdk.SDK(server_url=BASE_URL, client=session).get_versions()
    sent = adapter.sent[0]
    assert sent["verify"] == "/etc/ssl/company-ca.pem"
    assert sent["proxies"]["http"] == "http://proxy.internal:3128"
    assert sent["cert"] == ("/etc/ssl/client.pem", "/etc/ssl/client.key")


def test_session_user_agent_is_kept(rsps: responses.RequestsMock) -> None:
    session = requests.Session()
    session.headers["User-Agent"] = "acme-billing/3.1"
    rsps.get(ANY_URL, json=VERSIONS)
    sdk.SDK(server_url=BASE_URL, client=session).get_versions()
    assert only_request(rsps).headers["User-Agent"] == "acme-billing/3.1"


def test_session_hooks_and_default_params_apply(rsps: responses.RequestsMock) -> None:
    session = requests.Session()
    seen: List[int] = []
    session.hooks["response"].append(lambda response, *args, **kwargs: seen.append(response.status_code))
    session.params = {"tenant": "acme"}
    rsps.get(ANY_URL, json=VERSIONS)
    sdk.SDK(server_url=BASE_URL, client=session).get_versions()
    assert seen == [200]
    assert only_request(rsps).url == BASE_URL + "/versions?tenant=acme"


def test_session_is_not_modified(rsps: responses.RequestsMock) -> None:
    session = requests.Session()
    before = dict(session.headers)
    rsps.get(ANY_URL, json=VERSIONS)
    sdk.SDK(server_url=BASE_URL, client=session).get_versions()
    assert dict(session.headers) == before


def test_token_request_goes_through_the_callers_session() -> None:
    session = requests.Session()
    adapter = RecordingAdapter()
    session.mount("http://", adapter)
    original_send = adapter.send

    def send(request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        response = original_send(request, **kwargs)
        if request.url and request.url.endswith("/api/auth/oauth/token"):
            response._content = b'{"access_token":"tok-1","token_type":"Bearer","expires_in":3600}'
        return response

    adapter.send = send  # type: ignore[method-assign]
    s = sdk.SDK(server_url=BASE_URL, client=session,
                security=shared.Security(client_id="id", client_secret="secret"))
    s.get_versions()
    urls = [sent["request"].url for sent in adapter.sent]
    assert urls == [BASE_URL + "/api/auth/oauth/token", BASE_URL + "/versions"]
    assert adapter.sent[1]["request"].headers["Authorization"] == "Bearer tok-1"


def test_close_releases_only_the_session_the_sdk_created() -> None:
    import requests

    own = requests.Session()
    closed = []
    own.close = lambda: closed.append("caller")  # type: ignore[method-assign]
    with sdk.SDK(server_url=BASE_URL, client=own) as s:
        assert s.server_url == BASE_URL
    assert closed == []  # the caller's session is the caller's to close

    created = sdk.SDK(server_url=BASE_URL)
    session = created._core.session
    session.close = lambda: closed.append("sdk")  # type: ignore[method-assign]
    created.close()
    assert closed == ["sdk"]
