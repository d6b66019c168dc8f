"""A tool's arguments: ``[tools.params.NAME]`` tables <-> a JSON-Schema object, and explicit call arguments
checked against it.

The schema is the OpenAPI subset Gemini accepts: lower-case ``type`` (string, integer, number, boolean, array,
object), ``description``, ``enum`` (strings), ``items`` (arrays), ``properties``/``required`` (objects),
``minimum``/``maximum`` (numbers) and ``nullable``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from scenarios._fields import At, check_bool, check_num, check_str, check_table, did_you_mean

TYPES = ("string", "integer", "number", "boolean", "array", "object")
_KEYS = {"type", "description", "enum", "required", "items", "properties", "minimum", "maximum", "nullable"}
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
#: what a value of each type must be in Python (bool is an int, so it is excluded from the numbers by hand)
_PY: dict[str, type | tuple[type, ...]] = {
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
    "array": list,
    "object": dict,
}


def parse_params(at: At, raw: Any) -> Mapping[str, Any]:
    """``params = {NAME = {type = ..., ...}, ...}`` -> ``{"type": "object", "properties", "required"}``;
    no params -> an empty mapping (the tool takes no arguments)."""
    if not raw:
        check_table(at, {} if raw is None else raw, set())
        return {}
    return _object(at, check_table(at, raw, set(raw)))


def _object(at: At, props: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    required = []
    for name, p in props.items():
        pat = at.key(name)
        if not _NAME.fullmatch(name):
            raise pat.fail("a parameter name must be a letter or _ then letters, digits or _ (at most 64)")
        out[name] = _param(pat, p)
        if "required" in p and check_bool(pat.key("required"), p["required"]):
            required.append(name)
    schema: dict[str, Any] = {"type": "object", "properties": out}
    if required:
        schema["required"] = required
    return schema


def _param(at: At, p: Any) -> dict[str, Any]:
    d = check_table(at, p, _KEYS, {"type"})
    kind = d["type"]
    if kind not in TYPES:
        raise at.key("type").fail(f"must be one of {', '.join(TYPES)}, got {kind!r}")
    out: dict[str, Any] = {"type": kind}
    if "description" in d:
        out["description"] = check_str(at.key("description"), d["description"])
    if "enum" in d:
        enum = d["enum"]
        if (
            kind != "string"
            or not isinstance(enum, list)
            or not enum
            or not all(isinstance(e, str) for e in enum)
        ):
            raise at.key("enum").fail("must be a non-empty list of strings, on a parameter of type string")
        out["enum"] = list(enum)
    for bound in ("minimum", "maximum"):
        if bound in d:
            if kind not in ("integer", "number"):
                raise at.key(bound).fail("is allowed only on a parameter of type integer or number")
            check_num(at.key(bound), d[bound])
            out[bound] = d[bound]  # as written: an integer bound stays an integer in the schema
    if "nullable" in d:
        out["nullable"] = check_bool(at.key("nullable"), d["nullable"])
    if kind == "array":
        if "items" not in d:
            raise at.fail('a parameter of type array needs items = { type = "..." }')
        if isinstance(d["items"], dict) and "required" in d["items"]:
            raise at.key("items").key("required").fail("is allowed only on a parameter or property")
        out["items"] = _param(at.key("items"), d["items"])
    elif "items" in d:
        raise at.key("items").fail("is allowed only on a parameter of type array")
    if "properties" in d:
        if kind != "object":
            raise at.key("properties").fail("is allowed only on a parameter of type object")
        props = check_table(at.key("properties"), d["properties"], set(d["properties"]))
        out |= {k: v for k, v in _object(at.key("properties"), props).items() if k != "type"}
    return out


def params_to_toml(schema: Mapping[str, Any]) -> dict[str, Any]:
    """The inverse of ``parse_params``: a schema -> the ``params`` table that loads back to it."""
    if not schema:
        return {}
    required = set(schema.get("required", ()))
    return {name: _param_to_toml(p, name in required) for name, p in schema.get("properties", {}).items()}


def _param_to_toml(p: Mapping[str, Any], required: bool | None) -> dict[str, Any]:
    out: dict[str, Any] = {k: v for k, v in p.items() if k not in ("items", "properties", "required")}
    if required:
        out["required"] = True
    if "items" in p:
        out["items"] = _param_to_toml(p["items"], None)
    if "properties" in p:
        out["properties"] = params_to_toml(p)
    return out


def check_args(
    at: At, tool: str, schema: Mapping[str, Any], args: Mapping[str, Any], *, complete: bool = True
) -> None:
    """Refuse explicit call arguments the tool does not declare, a value of the wrong type, or (when the
    arguments are meant to be ``complete``) a missing required one; a ``{"$from" = id}`` reference stands
    for any value (it is resolved at run time)."""
    if not schema:
        return  # a tool without declared parameters takes whatever its calls give it
    props: Mapping[str, Any] = schema.get("properties", {})
    for name, value in args.items():
        if name not in props:
            allowed = ", ".join(props) or "none"
            hint = did_you_mean(name, props)
            raise at.key(name).fail(f"{tool} has no argument {name!r}{hint} (arguments: {allowed})")
        problem = value_problem(props[name], value)
        if problem:
            raise at.key(name).fail(problem)
    for name in schema.get("required", ()) if complete else ():
        if name not in args:
            raise at.fail(f"missing required argument {name!r} of {tool}")


def value_problem(schema: Mapping[str, Any], v: Any) -> str | None:
    """Why ``v`` does not fit ``schema`` (one phrase), or None when it does."""
    if isinstance(v, dict) and "$from" in v:
        return None
    kind = schema.get("type", "string")
    if v is None and schema.get("nullable"):
        return None
    if not _is_a(v, kind):
        return f"must be of type {kind}, got {type(v).__name__} {v!r}"
    if "enum" in schema and v not in schema["enum"]:
        return f"must be one of {', '.join(schema['enum'])}, got {v!r}"
    if ("minimum" in schema and v < schema["minimum"]) or ("maximum" in schema and v > schema["maximum"]):
        return f"must be within [{schema.get('minimum', '-inf')}, {schema.get('maximum', 'inf')}], got {v!r}"
    if kind == "array":
        return next(filter(None, (value_problem(schema["items"], x) for x in v)), None)
    if kind == "object" and "properties" in schema:
        props = schema["properties"]
        unknown = [k for k in v if k not in props]
        if unknown:
            return f"has no key {unknown[0]!r} (keys: {', '.join(props) or 'none'})"
        missing = [k for k in schema.get("required", ()) if k not in v]
        if missing:
            return f"misses required key {missing[0]!r}"
        return next(filter(None, (value_problem(props[k], x) for k, x in v.items())), None)
    return None


def _is_a(v: Any, kind: str) -> bool:
    # a separate function, so the caller's ``v`` keeps its type for the checks that follow
    return (kind == "boolean" or not isinstance(v, bool)) and isinstance(v, _PY[kind])
