"""Import paths and names that 4.2.0 code uses beyond the classes the surface file lists."""

from __future__ import annotations

import typing

import pytest

import sdk
from sdk.models import operations, shared

UNION_ALIASES = {
    # alias -> (a model field whose type is that union, the field name)
    "ConnectorConfig": (shared.ConnectorConfigResponse, "data"),
    "Stage": (shared.WorkflowInstanceHistory, "input"),
    "Subject": (shared.CreditWalletRequest, "sources"),
    "TaskResponseData": (shared.TaskResponse, "data"),
    "TasksCursorData": (shared.TasksCursorCursor, "data"),
    "V2BulkElement": (operations.V2CreateBulkRequest, "request_body"),
    "V2BulkElementResult": (shared.V2BulkResponse, "data"),
    "V2Stage": (shared.V2WorkflowInstanceHistory, "input"),
    "V2Subject": (shared.V2CreditWalletRequest, "sources"),
    "V2TargetID": (shared.V2BulkElementAddMetadataData, "target_id"),
}


def _unwrap(tp: typing.Any) -> typing.Any:
    while typing.get_origin(tp) is list or (
        typing.get_origin(tp) is typing.Union and type(None) in typing.get_args(tp)
    ):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        tp = args[0] if typing.get_origin(tp) is list else typing.Union[tuple(args)]  # type: ignore[valid-type]
    return tp


@pytest.mark.parametrize("name", sorted(UNION_ALIASES))
def test_union_alias_exists_and_matches_its_use(name: str) -> None:
    alias = getattr(shared, name)
    assert typing.get_origin(alias) is typing.Union
    module = __import__(f"sdk.models.shared.{_module_of(name)}", fromlist=[name])
    assert getattr(module, name) is alias
    owner, field = UNION_ALIASES[name]
    if owner is not None and field is not None:
        assert _unwrap(typing.get_type_hints(owner)[field]) == alias


def _module_of(name: str) -> str:
    return {"TaskResponseData": "taskresponse", "TasksCursorData": "taskscursor"}.get(name, name.lower())


def test_legacy_module_paths() -> None:
    from sdk.models.errors import SDKError
    from sdk.models.errors.sdkerror import SDKError as LegacySDKError
    from sdk.sdkconfiguration import ServerEnvironment
    from sdk.utils.retries import BackoffStrategy, RetryConfig

    assert LegacySDKError is SDKError
    assert ServerEnvironment is sdk.ServerEnvironment
    assert RetryConfig("backoff", BackoffStrategy(1, 2, 1.5, 3)).enabled


def test_servers_list_the_url_templates_like_4_2_0() -> None:
    assert sdk.SERVERS == ["http://localhost", "https://{organization}.{environment}.formance.cloud"]


def test_sdk_configuration_is_the_live_configuration() -> None:
    import requests

    s = sdk.SDK(server_url="http://127.0.0.1:8080")
    config = s.sdk_configuration
    assert config.server_url == "http://127.0.0.1:8080"
    assert isinstance(config.client, requests.Session)
    assert config.retry_config is None
    mine = requests.Session()
    config.client = mine
    assert s.sdk_configuration.session is mine
    s.close()  # a session handed over later belongs to the caller: not closed by the SDK
    assert mine.adapters  # still usable
