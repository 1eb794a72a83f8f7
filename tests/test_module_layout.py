"""Public configuration keeps its 4.2.0 import paths; hand-written runtime modules say what they do."""

from __future__ import annotations

import importlib

import pytest

import sdk


def test_retry_configuration_import_paths_of_4_2_0() -> None:
    import sdk.utils
    import sdk.utils.retries
    from sdk.utils import BackoffStrategy, Retries, RetryConfig
    from sdk.utils.retries import BackoffStrategy as B2
    from sdk.utils.retries import RetryConfig as R2

    assert sdk.utils.RetryConfig is sdk.utils.retries.RetryConfig is RetryConfig is R2
    assert BackoffStrategy is B2
    assert Retries(RetryConfig("none")).config.strategy == "none"


def test_server_import_paths_of_4_2_0() -> None:
    import sdk.servers
    from sdk.sdkconfiguration import SERVERS, ServerEnvironment

    assert sdk.SERVERS is sdk.servers.SERVERS is SERVERS
    assert sdk.ServerEnvironment is ServerEnvironment
    assert SERVERS[0] == "http://localhost"


def test_sdk_constructor_annotation_names_the_public_retry_config() -> None:
    import inspect

    annotation = inspect.signature(sdk.SDK.__init__).parameters["retry_config"].annotation
    assert "RetryConfig" in str(annotation)
    from sdk.sdk import RetryConfig

    assert RetryConfig.__module__ == "sdk.utils.retries"


@pytest.mark.parametrize("module", ["sdk._runtime.retry_policy", "sdk._runtime.server_selection",
                                    "sdk._runtime.configuration"])
def test_runtime_modules_exist(module: str) -> None:
    importlib.import_module(module)


@pytest.mark.parametrize("module", ["sdk._runtime.retries", "sdk._runtime.servers"])
def test_confusing_runtime_twins_of_public_modules_are_gone(module: str) -> None:
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module(module)
