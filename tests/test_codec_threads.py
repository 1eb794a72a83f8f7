"""First use of a model from several threads at once: nobody sees a half-compiled codec.

The compiled decoder and encoder of a model are registered in their caches before the fields
are compiled (so that recursive models find themselves). A second thread that finds that
placeholder while the first is still compiling must wait for the result, not call an empty one.
"""

from __future__ import annotations

import builtins
import threading
import time
from typing import Any, List, Optional

import pytest

from sdk._runtime import decoders, encoders
from sdk._runtime.model_base import Model
from sdk._runtime.model_fields import model, prop
from sdk._runtime.type_info import type_key


@model
class _Leaf(Model):
    amount: int = prop("amount")


@model
class _Branch(Model):
    name: str = prop("name")
    leaf: Optional[_Leaf] = prop("leaf", default=None)


def _slow_compile_of(marker: str, started: threading.Event) -> Any:
    """A `compile` that pauses on the source compiled for `marker`, leaving the window open."""

    def slow_compile(source: Any, filename: str, *args: Any, **kwargs: Any) -> Any:
        if marker in filename:
            started.set()
            time.sleep(0.3)
        return builtins.compile(source, filename, *args, **kwargs)

    return slow_compile


@pytest.mark.parametrize(
    "module, first_use",
    [
        (decoders, lambda: decoders.decoder_for(_Branch)({"name": "a", "leaf": {"amount": 1}})),
        (encoders, lambda: encoders.encoder_for(_Branch)(_Branch(name="a", leaf=_Leaf(amount=1)))),
    ],
    ids=["decoder", "encoder"],
)
def test_a_thread_arriving_mid_compile_waits_for_the_finished_codec(
    monkeypatch: pytest.MonkeyPatch, module: Any, first_use: Any
) -> None:
    cache = decoders._DECODERS if module is decoders else encoders._ENCODERS
    for cls in (_Branch, _Leaf):
        cache.forget(type_key(cls))
    started = threading.Event()
    # The leaf's compilation is slow, so the branch's placeholder sits in the cache meanwhile.
    monkeypatch.setattr(module, "compile", _slow_compile_of("_Leaf", started), raising=False)

    results: List[Any] = []
    errors: List[BaseException] = []

    def use() -> None:
        try:
            results.append(first_use())
        except BaseException as exc:  # noqa: BLE001 - the test reports whatever a thread hit
            errors.append(exc)

    compiling = threading.Thread(target=use)
    compiling.start()
    assert started.wait(5)
    late = [threading.Thread(target=use) for _ in range(4)]
    for thread in late:
        thread.start()
    for thread in [compiling, *late]:
        thread.join(10)

    assert errors == []
    assert len(results) == 5
    assert len({repr(result) for result in results}) == 1
