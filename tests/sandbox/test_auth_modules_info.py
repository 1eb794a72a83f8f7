"""OAuth2 in front of the sandbox, /versions, _info, and the modules it does not emulate (501)."""

from __future__ import annotations

from typing import Any, Callable, Iterator

import pytest
import requests

import sdk
from sdk.models import errors, operations, shared

from ._support import Raw, create_ledger, post


@pytest.fixture
def guarded() -> Iterator[Any]:
    from sdk.sandbox import Sandbox

    with Sandbox(port=0, client_id="app", client_secret="s3cret-value") as sb:
        yield sb


class TestAuthWithConfiguredClients:
    def test_sdk_of_the_sandbox_has_the_matching_credentials(self, guarded: Any) -> None:
        s = guarded.sdk()
        create_ledger(s, "main")
        assert post(s, "main", ("world", "a", 1, "USD")).id == 1

    def test_wrong_secret_raises_token_error_without_leaking_it(self, guarded: Any) -> None:
        s = sdk.SDK(server_url=guarded.url, security=shared.Security(client_id="app", client_secret="not-the-secret"))
        with pytest.raises(errors.TokenError) as info:
            create_ledger(s, "main")
        assert info.value.status_code == 401
        assert "not-the-secret" not in str(info.value)

    def test_wrong_client_id_raises_token_error(self, guarded: Any) -> None:
        s = sdk.SDK(server_url=guarded.url, security=shared.Security(client_id="other", client_secret="s3cret-value"))
        with pytest.raises(errors.TokenError):
            s.ledger.v2.list_ledgers(request=operations.V2ListLedgersRequest())

    def test_calls_without_a_bearer_token_get_401(self, guarded: Any) -> None:
        s = sdk.SDK(server_url=guarded.url)
        with pytest.raises((errors.SDKError, errors.V2ErrorResponse)) as info:
            s.ledger.v2.list_ledgers(request=operations.V2ListLedgersRequest())
        assert info.value.status_code == 401
        raw = Raw(guarded.url)
        assert raw.v2("GET", "").status_code == 401
        assert raw.v1("GET", "/_info").status_code == 401
        bad = Raw(guarded.url, token="forged-token")
        assert bad.v2("POST", "/main").status_code == 401
        # nothing was created by the refused calls
        good = guarded.sdk()
        listed = good.ledger.v2.list_ledgers(request=operations.V2ListLedgersRequest())
        assert listed.v2_ledger_list_response is not None and listed.v2_ledger_list_response.cursor.data == []

    def test_token_endpoint_speaks_client_credentials(self, guarded: Any) -> None:
        url = guarded.url + "/api/auth/oauth/token"
        res = requests.post(
            url,
            data={"grant_type": "client_credentials", "client_id": "app", "client_secret": "s3cret-value"},
            timeout=5,
        )
        assert res.status_code == 200, res.text
        body = res.json()
        assert body["token_type"].lower() == "bearer" and body["access_token"]
        assert isinstance(body.get("expires_in", 3600), int)
        assert Raw(guarded.url, token=body["access_token"]).v2("GET", "").status_code == 200
        wrong = requests.post(
            url, data={"grant_type": "client_credentials", "client_id": "app", "client_secret": "nope"}, timeout=5
        )
        assert wrong.status_code == 401
        basic = requests.post(url, data={"grant_type": "client_credentials"}, auth=("app", "s3cret-value"), timeout=5)
        assert basic.status_code == 200, basic.text

    def test_versions_works_without_credentials(self, guarded: Any) -> None:
        res = sdk.SDK(server_url=guarded.url).get_versions()
        assert res.get_versions_response is not None


class TestAuthWithoutClients:
    def test_any_credentials_get_a_token(self, sandbox: Any) -> None:
        s = sdk.SDK(server_url=sandbox.url, security=shared.Security(client_id="who", client_secret="ever"))
        create_ledger(s, "main")

    def test_no_token_is_fine_too(self, sandbox: Any) -> None:
        s = sdk.SDK(server_url=sandbox.url)
        create_ledger(s, "main")


def test_versions_lists_the_ledger_module_healthy(s: sdk.SDK) -> None:
    res = s.get_versions()
    assert res.status_code == 200 and res.get_versions_response is not None
    names = {v.name: v for v in res.get_versions_response.versions}
    assert "ledger" in names and names["ledger"].health is True and names["ledger"].version


def test_ledger_info_v2(s: sdk.SDK) -> None:
    res = s.ledger.v2.get_info()
    assert res.v2_config_info_response is not None
    assert res.v2_config_info_response.server and res.v2_config_info_response.version


def test_ledger_info_at_the_gateway_path(raw: Raw) -> None:
    res = raw.request("GET", "/api/ledger/_info")
    assert res.status_code == 200
    data = res.json()["data"]
    assert data["server"] and data["version"]


MODULE_CALLS = [
    ("payments", lambda s: s.payments.v1.list_payments(request=operations.ListPaymentsRequest())),
    ("wallets", lambda s: s.wallets.v1.list_wallets(request=operations.ListWalletsRequest())),
    ("orchestration", lambda s: s.orchestration.v1.list_workflows()),
    ("reconciliation", lambda s: s.reconciliation.v1.list_policies(request=operations.ListPoliciesRequest())),
    ("webhooks", lambda s: s.webhooks.v1.get_many_configs(request=operations.GetManyConfigsRequest())),
    ("search", lambda s: s.search.v1.search(request=shared.Query())),
    ("auth", lambda s: s.auth.v1.list_clients()),
]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # calling deprecated routes on purpose
@pytest.mark.parametrize("module,call", MODULE_CALLS, ids=[m for m, _ in MODULE_CALLS])
def test_other_modules_answer_501_naming_the_module(s: sdk.SDK, module: str, call: Callable[[sdk.SDK], Any]) -> None:
    with pytest.raises(errors.FormanceError) as info:
        call(s)
    err: Any = info.value
    assert err.status_code == 501
    response = err.raw_response
    assert response.headers["Content-Type"].startswith("application/json")
    assert module in response.text


@pytest.mark.parametrize(
    "path",
    [
        "/api/payments/v3/accounts",
        "/api/wallets/wallets/abc",
        "/api/webhooks/configs",
        "/api/orchestration/v2/workflows",
        "/api/reconciliation/policies",
        "/api/auth/users",
    ],
)
def test_raw_501_is_json_for_any_method(raw: Raw, path: str) -> None:
    for method in ("GET", "POST", "DELETE"):
        res = raw.request(method, path)
        assert res.status_code == 501
        assert isinstance(res.json(), dict)


def test_unknown_paths_are_404_not_500(raw: Raw) -> None:
    for path in ("/nowhere", "/api/ledger/v2/main/transactions/1/whatever", "/api/unknownmodule/x"):
        res = raw.request("GET", path)
        assert res.status_code == 404, (path, res.status_code)


def test_wrong_method_on_a_known_route_is_not_a_500(raw: Raw, ledger: str) -> None:
    res = raw.v2("PATCH", f"/{ledger}/transactions")
    assert res.status_code in (404, 405)


def test_the_client_secret_never_shows(tmp_path: Any) -> None:
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    from sdk.sandbox import Sandbox

    secret = "hush-hush-9f2c"
    assert secret not in repr(Sandbox(port=0, client_id="app", client_secret=secret))
    env = dict(os.environ)
    env["PYTHONPATH"] = str(Path(sdk.__file__).resolve().parent.parent) + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.Popen(
        [sys.executable, "-m", "sdk.sandbox", "--port", "0", "--client-id", "app", "--client-secret", secret],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        token_url = url + "/api/auth/oauth/token"
        refused = requests.post(token_url, data={"grant_type": "client_credentials", "client_id": "app",
                                                 "client_secret": secret + "x"}, timeout=5)  # fmt: skip
        assert refused.status_code == 401 and secret not in refused.text
        wrong = sdk.SDK(server_url=url, security=shared.Security(client_id="app", client_secret=secret + "x"))
        with pytest.raises(errors.TokenError) as info:
            create_ledger(wrong, "m")
        assert secret not in str(info.value) and secret not in repr(info.value)
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0
    assert secret not in out + err
