"""Python tools: ``python = "package.module:function"`` -> the callable, and its declaration built from its
signature, type hints and docstring.

The module is imported with the scenario file's folder and the working directory on ``sys.path`` (put in
front and left there, as pytest's rootdir insertion does, so the module's own later imports still work).
The declaration comes from google-genai's own builder (``FunctionDeclaration.from_callable_with_api_option``)
when google-genai is installed, else from an ``inspect``-based builder giving the same schema for the types
both understand; either way the result is lower-cased into the JSON-Schema subset of ``scenarios._params``
and a Google-style ``Args:`` section of the docstring becomes the parameters' descriptions.
"""

from __future__ import annotations

import importlib
import inspect
import logging
import re
import sys
import types
import typing
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from scenarios._fields import At, did_you_mean
from scenarios._spec import ToolDeclaration

_REF = re.compile(r"([A-Za-z_][\w]*(?:\.[A-Za-z_][\w]*)*):([A-Za-z_][\w]*)")
_SIMPLE: dict[Any, str] = {str: "string", int: "integer", float: "number", bool: "boolean"}
#: the schema keys kept from google-genai's output (its ``default``/``title``... are not in our subset)
_KEEP = {"type", "description", "enum", "items", "properties", "required", "nullable", "minimum", "maximum"}


def import_callable(at: At, ref: Any, base: Path | None) -> Callable[..., Any]:
    """The function ``ref`` names, or a one-line refusal naming what was wrong."""
    if not isinstance(ref, str) or not _REF.fullmatch(ref):
        raise at.fail(f'must be "package.module:function", got {ref!r}')
    module_name, func_name = ref.split(":")
    folders = [str(p) for p in (base, Path.cwd()) if p is not None]
    for folder in reversed(folders):
        if folder not in sys.path:
            sys.path.insert(0, folder)
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        where = " and ".join(dict.fromkeys(folders))
        raise at.fail(f"cannot import {module_name!r} ({exc}; searched {where} and sys.path)") from None
    except Exception as exc:  # the user's module failed while importing: say how, in one line
        first = str(exc).splitlines()[0] if str(exc) else ""
        raise at.fail(f"importing {module_name!r} raised {type(exc).__name__}: {first}") from None
    func = getattr(module, func_name, None)
    if func is None:
        public = sorted(n for n, v in vars(module).items() if callable(v) and not n.startswith("_"))
        raise at.fail(
            f"module {module_name!r} has no function {func_name!r} (has: {', '.join(public) or 'none'})"
        )
    if not callable(func) or isinstance(func, type):
        raise at.fail(f"{ref!r} is a {type(func).__name__}, not a function")
    return typing.cast(Callable[..., Any], func)


def is_async(func: Callable[..., Any]) -> bool:
    # a callable object whose __call__ is ``async def`` is async too
    call = type(func).__call__ if not inspect.isroutine(func) else None
    return inspect.iscoroutinefunction(func) or (call is not None and inspect.iscoroutinefunction(call))


def declare(at: At, func: Callable[..., Any], *, use_genai: bool = True) -> tuple[str, dict[str, Any]]:
    """(description, parameters schema) of ``func``; a signature no builder can declare is refused."""
    summary, arg_docs = _docstring(inspect.getdoc(func) or "")
    try:
        schema = _genai_schema(func) if use_genai else None
        if schema is None:
            schema = _inspect_schema(func)
    except (TypeError, ValueError, NameError) as exc:
        text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise at.fail(
            f"cannot declare {getattr(func, '__name__', func)!r} from its signature ({text}); use type hints "
            "str, int, float, bool, list[...], dict, Literal['a', ...] or Optional[...]"
        ) from None
    for name, doc in arg_docs.items():
        if name in schema.get("properties", {}):
            schema["properties"][name].setdefault("description", doc)
    return summary, schema if schema.get("properties") else {}


def _genai_schema(func: Callable[..., Any]) -> dict[str, Any] | None:
    try:
        from google.genai import types as gtypes
    except ImportError:  # google-genai is an optional extra
        return None
    log = logging.getLogger(gtypes.__name__.replace("google.genai", "google_genai"))
    was, log.disabled = log.disabled, True  # its once-per-process advice to use JSON Schema is not for us
    try:
        decl = gtypes.FunctionDeclaration.from_callable_with_api_option(
            callable=func, api_option="GEMINI_API"
        )
    finally:
        log.disabled = was
    if decl.parameters is None:
        # no parameters, or hints its OpenAPI path cannot express (it then gives a full JSON Schema, which is
        # outside the subset Gemini's ``parameters`` takes): our builder declares or refuses those
        return None if decl.parameters_json_schema is not None else {}
    return _lower(decl.parameters.model_dump(mode="json", exclude_none=True))


def _lower(schema: Mapping[str, Any]) -> dict[str, Any]:
    """google-genai's OpenAPI Schema (upper-case types) -> our lower-case subset."""
    out: dict[str, Any] = {}
    for k, v in schema.items():
        if k not in _KEEP:
            continue
        if k == "type":
            out[k] = str(v).lower()
        elif k == "items":
            out[k] = _lower(v)
        elif k == "properties":
            out[k] = {name: _lower(p) for name, p in v.items()}
        else:
            out[k] = v
    return out


def _inspect_schema(func: Callable[..., Any]) -> dict[str, Any]:
    sig = inspect.signature(func)
    hints = typing.get_type_hints(func)
    props: dict[str, Any] = {}
    required = []
    for name, p in sig.parameters.items():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        if name not in hints:
            raise TypeError(f"parameter {name!r} has no type hint")
        props[name] = _hint_schema(hints[name])
        if p.default is p.empty:
            required.append(name)
    out: dict[str, Any] = {"type": "object", "properties": props}
    if required:
        out["required"] = required
    return out


def _hint_schema(hint: Any) -> dict[str, Any]:
    if hint in _SIMPLE:
        return {"type": _SIMPLE[hint]}
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is typing.Literal and args and all(isinstance(a, str) for a in args):
        return {"type": "string", "enum": list(args)}
    if origin in (typing.Union, types.UnionType) and type(None) in args and len(args) == 2:
        inner = next(a for a in args if a is not type(None))
        return _hint_schema(inner) | {"nullable": True}
    if origin is list and len(args) == 1:
        return {"type": "array", "items": _hint_schema(args[0])}
    if hint is dict or origin is dict:
        return {"type": "object"}
    raise TypeError(f"type hint {hint!r} is not declarable")


def _docstring(doc: str) -> tuple[str, dict[str, str]]:
    """(the text before ``Args:``, {parameter: its description}) of a Google-style docstring."""
    head, sep, rest = doc.partition("\nArgs:\n")
    args: dict[str, str] = {}
    current, indent = "", 0
    for line in rest.splitlines() if sep else ():
        depth = len(line) - len(line.lstrip())
        if not line.strip():
            continue
        if depth == 0:
            break  # the next section (Returns:, Raises:)
        m = re.match(r"(\w+)(?:\s*\([^)]*\))?:\s*(.*)", line.strip())
        indent = indent or depth
        if m and depth == indent:
            current, args[m.group(1)] = m.group(1), m.group(2).strip()
        elif current:
            args[current] += " " + line.strip()
    return head.strip(), args


def check_binding(
    at: At, tool: str, func: Callable[..., Any], args: Mapping[str, Any], hint: str = ""
) -> None:
    """Refuse call arguments the function's signature cannot take (a ``$from`` reference counts as given)."""
    sig = inspect.signature(func)
    takes_any = any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values())
    names = [n for n, p in sig.parameters.items() if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    extra = [k for k in args if k != "request_id" and k not in names]
    if extra and not takes_any:  # named first: a misspelt argument also leaves a required one missing
        raise at.fail(
            f"{tool}(): unexpected argument {extra[0]!r}{did_you_mean(extra[0], names)} "
            f"(arguments: {', '.join(names) or 'none'}){hint}"
        )
    try:
        sig.bind(**{k: None for k in args if k != "request_id"})
    except TypeError as exc:
        raise at.fail(f"{tool}(): {exc}{hint}") from None


def declare_callable(func: Callable[..., Any], name: str = "", *, use_genai: bool = True) -> ToolDeclaration:
    """The declaration a model is given for ``func`` (what a ``python =`` tool gets), built by google-genai
    when it is installed and ``use_genai``, else by the ``inspect`` builder; ScenarioError when neither can."""
    label = f"{getattr(func, '__module__', '?')}:{getattr(func, '__qualname__', func)}"
    description, parameters = declare(At(label, "python"), func, use_genai=use_genai)
    return ToolDeclaration(name or getattr(func, "__name__", "tool"), description, parameters)
