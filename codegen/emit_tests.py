"""Writes tests/generated: one test module per sub-client, one wire test per operation.

Each test calls the method with a realistic request against a mocked server (responses), then
checks the method, path, query, headers and JSON body that went out against values computed
here from the API description, and decodes a realistic response into the envelope.
"""

from __future__ import annotations

import pprint
from typing import Any, Dict, List

from codegen.emit_models import HEADER, discriminator_values
from codegen.examples import ExampleMaker, request_example
from codegen.ir import Api, ClientIR, OperationIR, TypeRef

BASE_URL = "http://sdk-test.invalid/prefix"

SUPPORT = '''{header}
"""Assertions shared by the generated operation tests."""

import json
from typing import Any, Dict, List, Tuple
from urllib.parse import parse_qsl, urlsplit

import responses

BASE_URL = {base!r}


def sent_request(index: int = 0) -> Any:
    return responses.calls[index].request


def check_wire(
    request: Any,
    method: str,
    path: str,
    query: List[Tuple[str, str]],
    headers: Dict[str, str],
    body: Any,
    has_body: bool,
) -> None:
    assert request.method == method
    url = urlsplit(request.url)
    assert url.path == urlsplit(BASE_URL).path + path, url.path
    assert sorted(parse_qsl(url.query, keep_blank_values=True)) == sorted(query), url.query
    for name, value in headers.items():
        assert request.headers.get(name) == value, name
    assert request.headers.get("User-Agent", "").startswith("formance-sdk-python/")
    if has_body:
        raw = request.body.decode("utf-8") if isinstance(request.body, bytes) else request.body
        if isinstance(body, str) and not request.headers.get("Content-Type", "").startswith("application/json"):
            assert raw == body
        else:
            assert request.headers.get("Content-Type") == "application/json"
            assert json.loads(raw) == body
    else:
        assert not request.body
'''


def _status_for(op: OperationIR) -> Any:
    spec = op.responses[0] if op.responses else None
    if spec is None:
        return 200, None
    status = spec.status
    if not status.isdigit():
        status = {"2": "200", "4": "400", "5": "500"}.get(status[0], "200")
    return int(status), spec


def _operation_test(api: Api, maker: ExampleMaker, node_path: List[str], op: OperationIR) -> List[str]:
    source, facts = request_example(maker, api, op)
    status, spec = _status_for(op)
    lines = ["", "", "@responses.activate", f"def test_{op.method_name}() -> None:"]
    body_example: Any = None
    if spec is not None and spec.field and spec.type is not None and spec.content_type == "application/json":
        body_example = maker.value(spec.type, spec.field).wire
        lines.append(f"    payload = {_py(body_example, 4)}")
        lines.append(
            f"    responses.add({op.http_method!r}, BASE_URL + {facts['path']!r}, json=payload, status={status})"
        )
    elif spec is not None and spec.content_type == "application/octet-stream":
        lines.append(
            f"    responses.add({op.http_method!r}, BASE_URL + {facts['path']!r},"
            f" body=b'{{\"id\":1}}\\n', status={status}, content_type='application/octet-stream')"
        )
    elif op.response_headers:
        lines.append(
            f"    responses.add({op.http_method!r}, BASE_URL + {facts['path']!r}, status={status},"
            " headers={'Count': '42'})"
        )
    else:
        lines.append(f"    responses.add({op.http_method!r}, BASE_URL + {facts['path']!r}, status={status})")
    lines.append("    s = sdk.SDK(server_url=BASE_URL)")
    call = f"s.{'.'.join(node_path + [op.method_name])}"
    if op.deprecated:
        lines.append("    with pytest.warns(DeprecationWarning):")
        indent = "        "
    else:
        indent = "    "
    if source is None:
        lines.append(f"{indent}res = {call}()")
    else:
        lines.append(f"{indent}res = {call}(request={source})")
    lines.append(
        "    check_wire(sent_request(), "
        f"{op.http_method!r}, {facts['path']!r}, {facts['query']!r}, {facts['headers']!r}, "
        f"{_py(facts['body'], 4)}, {facts['has_body']!r})"
    )
    lines.append(f"    assert res.status_code == {status}")
    if body_example is not None and spec is not None:
        target = _decoded_class(spec.type)
        if target is not None:
            lines.append(f"    assert isinstance(res.{spec.field}, {target})")
        lines.append(f"    assert _wire(res.{spec.field}) == payload")
    if op.response_headers:
        lines.append("    assert res.headers['count'] == res.headers['Count'] == '42'  # the response's own mapping")
    if spec is not None and spec.content_type == "application/octet-stream":
        lines.append("    assert res.raw_response.content == b'{\"id\":1}\\n'")
    lines.extend(_error_test(api, maker, node_path, op, facts, source))
    return lines


def _error_test(
    api: Api, maker: ExampleMaker, node_path: List[str], op: OperationIR, facts: Dict[str, Any], source: Any
) -> List[str]:
    json_errors = [e for e in op.errors if e.content_type == "application/json"]
    if not json_errors:
        return []
    error = json_errors[0]
    model = api.model(error.error_class)
    payload = maker.model(model).wire
    code = 400 if error.status in ("default", "4XX") else int(error.status) if error.status.isdigit() else 500
    if any(r.status == str(code) or r.status == f"{str(code)[0]}XX" for r in op.responses):
        code = 418  # a status no response documents, so the `default` error applies
    call = f"s.{'.'.join(node_path + [op.method_name])}"
    lines = ["", "", "@responses.activate", f"def test_{op.method_name}_error() -> None:"]
    if op.http_method == "HEAD":
        # A HEAD answer has no body, so there is nothing to decode: the SDK raises SDKError.
        lines.append(f"    responses.add('HEAD', BASE_URL + {facts['path']!r}, status={code})")
        lines.append("    s = sdk.SDK(server_url=BASE_URL)")
        lines.append("    with pytest.raises(errors.SDKError) as caught:")
        lines.append(f"        {call}({'' if source is None else 'request=' + source})")
        lines.append(f"    assert caught.value.status_code == {code}")
        return lines
    lines.append(f"    payload = {_py(payload, 4)}")
    lines.append(f"    responses.add({op.http_method!r}, BASE_URL + {facts['path']!r}, json=payload, status={code})")
    lines.append("    s = sdk.SDK(server_url=BASE_URL)")
    lines.append(f"    with pytest.raises(errors.{model.name}) as caught:")
    args = "" if source is None else f"request={source}"
    if op.deprecated:
        lines.append("        with pytest.warns(DeprecationWarning):")
        lines.append(f"            {call}({args})")
    else:
        lines.append(f"        {call}({args})")
    lines.append(f"    assert caught.value.status_code == {code}")
    lines.append("    assert caught.value.raw_response is not None")
    lines.append("    assert _wire(caught.value) == payload")
    return lines


def _decoded_class(ref: Any) -> Any:
    if ref is None:
        return None
    if ref.kind == "optional":
        ref = ref.item
    if ref.kind == "ref":
        package, _, name = ref.ref.split(".")
        return f"{package}.{name}"
    return {"list": "list", "map": "dict"}.get(ref.kind)


def _py(value: Any, indent: int) -> str:
    text = pprint.pformat(value, width=100, sort_dicts=True)
    return text.replace("\n", "\n" + " " * (indent + 4)) if "\n" in text else text


def test_module(api: Api, maker: ExampleMaker, node: ClientIR, path: List[str]) -> str:
    lines = [HEADER, f'"""Wire tests of `s.{".".join(path) or "(root)"}`: one per operation."""', ""]
    lines.append("import datetime  # noqa: F401  (used by some request examples)")
    lines.append("from typing import Any")
    lines.append("")
    lines.append("import pytest  # noqa: F401")
    lines.append("import responses")
    lines.append("")
    lines.append("import sdk")
    lines.append("from sdk.models import errors, operations, shared  # noqa: F401")
    lines.append("")
    lines.append("from .support import BASE_URL, check_wire, sent_request")
    lines.append("")
    lines.append("")
    lines.append("def _wire(value: Any) -> Any:")
    lines.append('    """The JSON form of a decoded value, to compare with what the server sent.')
    lines.append("")
    lines.append("    An absent nullable property decodes to None, which to_dict() writes as null: dropped here.")
    lines.append('    """')
    lines.append("    if hasattr(value, 'to_dict'):")
    lines.append("        value = value.to_dict()")
    lines.append("    if isinstance(value, list):")
    lines.append("        return [_wire(v) for v in value]")
    lines.append("    if isinstance(value, dict):")
    lines.append("        return {k: _wire(v) for k, v in value.items() if v is not None}")
    lines.append("    return value")
    for op in node.operations:
        lines.extend(_operation_test(api, maker, path, op))
    return "\n".join(lines) + "\n"


def emit(api: Api) -> Dict[str, str]:
    maker = ExampleMaker(api, discriminator_values(api), big_ints=True)
    files = {
        "__init__.py": HEADER + "\n",
        "support.py": SUPPORT.format(header=HEADER, base=BASE_URL),
    }

    def walk(node: ClientIR, path: List[str]) -> None:
        if node.operations:
            name = "_".join(path) if path else "root"
            files[f"test_{name}.py"] = test_module(api, maker, node, path)
        for child in node.children:
            walk(child, path + [child.attr])

    walk(api.root, [])
    return files


__all__ = ["emit", "TypeRef"]
