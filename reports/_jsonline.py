"""One line of a JSON-lines file, parsed for a reader that answers bad input in one line: where, what.

results.jsonl, a history export and an OTLP trace are each read a line at a time; each reader raises its own
error class, so the parse takes the class and the place and words the refusal the same way for all of them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any


def parse_json(text: str, where: str, error: Callable[[str], Exception], *, hint: str = "") -> Any:
    """``text`` as JSON, or ``error("<where>: not JSON (<the decoder's reason>)<hint>")``."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise error(f"{where}: not JSON ({exc.msg}){hint}") from None


def json_object(
    text: str, where: str, error: Callable[[str], Exception], *, what: str = "each line must be a JSON object"
) -> dict[str, Any]:
    """``text`` as a JSON object: ``parse_json``, then ``error("<where>: <what>")`` for any other value."""
    obj = parse_json(text, where, error)
    if not isinstance(obj, dict):
        raise error(f"{where}: {what}")
    return obj
