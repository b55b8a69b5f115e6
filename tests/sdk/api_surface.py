"""Describe the public surface of an installed ``meshapi`` package as plain JSON.

Run as a script (``python -I api_surface.py``) in a virtual environment that has the official
SDK, it prints that package's surface; imported, :func:`surface` describes ours in-process.
Only the standard library, pydantic and httpx are used, so both sides run the same code.

What is described: the public names of ``meshapi`` (``dir()`` and ``__all__``) and of
``meshapi._types``; each class's constructor and methods (parameters, kinds, defaults, and
whether calling it gives a value, a coroutine or an iterator); each pydantic model's ``extra``
setting and fields (type, default, constraints); the resource tree of both clients; and the
attributes (with their types) of sample error, config and realtime objects.
"""

from __future__ import annotations
import __future__

import dataclasses
import inspect
import json
import sys
import types
import typing
from collections.abc import Callable
from typing import Any

import httpx
from pydantic import BaseModel
from pydantic_core import PydanticUndefined

NameOf = Callable[[type], list[str]]

CALL_DUNDERS = (
    "__init__",
    "__enter__",
    "__exit__",
    "__aenter__",
    "__aexit__",
    "__iter__",
    "__aiter__",
    "__await__",
)
_UNION_ORIGINS: tuple[Any, ...] = (typing.Union, types.UnionType)


def jsonable(value: Any) -> Any:
    """A value as JSON can hold it (repr for anything JSON cannot)."""
    return json.loads(json.dumps(value, default=repr))


def describe_type(tp: Any, name_of: NameOf) -> Any:
    """A structural description of a type annotation, comparable across two installs."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is typing.Annotated:
        return describe_type(args[0], name_of)
    if tp is Any:
        return "Any"
    if tp is None or tp is type(None):
        return "None"
    if origin in _UNION_ORIGINS:
        members: list[Any] = []
        for arg in args:
            member = describe_type(arg, name_of)
            if isinstance(member, dict) and "union" in member:
                members.extend(member["union"])
            else:
                members.append(member)
        return {"union": members}
    if origin is typing.Literal:
        return {"literal": [jsonable(arg) for arg in args]}
    if origin is list or tp is list:
        return {"list": describe_type(args[0], name_of) if args else "Any"}
    if origin is dict or tp is dict:
        key, value = (args[0], args[1]) if args else (Any, Any)
        return {"dict": [describe_type(key, name_of), describe_type(value, name_of)]}
    if origin is tuple or tp is tuple:
        return {"tuple": [describe_type(arg, name_of) for arg in args]}
    if isinstance(tp, type):
        if issubclass(tp, BaseModel):
            return {"model": name_of(tp)}
        if tp in (str, int, float, bool, bytes):
            return tp.__name__
        if issubclass(tp, dict):
            return {"dict": ["str", "Any"]}
        return {"class": f"{tp.__module__}.{tp.__qualname__}"}
    return {"other": repr(tp)}


def describe_callable(func: Any, owner: type | None = None) -> dict[str, Any]:
    """Parameters (name, kind, default) and what a call returns: value, coroutine or iterator."""
    signature = inspect.signature(func)
    params = []
    for param in signature.parameters.values():
        if param.name == "self" and owner is not None:
            continue
        entry: dict[str, Any] = {"name": param.name, "kind": param.kind.name}
        if param.default is not inspect.Parameter.empty:
            entry["default"] = jsonable(param.default)
        params.append(entry)
    return {"params": params, "returns": call_style(func)}


def call_style(func: Any) -> str:
    """``coroutine``, ``async-iterator``, ``iterator`` or ``value``: what calling gives."""
    if inspect.iscoroutinefunction(func):
        return "coroutine"
    if inspect.isasyncgenfunction(func):
        return "async-iterator"
    if inspect.isgeneratorfunction(func):
        return "iterator"
    try:
        hints = typing.get_type_hints(func)
    except Exception:
        return "value"
    returned = hints.get("return")
    returned = typing.get_origin(returned) or returned
    if isinstance(returned, type):
        if hasattr(returned, "__anext__"):
            return "async-iterator"
        if hasattr(returned, "__next__"):
            return "iterator"
    return "value"


def describe_methods(cls: type, package: str) -> dict[str, Any]:
    """Public methods (and the protocol dunders) the package defines on ``cls`` or its bases."""
    methods: dict[str, Any] = {}
    for name in dir(cls):
        if name.startswith("_") and name not in CALL_DUNDERS:
            continue
        raw = inspect.getattr_static(cls, name)
        func = getattr(cls, name)
        if isinstance(raw, staticmethod | classmethod):
            raw = raw.__func__
        if not inspect.isfunction(raw):
            continue
        if not raw.__module__.startswith(package):
            continue
        methods[name] = describe_callable(func if isinstance(func, types.MethodType) else raw, cls)
    return methods


def describe_model(cls: type[BaseModel], name_of: NameOf, package: str) -> dict[str, Any]:
    fields = {}
    for name, info in cls.model_fields.items():
        entry: dict[str, Any] = {"type": describe_type(info.annotation, name_of)}
        if info.default_factory is not None:
            entry["default"] = jsonable(info.default_factory())  # type: ignore[call-arg]
        elif info.default is not PydanticUndefined:
            entry["default"] = jsonable(info.default)
        entry["constraints"] = sorted(
            repr(item) for item in info.metadata if type(item).__module__ == "annotated_types"
        )
        fields[name] = entry
    return {
        "kind": "model",
        "extra": cls.model_config.get("extra") or "ignore",
        "fields": fields,
        "methods": {
            name: spec
            for name, spec in describe_methods(cls, package).items()
            if not name.startswith("_")
        },
    }


def describe_object(obj: Any, name_of: NameOf, package: str) -> dict[str, Any]:
    if isinstance(obj, types.ModuleType):
        return {"kind": "external", "ref": f"module:{obj.__name__}"}
    if isinstance(obj, __future__._Feature):
        return {"kind": "external", "ref": "__future__.annotations"}
    if isinstance(obj, str):
        return {"kind": "constant", "value": obj}
    if isinstance(obj, type):
        module = obj.__module__
        if not module.startswith(package):
            return {"kind": "external", "ref": f"{module}.{obj.__qualname__}"}
        if issubclass(obj, BaseModel):
            return describe_model(obj, name_of, package)
        entry: dict[str, Any] = {"kind": "class", "methods": describe_methods(obj, package)}
        if dataclasses.is_dataclass(obj):
            entry["fields"] = [field.name for field in dataclasses.fields(obj)]
        return entry
    if typing.get_origin(obj) is not None:
        return {"kind": "alias", "type": describe_type(obj, name_of)}
    if obj is Any or type(obj).__module__ == "typing":
        return {"kind": "external", "ref": repr(obj)}
    if callable(obj) and not getattr(obj, "__module__", "").startswith(package):
        return {"kind": "external", "ref": f"{obj.__module__}.{obj.__qualname__}"}
    return {"kind": "other", "repr": repr(obj)}


def public(module: Any) -> list[str]:
    return sorted(name for name in dir(module) if not name.startswith("_"))


def attributes(obj: Any) -> dict[str, str]:
    """Instance attributes and the type name of each value."""
    names = list(getattr(obj, "__dict__", {})) + list(getattr(type(obj), "__slots__", ()))
    return {name: type(getattr(obj, name)).__name__ for name in names if not name.startswith("_")}


def resource_tree(client: Any, package: str, prefix: str) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for name, value in vars(client).items():
        if name.startswith("_") or not type(value).__module__.startswith(package):
            continue
        path = f"{prefix}.{name}"
        tree[path] = {"methods": describe_methods(type(value), package)}
        tree.update(resource_tree(value, package, path))
    return tree


def sample_objects(meshapi: Any) -> dict[str, Any]:
    """Attributes of objects a caller inspects: errors, config, realtime messages."""
    realtime = sys.modules["meshapi.resources.realtime"]
    envelope = {
        "error": {
            "code": "rate_limit_exceeded",
            "message": "slow down",
            "details": [{"loc": ["x"]}],
            "provider_error": {"raw": 1},
            "retry_after_seconds": 12,
        },
        "request_id": "req_body",
    }
    failed = httpx.Response(
        429, json=envelope, headers={"x-request-id": "req_header", "retry-after": "12"}
    )
    return {
        "MeshAPIError()": attributes(
            meshapi.MeshAPIError("m", status=400, error_code="c", request_id="r")
        ),
        "MeshAPIError.from_response()": attributes(meshapi.MeshAPIError.from_response(failed)),
        "MeshAPIError.stream_interrupted()": attributes(
            meshapi.MeshAPIError.stream_interrupted("reset")
        ),
        "RealtimeError()": attributes(realtime.RealtimeError("c", "m", "p", "r")),
        "RealtimeMessage()": attributes(
            realtime.RealtimeMessage(text="t", audio=b"a", event={"type": "x"})
        ),
        "MeshAPIConfig()": attributes(meshapi.MeshAPIConfig(base_url="http://h/", token="t")),
    }


def surface(name_of: NameOf | None = None) -> dict[str, Any]:
    """The surface of whichever ``meshapi`` is importable here."""
    import meshapi
    import meshapi._types

    name_of = name_of or (lambda cls: [cls.__name__])
    package = "meshapi"
    sync_client = meshapi.MeshAPI(base_url="http://localhost:1", token="t")
    async_client = meshapi.AsyncMeshAPI(base_url="http://localhost:1", token="t")
    try:
        tree = {
            **resource_tree(sync_client, package, "MeshAPI()"),
            **resource_tree(async_client, package, "AsyncMeshAPI()"),
        }
    finally:
        sync_client.close()
    return {
        "version": meshapi.__version__,
        "file": meshapi.__file__,
        "all": sorted(meshapi.__all__),
        "toplevel": {
            name: describe_object(getattr(meshapi, name), name_of, package)
            for name in public(meshapi)
        },
        "types": {
            name: describe_object(getattr(meshapi._types, name), name_of, package)
            for name in public(meshapi._types)
        },
        "tree": tree,
        "objects": sample_objects(meshapi),
    }


if __name__ == "__main__":
    json.dump(surface(), sys.stdout, indent=1, sort_keys=True)
