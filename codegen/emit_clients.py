"""Writes the SDK class, the sub-client modules (sdk/resources/**) and the package entry."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Set, Tuple

from codegen.emit_models import HEADER
from codegen.ir import Api, ClientIR, ErrorIR, OperationIR, ResponseIR, TypeRef
from codegen.naming import enum_member_name
from codegen.pagination import PageIR, iterator_name, pagination_of
from codegen.render import collapse_blank_lines, docstring
from codegen.type_text import SCALAR_ANNOTATIONS, SCALAR_TYPING_NAMES, TypeText

#: Names generated modules import from `typing` when they use them.
_TYPING_NAMES = ("TYPE_CHECKING", "Any", "Callable", "Dict", "Iterator", "List", "Optional", "Union")


def client_module(node: ClientIR) -> str:
    """Dotted module of a sub-client: ['ledger', 'v2'] -> 'sdk.resources.ledger.v2'."""
    return "sdk.resources." + ".".join(node.path)


def _const_name(op: OperationIR) -> str:
    return op.method_name.upper()


def _response_spec(spec: ResponseIR) -> str:
    args = [repr(spec.status)]
    if spec.content_type is not None or spec.field is not None:
        args.append(repr(spec.content_type))
    if spec.field is not None:
        args.append(repr(spec.field))
    return f"R({', '.join(args)})"


def _error_spec(spec: ErrorIR) -> str:
    return f"E({spec.status!r}, {spec.content_type!r}, {spec.error_class!r})"


def _pagination_entry(page: PageIR) -> str:
    args = [repr(page.cursor_field), repr(page.page_field)]
    if page.cleared_fields:
        args.append(f"cleared_fields={page.cleared_fields!r}")
    if page.page_size_fields:
        args.append(f"page_size_fields={page.page_size_fields!r}")
    if page.cursor_attr != "cursor":
        args.append(f"cursor_attr={page.cursor_attr!r}")
    return f"    pagination=Pagination({', '.join(args)}),"


def _operation_table_entry(op: OperationIR, shared_errors: Dict[str, str], page: Optional[PageIR]) -> List[str]:
    lines = [f"{_const_name(op)} = Operation("]
    lines.append(f"    {op.operation_id!r}, {op.http_method!r}, {op.path!r},")
    if op.request_model:
        lines.append(f"    request_model={op.request_model!r},")
    if op.body_media_type:
        if op.body_field:
            lines.append(f"    body_field={op.body_field!r},")
        elif op.body_type is not None and op.body_type.kind in ("ref", "optional"):
            ref = op.body_type if op.body_type.kind == "ref" else op.body_type.item
            if ref is not None and ref.ref:
                lines.append(f"    body_model={ref.ref!r},")
        lines.append(f"    body_media_type={op.body_media_type!r},")
        if op.body_required:
            lines.append("    body_required=True,")
    lines.append(f"    response_model={op.response_model!r},")
    if op.responses:
        lines.append(f"    responses=({', '.join(_response_spec(r) for r in op.responses)},),")
    if op.errors:
        key = ", ".join(_error_spec(e) for e in op.errors)
        lines.append(f"    errors={shared_errors[key]},")
    lines.append(f"    scopes={tuple(op.scopes)!r},")
    if not op.security_required:
        lines.append("    security_required=False,")
    if op.idempotency_header:
        lines.append(f"    idempotency_header={op.idempotency_header!r},")
    if op.deprecated:
        lines.append("    deprecated=True,")
    if op.response_headers:
        lines.append("    response_headers=True,")
    if op.branch_hint:
        lines.append(f"    branch_hint={op.branch_hint!r},")
    if page is not None:
        lines.append(_pagination_entry(page))
    lines.append(")")
    return lines


def _type_text(ref: TypeRef, imports_needed: Set[str]) -> str:
    """Annotation text in a client module, where models are reached as shared.X / operations.X."""

    def model(qualname: str) -> str:
        package, _, name = qualname.split(".")
        imports_needed.add(package)
        return f"{package}.{name}"

    def generic(name: str) -> str:
        imports_needed.add(name)
        return name

    def scalar(typeref: TypeRef) -> str:
        imports_needed.update(SCALAR_TYPING_NAMES.get(typeref.kind, ()))
        return SCALAR_ANNOTATIONS[typeref.kind]

    return TypeText(ref=model, scalar=scalar, generic=generic).render(ref)


def _parameters(op: OperationIR, needed: Set[str]) -> List[str]:
    params = ["self"]
    if op.request_type is not None:
        annotation = _type_text(op.request_type, needed)
        params.append(f"request: {annotation}" + ("" if op.request_required else " = None"))
    params += ["*", "retries: Optional[RetryConfig] = None", "timeout: Timeout = None"]
    needed.add("Optional")
    return params


def _signature(name: str, params: List[str], returns: str) -> List[str]:
    signature = f"    def {name}({', '.join(params)}) -> {returns}:"
    if len(signature) <= 110:
        return [signature]
    return [f"    def {name}("] + [f"        {p}," for p in params] + [f"    ) -> {returns}:"]


def _iterator_method(op: OperationIR, page: PageIR, needed: Set[str]) -> List[str]:
    """`<list method>_iter`: every item of every page, typed as the page's items."""
    needed.add("Iterator")
    item = _type_text(page.item_type, needed)
    lines = _signature(iterator_name(op), _parameters(op, needed), f"Iterator[{item}]")
    doc = (
        f"Every item of `{op.method_name}`, page after page, each page fetched as you iterate.\n\n"
        "The first request is sent as given; the next ones carry the path and header parameters, the\n"
        "page size and the server's `next` cursor only (the cursor encodes the filters). Raises\n"
        "sdk.utils.PaginationError when the server repeats a cursor or keeps sending empty pages that\n"
        "say more follow."
    )
    lines.extend(docstring(doc, "        "))
    lines.append(f"        return paginate(self.{op.method_name}, request, retries=retries, timeout=timeout)")
    return lines


def _method(op: OperationIR, needed: Set[str]) -> List[str]:
    params = _parameters(op, needed)
    package, _, name = op.response_model.split(".")
    needed.add(package)
    returns = f"{package}.{name}"
    lines = [f"    @bind({_const_name(op)})"]
    lines.extend(_signature(op.method_name, params, returns))
    doc = (op.summary or op.method_name.replace("_", " ").capitalize()).strip()
    if op.description.strip() and op.description.strip() != doc:
        doc += "\n\n" + op.description.strip()
    if op.deprecated:
        doc += "\n\nDeprecated by the API: calling it emits a DeprecationWarning."
    doc += f"\n\n{op.http_method} {op.path} (operation {op.operation_id})."
    lines.extend(docstring(doc, "        "))
    request_arg = "request" if op.request_type is not None else "None"
    lines.append(f"        return self._core.call({_const_name(op)}, {request_arg}, retries=retries, timeout=timeout)")
    return lines


def _children_lines(node: ClientIR) -> List[str]:
    lines = []
    for child in node.children:
        # Typed through the subscript, not an annotation: help() would list the annotation.
        lines.append(
            f"    {child.attr} = SubClientAttribute[{child.class_name!r}]("
            f"{client_module(child)!r}, {child.class_name!r}, {_node_doc(child)!r})"
        )
    return lines


def _children_type_imports(node: ClientIR) -> List[str]:
    """Imports that let type checkers see the sub-client classes (never executed)."""
    if not node.children:
        return []
    lines = ["", "if TYPE_CHECKING:  # sub-client modules load on first access, not at import"]
    for child in node.children:
        lines.append(f"    from {client_module(child)} import {child.class_name}")
    return lines


def _leaf_module(api: Api, node: ClientIR) -> Tuple[List[str], List[str], Set[str]]:
    """Operation table + class body (without the module header) of a client node."""
    needed: Set[str] = set()
    pages = {op.operation_id: pagination_of(api, op) for op in node.operations}
    if any(pages.values()):
        needed.add("paginate")
    shared_errors: Dict[str, str] = {}
    table: List[str] = []
    error_sets: List[Tuple[str, str]] = []
    for op in node.operations:
        key = ", ".join(_error_spec(e) for e in op.errors)
        if key and key not in shared_errors:
            const = f"_ERRORS_{len(error_sets) + 1}" if len(error_sets) else "_ERRORS"
            shared_errors[key] = const
            error_sets.append((const, key))
    for const, key in error_sets:
        table.append(f"{const} = ({key},)")
    if error_sets:
        table.append("")
    for op in node.operations:
        table.extend(_operation_table_entry(op, shared_errors, pages[op.operation_id]))
        table.append("")
    methods: List[str] = []
    for op in node.operations:
        methods.append("")
        methods.extend(_method(op, needed))
        page = pages[op.operation_id]
        if page is not None:
            methods.append("")
            methods.extend(_iterator_method(op, page, needed))
    return table, methods, needed


def _imports(needed: Set[str], extra_runtime: List[str], has_ops: bool, third_party: Sequence[str] = ()) -> List[str]:
    """Import block in isort order: __future__, stdlib typing, third-party, the sdk package."""
    lines = ["from __future__ import annotations", ""]
    typing_names = sorted(n for n in needed if n in _TYPING_NAMES)
    if typing_names:
        lines.append(f"from typing import {', '.join(typing_names)}")
        lines.append("")
    if third_party:
        lines.extend(sorted(f"import {name}" for name in third_party))
        lines.append("")
    first_party = list(extra_runtime)
    if has_ops:
        first_party.append("from sdk._runtime.client import Timeout")
        first_party.append("from sdk._runtime.operation import ErrorSpec as E")
        bound = "Operation, Pagination, bind" if "paginate" in needed else "Operation, bind"
        first_party.append(f"from sdk._runtime.operation import {bound}")
        first_party.append("from sdk._runtime.operation import ResponseSpec as R")
        first_party.append("from sdk.utils.retries import RetryConfig")
    if "paginate" in needed:
        first_party.append("from sdk.utils.pagination import paginate")
    packages = sorted(n for n in needed if n in ("shared", "operations", "errors"))
    if packages:
        first_party.append(f"from sdk.models import {', '.join(packages)}")
    lines.extend(sorted(set(first_party)))
    return lines


def _node_doc(node: ClientIR) -> str:
    if node.description:
        return node.description
    dotted = ".".join(node.path)
    if node.children:
        versions = ", ".join(f"`s.{dotted}.{child.attr}`" for child in node.children)
        return f"The {dotted} API, one sub-client per version: {versions}."
    return f"Operations of `s.{dotted}`."


def sub_client_module(api: Api, node: ClientIR) -> str:
    table, methods, needed = _leaf_module(api, node)
    runtime = ["from sdk._runtime.client import SubClient" + (", SubClientAttribute" if node.children else "")]
    lines = [HEADER]
    lines.extend(docstring(_node_doc(node), ""))
    lines.append("")
    if node.children:
        needed.add("TYPE_CHECKING")
    lines.extend(_imports(needed, runtime, bool(node.operations)))
    lines.extend(_children_type_imports(node))
    lines.append("")
    if table:
        lines.append("")
        lines.extend(table)
    lines.append("")
    lines.append(f"class {node.class_name}(SubClient):")
    lines.extend(docstring(_node_doc(node), "    "))
    children = _children_lines(node)
    if children:
        lines.append("")
        lines.extend(children)
    lines.extend(methods)
    return "\n".join(collapse_blank_lines(lines, 2)) + "\n"


def _enum_values(spec: Dict[str, Any]) -> List[Any]:
    values = spec.get("enum") or []
    return list(values) if isinstance(values, (list, tuple)) else []


def servers_module(api: Api) -> str:
    lines = [HEADER, '"""The servers the API description lists, and the environments of Formance Cloud."""', ""]
    lines.append("import enum")
    lines.append("")
    lines.append("from sdk._runtime.server_selection import Server")
    lines.append("")
    for server in api.servers:
        for name, spec in server.variables.items():
            if spec.get("enum"):
                cls = "Server" + name[0].upper() + name[1:]
                lines.append("")
                lines.append("")
                lines.append(f"class {cls}(str, enum.Enum):")
                lines.append(f'    """Allowed values of the `{name}` server variable."""')
                lines.append("")
                for value in _enum_values(spec):
                    lines.append(f"    {enum_member_name(value)} = {value!r}")
    lines.append("")
    lines.append("")
    lines.append("SERVER_DEFINITIONS = (")
    for server in api.servers:
        variables = {
            name: (str(spec.get("default", "")), tuple(str(v) for v in _enum_values(spec)))
            for name, spec in server.variables.items()
        }
        if variables:
            lines.append(f"    Server({server.url!r}, {variables!r}),")
        else:
            lines.append(f"    Server({server.url!r}),")
    lines.append(")")
    lines.append('"""The servers with their variables; index 0 is the default, `server_idx=` picks another."""')
    lines.append("")
    lines.append("SERVERS = [server.url for server in SERVER_DEFINITIONS]")
    lines.append('"""The server URL templates, as 4.2.0 listed them."""')
    return "\n".join(lines) + "\n"


def root_module(api: Api) -> str:
    node = api.root
    table, methods, needed = _leaf_module(api, node)
    needed |= {"Optional", "Dict", "Callable", "Union", "shared", "TYPE_CHECKING"}
    variables = sorted({name for server in api.servers for name in server.variables})
    runtime = [
        "from sdk._runtime.client import ClientCore, SubClientAttribute, describe_client",
        "from sdk._runtime.configuration import configure",
        "from sdk import SDK_VERSION, USER_AGENT",
        "from sdk.servers import SERVER_DEFINITIONS, ServerEnvironment",
    ]
    lines = [HEADER]
    lines.extend(docstring("The SDK entry point: `sdk.SDK(...)` and its sub-clients.", ""))
    lines.append("")
    lines.extend(_imports(needed, runtime, bool(node.operations), ["requests"]))
    lines.extend(_children_type_imports(node))
    lines.append("")
    lines.append("")
    lines.extend(table)
    lines.append("")
    lines.append("class SDK:")
    doc = (api.root.description or api.title) + (
        "\n\nOne SDK object is safe to share between threads: it holds the configuration, one"
        "\nrequests.Session and the OAuth2 token cache. Sub-clients (`s.ledger.v2`, ...) are"
        "\ncreated on first access and share all of it."
    )
    lines.extend(docstring(doc, "    "))
    lines.append("")
    lines.extend(_children_lines(node))
    lines.append("")
    lines.append("    def __init__(")
    lines.append("        self,")
    # Annotations as in the original SDK, so signatures compare equal.
    lines.append(
        "        security: Union[shared.Security, Callable[[], shared.Security]] = None,  # type: ignore[assignment]"
    )
    for name in variables:
        annotation = "ServerEnvironment" if name == "environment" else "str"
        lines.append(f"        {name}: {annotation} = None,  # type: ignore[assignment]")
    lines.append("        server_idx: Optional[int] = None,")
    lines.append("        server_url: Optional[str] = None,")
    lines.append("        url_params: Optional[Dict[str, str]] = None,")
    lines.append("        client: Optional[requests.Session] = None,")
    lines.append("        retry_config: Optional[RetryConfig] = None,")
    lines.append("        *,")
    lines.append("        timeout: Timeout = None,")
    lines.append("    ) -> None:")
    init_doc = (
        "Configure a client.\n\n"
        "security: OAuth2 client credentials (or a callable returning them, called per request);\n"
        "    None sends no token. Anything else is refused here, not at the first call.\n"
        "environment, organization: fill the Formance Cloud server URL (server_idx=1).\n"
        "server_idx: which listed server to use (0: http://localhost, the default).\n"
        "server_url: a base URL to use instead; url_params fills `{placeholders}` in it.\n"
        "client: a requests.Session to send through, used as given (headers, proxies, verify).\n"
        "retry_config: the default retry policy, a sdk.utils.RetryConfig (off unless given).\n"
        "timeout: (connect, read) seconds, or one positive number for both; defaults to (10, 60).\n\n"
        "A wrong type raises TypeError, a wrong value ValueError, naming the parameter."
    )
    lines.extend(docstring(init_doc, "        "))
    # The checks and the server choice are runtime code; the generated part only passes through.
    lines.append("        self._core = configure(")
    lines.append("            SERVER_DEFINITIONS,")
    lines.append("            USER_AGENT,")
    for name in ("security", "server_idx", "server_url", "url_params", "client", "retry_config", "timeout"):
        lines.append(f"            {name}={name},")
    lines.append("            variables={" + ", ".join(f"{name!r}: {name}" for name in variables) + "},")
    lines.append("        )")
    lines.append("        self.sdk_version = SDK_VERSION")
    lines.append("")
    lines.append("    @property")
    lines.append("    def sdk_configuration(self) -> ClientCore:")
    lines.append('        """The live configuration: `server_url`, `client`, `security`, `retry_config`."""')
    lines.append("        return self._core")
    lines.append("")
    lines.append("    @property")
    lines.append("    def server_url(self) -> str:")
    lines.append('        """The base URL every call goes to."""')
    lines.append("        return self._core.server_url")
    lines.append("")
    lines.append("    def close(self) -> None:")
    lines.append('        """Close the HTTP session the SDK created; a session passed as `client` stays open."""')
    lines.append("        self._core.close()")
    lines.append("")
    lines.append("    def __enter__(self) -> SDK:")
    lines.append("        return self")
    lines.append("")
    lines.append("    def __exit__(self, *exc_info: object) -> None:")
    lines.append("        self.close()")
    lines.append("")
    lines.append("    def __repr__(self) -> str:")
    lines.append("        return describe_client(self)")
    lines.extend(methods)
    return "\n".join(collapse_blank_lines(lines, 2)) + "\n"


def package_init(api: Api, sdk_version: str, user_agent_name: str) -> str:
    lines = [HEADER]
    doc = (
        f"{api.title}: the Python SDK.\n\n"
        "    import sdk\n"
        "    from sdk.models import shared, operations, errors\n\n"
        "    s = sdk.SDK(security=shared.Security(client_id=..., client_secret=...))\n"
        "    res = s.get_versions()\n\n"
        "Names are loaded on first use, so `import sdk` stays cheap."
    )
    lines.extend(docstring(doc, ""))
    lines.append("")
    lines.append("import sys")
    lines.append("from typing import TYPE_CHECKING")
    lines.append("")
    lines.append("from sdk._runtime.lazy import lazy_exports")
    lines.append("")
    lines.append(f"SDK_VERSION = {sdk_version!r}")
    lines.append(f"OPENAPI_DOC_VERSION = {api.version!r}")
    lines.append("__version__ = SDK_VERSION")
    lines.append(
        f'USER_AGENT = f"{user_agent_name}/{{SDK_VERSION}} python/{{sys.version_info[0]}}.{{sys.version_info[1]}}"'
    )
    lines.append("")
    lines.append("if TYPE_CHECKING:")
    lines.append("    from .sdk import SDK")
    lines.append("    from .servers import SERVERS, ServerEnvironment")
    lines.append("")
    lines.append('_EXPORTS = {"SDK": "sdk", "SERVERS": "servers", "ServerEnvironment": "servers"}')
    lines.append("")
    lines.append('__all__ = ["SDK", "SDK_VERSION", "SERVERS", "ServerEnvironment", "USER_AGENT"]')
    lines.append("")
    lines.append("__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)")
    return "\n".join(lines) + "\n"


def typed_paginate_module(api: Api) -> str:
    """`sdk.utils.paginate` with one overload per paginated operation, so its items are typed.

    Overloads are keyed by the method's return type: each operation has its own response class.
    """
    needed: Set[str] = {"Any", "Callable", "Iterator", "Optional"}
    overloads: List[str] = []
    for op in api.operations():
        page = pagination_of(api, op)
        if page is None or op.request_type is None:
            continue
        package, _, name = op.response_model.split(".")
        needed.add(package)
        request = _type_text(op.request_type, needed)
        item = _type_text(page.item_type, needed)
        overloads += [
            "",
            "",
            "@overload",
            "def paginate(",
            f"    method: Callable[..., {package}.{name}],",
            f"    request: Optional[{request}] = ...,",
            "    **call_options: Any,",
            f") -> Iterator[{item}]: ...",
        ]
    typing_names = sorted(n for n in needed if n in _TYPING_NAMES)
    packages = sorted(n for n in needed if n in ("shared", "operations"))
    lines = [HEADER]
    lines.extend(docstring(
        "`sdk.utils.paginate`, typed: for each paginated operation, the items are the page's item type.\n\n"
        "The walk itself is sdk.utils.pagination.paginate; this module only tells type checkers what it yields.",
        "",
    ))
    lines += ["", "from __future__ import annotations", ""]
    lines.append(f"from typing import {', '.join(typing_names + ['overload'])}")
    lines.append("")
    lines.append(f"from sdk.models import {', '.join(packages)}")
    lines.append("from sdk.utils.pagination import paginate as _paginate")
    lines += overloads
    lines += [
        "",
        "",
        "@overload",
        "def paginate(method: Callable[..., Any], request: Any = ..., **call_options: Any) -> Iterator[Any]: ...",
        "",
        "",
        "def paginate(method: Callable[..., Any], request: Any = None, **call_options: Any) -> Iterator[Any]:",
    ]
    lines.extend(docstring(
        "Yield the items of every page of `method`, e.g. `paginate(s.ledger.v2.list_transactions, request)`.\n\n"
        "See sdk.utils.pagination.paginate; the sub-clients' `*_iter` methods do the same.",
        "    ",
    ))
    lines.append("    return _paginate(method, request, **call_options)")
    return "\n".join(lines) + "\n"


def emit(api: Api, sdk_version: str, user_agent_name: str) -> Dict[str, str]:
    files: Dict[str, str] = {
        "__init__.py": package_init(api, sdk_version, user_agent_name),
        "sdk.py": root_module(api),
        "servers.py": servers_module(api),
        "sdkconfiguration.py": "\n".join(
            [
                HEADER,
                '"""Where 4.2.0 defined the server enums: kept so `from sdk.sdkconfiguration import ...` works."""',
                "",
                "from sdk.servers import SERVERS, ServerEnvironment",
                "",
                '__all__ = ["SERVERS", "ServerEnvironment"]',
                "",
            ]
        ),
    }

    def walk(node: ClientIR) -> None:
        for child in node.children:
            path = child.path
            if child.children:
                files["resources/" + "/".join(path) + "/__init__.py"] = sub_client_module(api, child)
            else:
                files["resources/" + "/".join(path) + ".py"] = sub_client_module(api, child)
            walk(child)

    walk(api.root)
    files["resources/_typed_paginate.py"] = typed_paginate_module(api)
    files["resources/__init__.py"] = "\n".join(
        [HEADER, '"""Sub-clients of the SDK, one module per API namespace (`s.ledger.v2` -> ledger/v2.py)."""', ""]
    )
    return files
