"""Read the public interface of the installed ``sdk`` package into plain data.

The shapes produced here mirror ``sdk-surface.json`` (the interface of formance-sdk-python
4.2.0) so that ``test_surface.py`` can compare the two item by item. Nothing here knows the
reference values; it only describes whatever ``sdk`` is importable.

Rendering rules (the ones the reference file uses):
- a bare class renders as its ``__name__``: ``V2ErrorsEnum``, ``datetime``, ``int``, ``Response``;
- a typing construct renders as its ``repr`` without the ``typing.`` and ``sdk.models.`` prefixes:
  ``Optional[shared.v2posting.V2Posting]``, ``Optional[datetime.datetime]``;
- a field's wire name is ``metadata['dataclasses_json']['letter_case'](name)``, and it is
  omitted from JSON when None if that metadata carries an ``exclude`` entry.
"""

from __future__ import annotations

import dataclasses
import enum
import inspect
import re
import sys
import typing
from types import ModuleType
from typing import Any, Callable, Dict, List, Mapping, Optional, Set, Tuple

#: Metadata keys that say where an operation-request field goes on the wire.
LOCATION_KEYS = ("path_param", "query_param", "header", "request", "security")

_MISSING = inspect.Parameter.empty
_MAX_CLIENT_DEPTH = 6


# --- types -------------------------------------------------------------------------------


def render_type(tp: Any) -> str:
    """Render a type the way the reference surface does."""
    if tp is _MISSING:
        return ""
    if isinstance(tp, str):  # an annotation that could not be resolved
        return tp
    if isinstance(tp, typing.ForwardRef):
        return tp.__forward_arg__
    if tp is None or tp is type(None):
        return "None"
    if typing.get_origin(tp) is None and isinstance(tp, type):
        return tp.__name__
    text = repr(tp)
    text = re.sub(r"\btyping\.", "", text)
    return text.replace("sdk.models.", "")


def _resolve(annotation: Any, globalns: Dict[str, Any]) -> Any:
    """Evaluate a (possibly string / forward-ref) annotation without implicit Optional."""
    return _resolve_checked(annotation, globalns)[0]


def _resolve_checked(annotation: Any, globalns: Dict[str, Any]) -> Tuple[Any, Optional[str]]:
    """Like `_resolve`, also returning why a string annotation could not be evaluated."""
    if annotation is _MISSING or not _has_forward_refs(annotation):
        return annotation, None
    holder = type("_AnnotationHolder", (), {"__annotations__": {"value": annotation}})
    try:
        return typing.get_type_hints(holder, globalns=globalns, localns=globalns)["value"], None
    except Exception as exc:  # noqa: BLE001 - keep the raw annotation; the comparison will show it
        return annotation, f"{type(exc).__name__}: {exc}"


def _has_forward_refs(annotation: Any) -> bool:
    if isinstance(annotation, (str, typing.ForwardRef)):
        return True
    for arg in typing.get_args(annotation):
        items = arg if isinstance(arg, list) else [arg]  # Callable[[args], result]
        if any(_has_forward_refs(item) for item in items):
            return True
    return False


def _globals_of(obj: Any) -> Dict[str, Any]:
    func = inspect.unwrap(obj) if callable(obj) else obj
    found = getattr(func, "__globals__", None)
    if found is not None:
        return found
    module = sys.modules.get(getattr(obj, "__module__", "") or "")
    return vars(module) if module is not None else {}


def render_default(value: Any) -> Any:
    """A JSON-compatible rendering of a default value (as the reference stores it)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, enum.Enum):
        return value.value
    return repr(value)


# --- signatures --------------------------------------------------------------------------


def describe_callable(func: Callable[..., Any]) -> Dict[str, Any]:
    """Parameters (minus self) and return type of a function defined on a class."""
    signature = inspect.signature(func)
    globalns = _globals_of(func)
    params: List[Dict[str, Any]] = []
    for index, param in enumerate(signature.parameters.values()):
        if index == 0 and param.name == "self":
            continue
        annotation, problem = _resolve_checked(param.annotation, globalns)
        params.append(
            {
                "name": param.name,
                "annotation": render_type(annotation),
                "annotation_error": problem,
                "default": None if param.default is _MISSING else repr(param.default),
                "has_default": param.default is not _MISSING,
                "kind": param.kind.name,
            }
        )
    returns = _resolve(signature.return_annotation, globalns)
    return {"params": params, "returns": render_type(returns), "return_type": returns}


# --- client tree -------------------------------------------------------------------------


def _is_operation_method(func: Any) -> bool:
    if not inspect.isfunction(func):
        return False
    if hasattr(func, "operation"):
        return True
    returns = _resolve(inspect.signature(func).return_annotation, _globals_of(func))
    return isinstance(returns, type) and returns.__module__.startswith("sdk.models.operations")


def _is_client_candidate(value: Any) -> bool:
    cls = type(value)
    module = getattr(cls, "__module__", "") or ""
    if not (module == "sdk" or module.startswith("sdk.")) or module.startswith("sdk.models"):
        return False
    if dataclasses.is_dataclass(value) or isinstance(value, (enum.Enum, type, ModuleType)):
        return False
    return not callable(value)


def describe_client(instance: Any, depth: int = 0, seen: Optional[set] = None) -> Optional[Dict[str, Any]]:
    """The sub-client tree below ``instance``; None when it is not a client at all.

    A client is an object of a class from the ``sdk`` package that has operation methods
    (functions carrying ``.operation`` or returning an ``sdk.models.operations`` class) or
    sub-clients of its own. Other helpers (e.g. a configuration object) are not clients.
    """
    seen = set() if seen is None else seen
    if id(instance) in seen or depth > _MAX_CLIENT_DEPTH:
        return None
    seen = seen | {id(instance)}
    cls = type(instance)
    methods: Dict[str, Any] = {}
    for name in dir(cls):
        if name.startswith("_"):
            continue
        attr = inspect.getattr_static(cls, name)
        if isinstance(attr, (staticmethod, classmethod)):
            continue
        if _is_operation_method(attr):
            methods[name] = attr
    children: Dict[str, Any] = {}
    for name in dir(instance):
        if name.startswith("_") or name in methods:
            continue
        static = _static_lookup(instance, name)
        if inspect.isfunction(static) or isinstance(static, (staticmethod, classmethod)):
            continue
        try:
            value = getattr(instance, name)
        except Exception:  # noqa: BLE001 - a failing attribute is not a sub-client
            continue
        if not _is_client_candidate(value):
            continue
        child = describe_client(value, depth + 1, seen)
        if child is not None:
            children[name] = child
    if not methods and not children and depth > 0:
        return None
    return {"class": cls.__name__, "methods": methods, "children": children, "instance": instance}


def _static_lookup(instance: Any, name: str) -> Any:
    try:
        return inspect.getattr_static(instance, name)
    except AttributeError:
        return None


def walk_methods(tree: Dict[str, Any], prefix: str = "") -> List[Tuple[str, Any]]:
    found = [(prefix + name, func) for name, func in sorted(tree["methods"].items())]
    for name, child in sorted(tree["children"].items()):
        found.extend(walk_methods(child, prefix + name + "."))
    return found


# --- models ------------------------------------------------------------------------------


def public_classes(package: ModuleType) -> Dict[str, type]:
    """Classes reachable as ``package.Name`` (per ``__all__``, else the package's dir())."""
    names = getattr(package, "__all__", None)
    if names is None:
        names = [name for name in dir(package) if not name.startswith("_")]
    found: Dict[str, type] = {}
    for name in names:
        try:
            value = getattr(package, name)
        except AttributeError:
            continue
        if not isinstance(value, type) or typing.get_origin(value) is not None:
            continue
        module = getattr(value, "__module__", "") or ""
        if module == "sdk" or module.startswith("sdk."):
            found[name] = value
    return found


def model_kind(cls: type) -> str:
    if issubclass(cls, enum.Enum):
        return "enum"
    is_exception = issubclass(cls, BaseException)
    if dataclasses.is_dataclass(cls):
        return "exception-dataclass" if is_exception else "dataclass"
    return "exception" if is_exception else "class"


def describe_enum(cls: Any) -> Dict[str, Any]:
    return {
        "kind": "enum",
        "base": [base.__name__ for base in cls.__bases__],
        "members": {name: member.value for name, member in cls.__members__.items()},
    }


def _field_hints(cls: type) -> Tuple[Dict[str, Any], Optional[str]]:
    try:
        return typing.get_type_hints(cls), None
    except Exception as exc:  # noqa: BLE001 - fall back to per-field resolution below
        hints: Dict[str, Any] = {}
        globalns = vars(sys.modules[cls.__module__])
        for item in dataclasses.fields(cls):
            hints[item.name] = _resolve(item.type, globalns)
        return hints, f"typing.get_type_hints failed: {exc!r}"


def describe_field(item: dataclasses.Field[Any], hint: Any) -> Dict[str, Any]:
    out: Dict[str, Any] = {"name": item.name, "type": render_type(hint)}
    if item.default is not dataclasses.MISSING:
        out["default"] = render_default(item.default)
    elif item.default_factory is not dataclasses.MISSING:  # type: ignore[misc]
        out["default"] = render_default(item.default_factory())  # type: ignore[misc]
        out["default_factory"] = True
    else:
        out["required"] = True
    metadata: Mapping[str, Any] = item.metadata or {}
    dcj = metadata.get("dataclasses_json")
    if isinstance(dcj, dict):
        letter_case = dcj.get("letter_case")
        if callable(letter_case):
            try:
                out["wire"] = letter_case(item.name)
            except Exception as exc:  # noqa: BLE001
                out["wire"] = f"<letter_case failed: {exc!r}>"
        if "exclude" in dcj:
            out["omit_if_none"] = True
    for key in LOCATION_KEYS:
        if key in metadata:
            value = metadata[key]
            out[key] = dict(value) if isinstance(value, dict) else value
    return out


def describe_class(cls: type) -> Dict[str, Any]:
    kind = model_kind(cls)
    if kind == "enum":
        return describe_enum(cls)
    if kind in ("dataclass", "exception-dataclass"):
        hints, problem = _field_hints(cls)
        fields = [describe_field(item, hints.get(item.name, item.type)) for item in dataclasses.fields(cls)]
        out: Dict[str, Any] = {"kind": kind, "fields": fields}
        if problem:
            out["problem"] = problem
        return out
    if kind == "exception":
        return {"kind": kind, "attrs": exception_attrs(cls), "init": init_params(cls)}
    return {"kind": kind}


def exception_attrs(cls: type) -> List[str]:
    """Public attributes an exception class declares (annotations and properties) in ``sdk``."""
    names: Set[str] = set()
    for klass in cls.__mro__:
        module = getattr(klass, "__module__", "") or ""
        if not (module == "sdk" or module.startswith("sdk.")):
            continue
        names.update(name for name in vars(klass).get("__annotations__", {}) if not name.startswith("_"))
        names.update(
            name for name, value in vars(klass).items() if isinstance(value, property) and not name.startswith("_")
        )
    return sorted(names)


def init_params(cls: type) -> List[str]:
    init = vars(cls).get("__init__") or getattr(cls, "__init__")  # noqa: B009
    params = list(inspect.signature(init).parameters.values())[1:]
    return [
        param.name
        for param in params
        if param.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    ]


def describe_package(package: ModuleType) -> Dict[str, Dict[str, Any]]:
    return {name: describe_class(cls) for name, cls in sorted(public_classes(package).items())}
