"""Pausing the cyclic garbage collector while a large payload is decoded or encoded.

Decoding a page of 10,000 transactions allocates ~70,000 objects; every 700 allocations CPython
runs a young collection, and the full collections it triggers rescan every live object, so the
cost per element grows with the page (measured: 42 us/element at 10k vs 19 us with the collector
paused; benchmarks/README.md). The objects built here are acyclic and immediately owned by the
result, so nothing is lost by collecting them later. The pause is reference-counted across
threads and restores the collector only if it was enabled when the first pause began.
"""

from __future__ import annotations

import gc
import threading
from contextlib import contextmanager
from typing import Iterator

#: Payloads smaller than this are not worth touching the collector for.
LARGE_BODY_BYTES = 64 * 1024
LARGE_COLLECTION_ITEMS = 256

_lock = threading.Lock()
_depth = 0
_restore = False


@contextmanager
def paused() -> Iterator[None]:
    global _depth, _restore
    with _lock:
        if _depth == 0:
            _restore = gc.isenabled()
            if _restore:
                gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _restore:
                gc.enable()
