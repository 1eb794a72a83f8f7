"""Lazy re-exports for the generated packages.

`from sdk.models import shared` imports one small module; `shared.V2Posting` then imports only
the module that defines it. This keeps `import sdk` close to the cost of importing requests.
"""

from __future__ import annotations

import importlib
from typing import Any, Callable, Dict, List, Tuple


def resolve_model(qualname: str) -> Any:
    """'shared.v2posting.V2Posting' -> the class (imports its module on first use)."""
    module, _, name = qualname.rpartition(".")
    return getattr(importlib.import_module("sdk.models." + module), name)


def lazy_exports(package: str, exports: Dict[str, str]) -> Tuple[Callable[[str], Any], Callable[[], List[str]]]:
    """Module `__getattr__`/`__dir__` resolving `exports` (name -> submodule) on first access."""
    namespace = importlib.import_module(package).__dict__

    def __getattr__(name: str) -> Any:
        submodule = exports.get(name)
        if submodule is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{submodule}"), name)
        namespace[name] = value  # cache: the next access is a plain attribute lookup
        return value

    def __dir__() -> List[str]:
        return sorted(set(namespace) | set(exports))

    return __getattr__, __dir__
