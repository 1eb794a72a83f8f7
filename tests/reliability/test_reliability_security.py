"""Credentials stay where they belong: not sent to other origins, not shown in reprs or logs."""

from __future__ import annotations

import logging
from typing import Callable

import fault_server as fs
import pytest
from fault_server import FaultServer
from reliability_helpers import TX_PATH, fast_retries, make_sdk, run_with_deadline, tx_request

from sdk.models import errors, shared

SECRET = "s3cr3t-Value-91ab77"


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
@pytest.mark.parametrize("code", [302, 307])
def test_redirect_to_another_origin_does_not_carry_authorization(
        server: FaultServer, make_server: Callable[..., FaultServer], host: str, code: int) -> None:
    other = make_server(require_auth=False)  # another port is another origin
    target = f"http://{host}:{other.port}/api/ledger/v2/_info"
    s = make_sdk(server)
    s.ledger.v2.get_info()  # token in cache: the next call carries Authorization
    server.plan.add(fs.redirect(target, code))
    _, exc, _ = run_with_deadline(lambda: s.ledger.v2.get_info(), 10)
    if exc is not None:  # not following the redirect is acceptable; leaking the token is not
        assert isinstance(exc, errors.FormanceError), repr(exc)
    leaked = [r for r in other.records() if r.authorization]
    assert not leaked, f"Authorization sent to {host}:{other.port} after a {code} redirect"
    for record in other.records():
        assert not any(tok in str(record.headers) for tok in server.issued_tokens())


def test_redirected_write_does_not_carry_authorization(
        server: FaultServer, make_server: Callable[..., FaultServer]) -> None:
    other = make_server(require_auth=False)
    s = make_sdk(server, retry_config=fast_retries())
    s.ledger.v2.get_info()
    server.plan.add(fs.redirect(f"{other.url}{TX_PATH}", 307), method="POST")
    _, exc, _ = run_with_deadline(lambda: s.ledger.v2.create_transaction(request=tx_request(1)), 10)
    if exc is not None:
        assert isinstance(exc, errors.FormanceError), repr(exc)
    assert not [r for r in other.records() if r.authorization]


def test_security_repr_masks_the_client_secret() -> None:
    sec = shared.Security(client_id="my-client", client_secret=SECRET)
    assert SECRET not in repr(sec) and SECRET not in str(sec)
    assert sec.client_secret == SECRET  # masked in display only


def test_sdk_repr_does_not_show_credentials(server: FaultServer) -> None:
    s = make_sdk(server, client_secret=SECRET)
    assert SECRET not in repr(s) and SECRET not in str(s)


def test_debug_logging_shows_requests_but_never_credentials(
        make_server: Callable[..., FaultServer], caplog: pytest.LogCaptureFixture) -> None:
    server = make_server(client_secret=SECRET)
    s = make_sdk(server, retry_config=fast_retries())
    server.plan.add(fs.status(503), fs.revoke_token())  # a retry and a token refresh get logged too
    with caplog.at_level(logging.DEBUG, logger="sdk"):
        res = s.ledger.v2.create_transaction(request=tx_request(1))
        s.ledger.v2.get_info()
    assert res.status_code == 200
    records = [r for r in caplog.records if r.name == "sdk" or r.name.startswith("sdk.")]
    assert records, "nothing logged on the 'sdk' logger at DEBUG"
    text = "\n".join(r.getMessage() + (r.exc_text or "") for r in records)
    everything = text + "\n".join(repr(vars(r)) for r in records)  # extras a JSON formatter would show
    assert SECRET not in everything, "client secret in the logs"
    for token in server.issued_tokens():
        assert token not in everything, "access token in the logs"
    assert "POST" in text and "GET" in text
    assert TX_PATH in text, "the URL of the call should be logged"
    assert "200" in text and "503" in text, "statuses should be logged"
