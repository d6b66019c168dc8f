"""The price table: USD per million tokens by the API's model names, each row with its source and date.

A dated or preview-suffixed name (``gemini-2.5-flash-001``, ``gemini-3-flash-preview-12-2025``) is billed
at its family's row and says so; a model with no row costs ``None`` ("unknown"), never 0.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_SUFFIXES = (
    (re.compile(r"-(?:\d{3}|\d{2}-\d{4}|\d{4}-\d{2}-\d{2}|\d{2}-\d{2}|latest)$"), ""),  # dated / pinned
    (re.compile(r"-preview-.*$"), "-preview"),  # -preview-MM-YYYY -> -preview
    (re.compile(r"-preview$"), ""),  # a preview of a family with a GA row
)


@dataclass(frozen=True, slots=True)
class PriceRow:
    input: float
    output: float  # thinking included
    cached: float | None = None
    input_over: float | None = None
    output_over: float | None = None
    cached_over: float | None = None
    source: str = ""
    read_on: str = ""


@dataclass(frozen=True, slots=True)
class Bill:
    usd: float | None
    row: str | None  # the price row used
    note: str | None  # a family fallback, or why there is no cost
    read_on: str


@dataclass(frozen=True, slots=True)
class PriceTable:
    rows: Mapping[str, PriceRow]
    default_model: str
    tier_tokens: int = 200_000

    @property
    def read_on(self) -> str:
        return ", ".join(sorted({r.read_on for r in self.rows.values()} - {""}))

    def row_for(self, model: str) -> tuple[str | None, str | None]:
        """(row name, note): the exact row, else its family's (noted), else (None, why)."""
        if model in self.rows:
            return model, None
        name = model
        for pattern, repl in _SUFFIXES:
            name = pattern.sub(repl, name)
            if name in self.rows:
                return name, f"{model} priced as {name} (family row)"
        return None, f"no price row for {model}: cost unknown"

    def cost(self, model: str, tokens_in: int, tokens_out: int) -> float | None:
        return self.bill(model, [{"tokens_in": tokens_in, "tokens_out": tokens_out}]).usd

    def bill(self, model: str, turns: Sequence[Mapping[str, Any]]) -> Bill:
        """What a conversation costs, turn by turn (the >200k tier is decided per request)."""
        name, note = self.row_for(model)
        if name is None:
            return Bill(None, None, note, "")
        row = self.rows[name]
        usd = sum(self._turn(row, t) for t in turns)
        return Bill(usd, name, note, row.read_on)

    def _turn(self, row: PriceRow, t: Mapping[str, Any]) -> float:
        prompt = int(t.get("tokens_in") or 0)
        cached = min(int(t.get("tokens_cached") or 0), prompt)
        tool_prompt = int(t.get("tokens_tool_prompt") or 0)
        out = int(t.get("tokens_out") or 0) + int(t.get("tokens_thoughts") or 0)
        over = prompt + tool_prompt > self.tier_tokens
        rin = row.input_over if over and row.input_over is not None else row.input
        rout = row.output_over if over and row.output_over is not None else row.output
        rcached = row.cached_over if over and row.cached_over is not None else row.cached
        if rcached is None:
            rcached = rin
        return ((prompt - cached + tool_prompt) * rin + cached * rcached + out * rout) / 1e6


def load_prices(path: Path | None = None) -> PriceTable:
    p = path or Path(__file__).with_name("prices.toml")
    data = tomllib.loads(p.read_text(encoding="utf-8"))

    def opt(v: Mapping[str, Any], key: str) -> float | None:
        return float(v[key]) if key in v else None

    rows = {
        name: PriceRow(
            input=float(v["input_per_mtok"]),
            output=float(v["output_per_mtok"]),
            cached=opt(v, "cached_per_mtok"),
            input_over=opt(v, "input_over_200k_per_mtok"),
            output_over=opt(v, "output_over_200k_per_mtok"),
            cached_over=opt(v, "cached_over_200k_per_mtok"),
            source=str(v.get("source", "")),
            read_on=str(v.get("read_on", "")),
        )
        for name, v in data.get("models", {}).items()
    }
    return PriceTable(rows, str(data.get("default_model", "")), int(data.get("tier_tokens", 200_000)))
