"""repr() and help() of the SDK and its sub-clients say what they are for."""

from __future__ import annotations

import pydoc

import pytest

import sdk

URL = "http://127.0.0.1:8080"


def test_sdk_repr_names_server_sub_clients_and_operations() -> None:
    text = repr(sdk.SDK(server_url=URL))
    assert text.startswith("SDK(server_url='http://127.0.0.1:8080'")
    assert "'ledger'" in text and "'payments'" in text and "get_versions" in text
    assert " at 0x" not in text


def test_versioned_namespace_repr_lists_its_versions() -> None:
    s = sdk.SDK(server_url=URL)
    assert repr(s.ledger) == "Ledger(namespace='ledger', server_url='http://127.0.0.1:8080', sub_clients=['v1', 'v2'])"


def test_leaf_sub_client_repr_lists_its_operations() -> None:
    text = repr(sdk.SDK(server_url=URL).ledger.v2)
    assert text.startswith("V2(namespace='ledger.v2', server_url='http://127.0.0.1:8080', operations=[")
    for name in ("create_transaction", "list_transactions", "get_ledger"):
        assert f"'{name}'" in text
    assert " at 0x" not in text


def test_help_of_sdk_shows_sub_clients_as_described_attributes_not_objects() -> None:
    text = pydoc.render_doc(sdk.SDK, renderer=pydoc.plaintext)
    assert "SubClientAttribute" not in text
    assert " object at 0x" not in text
    for line in ("ledger\n |      The ledger API", "payments\n |      The payments API"):
        assert line in text
    assert "get_versions(self" in text


def test_help_of_a_sub_client_lists_its_operations() -> None:
    s = sdk.SDK(server_url=URL)
    text = pydoc.render_doc(type(s.ledger.v2), renderer=pydoc.plaintext)
    assert "create_transaction(self, request:" in text
    assert "POST /api/ledger/v2/{ledger}/transactions" in text
    text = pydoc.render_doc(type(s.ledger), renderer=pydoc.plaintext)
    assert "SubClientAttribute" not in text and "v2\n |      " in text


def test_sub_clients_are_created_once_and_cannot_be_replaced() -> None:
    s = sdk.SDK(server_url=URL)
    assert s.ledger.v2 is s.ledger.v2
    with pytest.raises(AttributeError, match="cannot be replaced"):
        s.ledger = None  # type: ignore[assignment]


def test_every_sub_client_attribute_declares_its_type_for_type_checkers() -> None:
    """`x = SubClientAttribute["V2"](...)` is what lets mypy and IDEs see `s.ledger.v2` as a V2."""
    import importlib
    import typing

    from sdk._runtime.client import SubClientAttribute

    def check(cls: type) -> int:
        seen = 0
        for name, value in vars(cls).items():
            if isinstance(value, SubClientAttribute):
                args = typing.get_args(value.__orig_class__)  # type: ignore[attr-defined]
                assert args == (typing.ForwardRef(value.class_name),), f"{cls.__name__}.{name}"
                child = getattr(importlib.import_module(value.module), value.class_name)
                seen += 1 + check(child)
        return seen

    assert check(sdk.SDK) == 18  # 8 namespaces, 10 versions
