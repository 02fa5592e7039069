"""The SDK's operations: walk the client's resources and read each method's one API call from its source.

Every Stainless resource method makes exactly one call to the API: `self._get/_post/_patch/_put/
_delete(path, ...)` or `self._get_api_list(path, page=..., method=...)`. Its path, the params type
handed to `maybe_transform(..., <module>.<Params>)` and the `cast_to=` (or `page=`) response type are
read with `ast`; a `cast_to=create_waitable_resource(...)` marks a method that starts a task (the SDK
adds `.wait_for_task_output()` to exactly those).
"""

from __future__ import annotations

import ast
import inspect
import sys
import textwrap
from typing import Any

HTTP_CALLS = {"_get": "GET", "_post": "POST", "_patch": "PATCH", "_put": "PUT", "_delete": "DELETE",
              "_get_api_list": "GET"}
WAITABLE = "create_waitable_resource"


def operations(runwayml) -> list[dict]:
    """One dict per public method of every resource (sync client), sorted by id."""
    from runwayml._resource import SyncAPIResource

    client = runwayml.RunwayML(api_key="catalog-generator", base_url="http://127.0.0.1:9")
    found = []
    try:
        for name in _public_names(type(client)):
            resource = getattr(client, name)
            if isinstance(resource, SyncAPIResource):
                found.extend(_walk(resource, [name], SyncAPIResource))
    finally:
        client.close()
    return sorted(found, key=lambda op: op["id"])


def _public_names(cls) -> list[str]:
    return sorted(n for n in dir(cls) if not n.startswith("_") and not n.startswith("with_"))


def _walk(resource, path: list[str], base) -> list[dict]:
    found = []
    cls = type(resource)
    for name in _public_names(cls):
        member = inspect.getattr_static(cls, name)
        if inspect.isfunction(member):
            found.append(_operation(".".join(path), name, member))
        else:  # a sub-resource (cached_property), e.g. organization.webapp
            sub = getattr(resource, name)
            if isinstance(sub, base):
                found.extend(_walk(sub, [*path, name], base))
    return found


def _operation(resource: str, method_name: str, func) -> dict:
    tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
    call = _api_call(tree)
    if call is None:
        raise RuntimeError(f"{resource}.{method_name}: no self._get/_post/... call found in its source")
    http = call.func.attr
    method = HTTP_CALLS[http]
    for kw in call.keywords:
        if kw.arg == "method" and isinstance(kw.value, ast.Constant):
            method = str(kw.value.value).upper()
    params_node = _params_node(tree)
    params_type = _resolve(func, params_node) if params_node is not None else None
    response, creates_task = _response(call)
    return {
        "id": f"{resource}.{method_name}",
        "resource": resource,
        "sdkMethod": method_name,
        "method": method,
        "path": _path(call.args[0]),
        "params": ast.unparse(params_node).split(".")[-1] if params_node is not None else None,
        "paramsIn": _params_place(tree) if params_node is not None else None,
        "response": response,
        "paginated": http == "_get_api_list",
        "createsTask": creates_task,
        "params_type": params_type,
    }


def _api_call(tree: ast.AST) -> ast.Call | None:
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
             and n.func.attr in HTTP_CALLS and isinstance(n.func.value, ast.Name) and n.func.value.id == "self"]
    return min(calls, key=lambda n: (n.lineno, n.col_offset)) if calls else None


def _path(node: ast.AST) -> str:
    """A literal, an f-string (f"/v1/tasks/{id}") or path_template("/v1/voices/{id}", id=id)."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(p.value if isinstance(p, ast.Constant) else "{" + ast.unparse(p.value) + "}"
                       for p in node.values)
    if isinstance(node, ast.Call) and ast.unparse(node.func) == "path_template":
        return node.args[0].value
    raise RuntimeError(f"unreadable path expression: {ast.unparse(node)}")


def _transform_calls(tree: ast.AST) -> list[ast.Call]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.Call)
            and ast.unparse(n.func) in ("maybe_transform", "async_maybe_transform") and len(n.args) == 2]


def _params_node(tree: ast.AST) -> ast.AST | None:
    calls = _transform_calls(tree)
    return calls[0].args[1] if calls else None


def _params_place(tree: ast.AST) -> str:
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "query" and _transform_calls(node.value):
            return "query"
    return "body"


def _resolve(func, node: ast.AST) -> Any:
    """Evaluate a dotted name (module.Type or Type) in the method's module globals."""
    obj: Any = vars(sys.modules[inspect.unwrap(func).__module__])
    for i, part in enumerate(ast.unparse(node).split(".")):
        obj = obj[part] if i == 0 else getattr(obj, part)
    return obj


def _response(call: ast.Call) -> tuple[str | None, bool]:
    """(response type name, starts a task) from cast_to= or page=SyncCursorPage[Item]."""
    kws = {kw.arg: kw.value for kw in call.keywords}
    node = kws.get("cast_to", kws.get("page"))
    creates_task = False
    while True:
        if isinstance(node, ast.Call):
            fname = ast.unparse(node.func)
            creates_task = creates_task or fname == WAITABLE
            node = node.args[1] if fname == "cast" else node.args[0]
        elif isinstance(node, ast.Subscript):  # SyncCursorPage[Item]
            node = node.slice
        else:
            break
    name = ast.unparse(node) if node is not None else None
    return (None if name == "NoneType" else name), creates_task
