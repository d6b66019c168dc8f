"""What the fake Gemini puts on the wire and what it checks, as pure functions of request bodies.

* Arguments made up from each declared parameter's schema (enum first, then a plausible value for common
  names, else one by type), so a client that relies on the model copying a hidden argument fails here as it
  would against a real model.
* Thought signatures as Gemini 3 sends them: one on the first ``functionCall`` part of a turn, derived from
  the turn's calls (so the fake stays stateless), checked on every later request: missing or changed -> 400.
* Call ids: a ``functionResponse`` must echo the id of a call the model made.
* Usage with thoughts, cached and tool-use prompt tokens; finish reasons on a chosen fraction of turns.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

JSON = dict[str, Any]

#: plausible values for parameter names that occur in the catalog and the source document
_EXAMPLES = {
    "location": "Madrid",
    "city": "Madrid",
    "unit": "celsius",
    "timezone": "Europe/Madrid",
    "symbol": "GOOG",
    "query": "pfcbench",
    "user_id": "u-42",
}
_SIGNATURE_SALT = b"pfcbench-fake-thought-signature"


def make_args(schema: Any, *, depth: int = 0) -> JSON:
    """An argument object for a declared ``parameters`` schema (either SDK's spelling of types)."""
    if not isinstance(schema, Mapping):
        return {}
    props = schema.get("properties") or {}
    return {name: _value(name, sub, depth) for name, sub in props.items() if isinstance(sub, Mapping)}


def _value(name: str, schema: Mapping[str, Any], depth: int) -> Any:
    variants = schema.get("anyOf") or schema.get("any_of")
    if isinstance(variants, list):  # ``int | None`` as google-genai declares it from a signature
        real = [v for v in variants if isinstance(v, Mapping) and _type_name(v.get("type")) != "NULL"]
        if real:
            return _value(name, real[0], depth)
    enum = schema.get("enum")
    if enum:
        return enum[0]
    kind = _type_name(schema.get("type"))
    if kind == "INTEGER":
        return 1
    if kind == "NUMBER":
        return 1.5
    if kind == "BOOLEAN":
        return True
    if kind == "ARRAY":
        items = schema.get("items")
        return [_value(name, items, depth + 1)] if isinstance(items, Mapping) and depth < 3 else []
    if kind == "OBJECT":
        return make_args(schema, depth=depth + 1) if depth < 3 else {}
    return _EXAMPLES.get(name, f"{name}-1")


_INT_TYPES = {1: "STRING", 2: "NUMBER", 3: "INTEGER", 4: "BOOLEAN", 5: "ARRAY", 6: "OBJECT"}


def _type_name(value: Any) -> str:
    if isinstance(value, int):
        return _INT_TYPES.get(value, "STRING")
    if isinstance(value, list):  # JSON schema ["string", "null"]
        value = next((v for v in value if v != "null"), "string")
    return str(value or "STRING").upper()


def declared_schemas(body: Mapping[str, Any]) -> dict[str, Any]:
    """Declared function name -> its parameters schema (``parameters`` or ``parametersJsonSchema``)."""
    out: dict[str, Any] = {}
    for tool in body.get("tools") or ():
        if not isinstance(tool, Mapping):
            continue
        for d in tool.get("functionDeclarations") or tool.get("function_declarations") or ():
            if isinstance(d, Mapping) and d.get("name"):
                out[str(d["name"])] = (
                    d.get("parameters") or d.get("parametersJsonSchema") or d.get("parameters_json_schema")
                )
    return out


def _canonical(value: Any) -> Any:
    """Numbers as the legacy SDK's protobuf Struct would give them back, so both spellings hash alike."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    return value


def signature_for(calls: Sequence[Mapping[str, Any]]) -> str:
    """The thought signature of a turn of calls: opaque to the client, recomputable by the fake."""
    blob = json.dumps(
        [[c.get("name"), _canonical(c.get("args") or {})] for c in calls], sort_keys=True
    ).encode()
    return base64.b64encode(hashlib.sha256(_SIGNATURE_SALT + blob).digest()[:24]).decode()


def _same_signature(got: Any, want: str) -> bool:
    """Signatures are bytes on the wire: a client may send them back in either base64 alphabet."""
    if not isinstance(got, str):
        return False
    try:
        return base64.urlsafe_b64decode(got.replace("+", "-").replace("/", "_")) == base64.b64decode(want)
    except ValueError:
        return False


def _contents(body: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    for content in body.get("contents") or ():
        if isinstance(content, Mapping):
            yield content


def _parts(content: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [p for p in content.get("parts") or () if isinstance(p, Mapping)]


def _call_of(part: Mapping[str, Any]) -> Mapping[str, Any] | None:
    fc = part.get("functionCall") or part.get("function_call")
    return fc if isinstance(fc, Mapping) else None


def check_history(body: Mapping[str, Any], *, signatures: bool, ids: bool) -> str | None:
    """Why Gemini 3 would refuse this request (a one-line 400 message), or None."""
    issued: set[str] = set()
    for content in _contents(body):
        parts = _parts(content)
        calls = [(p, fc) for p in parts if (fc := _call_of(p)) is not None]
        if calls and signatures:
            first = calls[0][0]
            got = first.get("thoughtSignature") or first.get("thought_signature")
            if not _same_signature(got, signature_for([fc for _, fc in calls])):
                what = "missing" if not got else "changed"
                return f"Function call is {what} a thought_signature in functionCall parts (turn of {calls[0][1].get('name')})."
        issued.update(str(fc["id"]) for _, fc in calls if fc.get("id"))
        if ids:
            for p in parts:
                fr = p.get("functionResponse") or p.get("function_response")
                if isinstance(fr, Mapping) and str(fr.get("id") or "") not in issued:
                    return f"functionResponse for {fr.get('name')!r} has no id matching a function call."
    return None


#: what a request sets besides contents and tools, in either SDK's spelling, by its camelCase name
_SETTINGS = {
    "systemInstruction": "system_instruction",
    "toolConfig": "tool_config",
    "generationConfig": "generation_config",
}


def request_settings(body: Mapping[str, Any]) -> JSON:
    """The request's system instruction, tool config and generation config as sent (camelCase keys)."""
    return {k: body[k] if k in body else body[s] for k, s in _SETTINGS.items() if k in body or s in body}


def asks_for_thoughts(body: Mapping[str, Any]) -> bool:
    """Whether the request's ``thinkingConfig`` sets ``includeThoughts`` (either SDK's spelling): without it
    Gemini sends no thought parts, and the legacy SDK, which cannot ask, must never get one."""
    gen = body.get("generationConfig") or body.get("generation_config") or {}
    thinking = (
        (gen.get("thinkingConfig") or gen.get("thinking_config") or {}) if isinstance(gen, Mapping) else {}
    )
    return isinstance(thinking, Mapping) and bool(
        thinking.get("includeThoughts") or thinking.get("include_thoughts")
    )


def roll(raw: bytes, salt: str, rate: float) -> bool:
    """A deterministic coin per (request body, salt): the server salts it with how often it has answered
    that body, so a retried request keeps its coin and identical queries of later trials draw new ones."""
    if rate <= 0:
        return False
    digest = hashlib.sha256(salt.encode() + raw).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < rate


def estimate_tokens(n_chars: int) -> int:
    # ≈ 4 characters per token is the usual rule of thumb for English/JSON.
    return max(1, math.ceil(n_chars / 4))


def usage(prompt: int, out: int, *, thoughts: int, cached: int, tool_prompt: int) -> JSON:
    """``usageMetadata`` as Gemini 2.5/3 sends it: the total counts thoughts and tool-use prompt tokens."""
    u: JSON = {"promptTokenCount": prompt, "candidatesTokenCount": out}
    if thoughts:
        u["thoughtsTokenCount"] = thoughts
    if cached:
        u["cachedContentTokenCount"] = min(cached, prompt)
    if tool_prompt:
        u["toolUsePromptTokenCount"] = tool_prompt
    u["totalTokenCount"] = prompt + out + thoughts + tool_prompt
    return u


def stream_pieces(parts: Sequence[JSON]) -> list[list[JSON]]:
    """How a turn is split across SSE chunks: thoughts first, then one chunk per function call (a
    parallel turn arrives call by call), text in one chunk."""
    thoughts = [p for p in parts if p.get("thought")]
    rest = [p for p in parts if not p.get("thought")]
    pieces = [thoughts] if thoughts else []
    calls = [p for p in rest if "functionCall" in p]
    pieces += [[p] for p in calls]
    others = [p for p in rest if "functionCall" not in p]
    if others or not pieces:
        pieces.append(others)
    return pieces
