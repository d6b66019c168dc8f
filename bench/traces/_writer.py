"""A fitted scenario -> its TOML file, written by tomlkit (every string escaped by a real serializer; the
explanatory comments kept), checked as data before it replaces anything, and moved into place atomically.

Trace text is data, never code: a fitted scenario names only simulated tools (never ``python`` or ``http``),
and the check parses the written text's *data* with the scenario parser, which imports nothing for a
simulated tool. A scenario that fails the check is refused in one line and the existing ``--out`` is kept."""

from __future__ import annotations

import math
import os
import re
import tempfile
import tomllib
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.items import Table

from bench.traces._otlp import TraceError
from scenarios import ScenarioError, parse_scenarios

#: keys that make a tool run real code: a fitted scenario never has them (the user may add them by hand)
_CODE_KEYS = ("python", "http")


def comment(text: str) -> Any:
    """A TOML comment whose text cannot end the comment: control characters are shown escaped."""
    return tomlkit.comment(printable(text))


def printable(text: str) -> str:
    """``text`` with every control or format character (newline, NUL, bidi overrides) as ``\\uXXXX``."""
    return "".join(f"\\u{ord(c):04x}" if unicodedata.category(c) in ("Cc", "Cf") else c for c in text)


def number(x: float) -> float | int:
    """Six significant digits, as the comments print them; a non-finite value cannot be a scenario's."""
    if not math.isfinite(x):
        raise TraceError(f"pfcbench fit: a fitted value is {x}; refusing to write it")
    v = float(f"{x:.6g}")
    return int(v) if v.is_integer() and abs(v) < 2**53 else v


def inline(d: Mapping[str, Any]) -> Any:
    """An inline table, numbers to six significant digits (a mixture's components too)."""
    t = tomlkit.inline_table()
    for k, v in d.items():
        if isinstance(v, list):
            t[k] = [inline(x) if isinstance(x, Mapping) else x for x in v]
        else:
            t[k] = number(v) if isinstance(v, float) else v
    return t


def table(comments: list[str], items: Mapping[str, Any]) -> Table:
    t = tomlkit.table()
    for c in comments:
        t.add(comment(c))
    for k, v in items.items():
        t[k] = v
    return t


def slug(s: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", s).strip("_.") or "tool"


def check_data(text: str, out: Path, base: Path, tools: set[str]) -> None:
    """Parse ``text`` as the scenario parser does (from ``base``, where its CSVs are) and refuse anything but
    the fitted, simulated tools. Raises TraceError (one line) when the text is not what was fitted."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TraceError(
            f"pfcbench fit: the scenario for {out} is not valid TOML ({exc}); not written"
        ) from None
    raw = data.get("tools")
    named = {str(t.get("name")) for t in raw if isinstance(t, dict)} if isinstance(raw, list) else set()
    code = [str(t.get("name")) for t in raw or [] if isinstance(t, dict) and set(_CODE_KEYS) & set(t)]
    if code or named != tools:
        raise TraceError(
            f"pfcbench fit: the scenario for {out} does not hold exactly the fitted simulated tools "
            f"(python/http tools: {code!r}); not written"
        )
    try:
        parse_scenarios(data, str(out), base)  # no python/http key: nothing is imported
    except ScenarioError as exc:
        raise TraceError(
            f"pfcbench fit: the scenario it fitted cannot be read back: {exc}; not written"
        ) from None


def write_checked(out: Path, text: str, csvs: Mapping[str, str], tools: set[str]) -> list[Path]:
    """Write ``text`` and its CSVs into a temporary directory beside ``out``, check them there, then move
    each into place with ``os.replace`` (CSVs first, the scenario last): a refused or failed fit leaves any
    existing file whole. Returns the paths written."""
    out = out.absolute()
    with tempfile.TemporaryDirectory(prefix=f".{out.name}.", dir=out.parent) as tmp:
        stage = Path(tmp)
        for name, body in csvs.items():
            (stage / name).write_text(body, encoding="utf-8")
        (stage / out.name).write_text(text, encoding="utf-8")
        check_data(text, out, stage, tools)
        written = []
        for name in csvs:
            os.replace(stage / name, out.with_name(name))
            written.append(out.with_name(name))
        os.replace(stage / out.name, out)
    return [out, *written]
