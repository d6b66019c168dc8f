"""The typed ``session`` part of a record: each kind writes schema 1's keys and reads back to itself."""

from __future__ import annotations

import json

import pytest

from reports import (
    NO_SESSION,
    AfcSession,
    CallRecord,
    LoadQuery,
    ModelSession,
    Session,
    TrialRecord,
    TurnSpan,
    parse_record,
)

TURN = TurnSpan(0, 0.0, 0.1, 0.1, 0.09, 12, 3, 1, 0.0, ("c0", "c1"), 0.2, False)
MODEL = ModelSession(
    mode="parallel",
    turns=(TURN,),
    n_turns=1,
    model_s=0.1,
    tool_s=0.2,
    overhead_s=0.01,
    model_latency_s=0.09,
    tokens_in=12,
    tokens_out=3,
    cost_usd=None,
    price_model="m",
    prices_read_on="2026-11-01",
    answered=True,
    max_turns_hit=False,
    remapped_calls=0,
    unmapped_calls=0,
    failed_calls=0,
    missing_calls=0,
)
AFC = AfcSession("parallel", 2, 0.3, 0.2, 10, 4, 1e-6, "m", "2026-11-01", "google-genai 1.0", 0, 0)

#: the keys schema 1 wrote for each kind, in order (docs/results-schema.md)
MODEL_KEYS = [
    "mode", "turns", "n_turns", "model_s", "tool_s", "overhead_s", "model_latency_s", "tokens_in",
    "tokens_out", "cost_usd", "price_model", "prices_read_on", "answered", "max_turns_hit",
    "remapped_calls", "unmapped_calls", "failed_calls", "missing_calls",
]  # fmt: skip
AFC_KEYS = [
    "mode", "turns", "n_turns", "model_s", "tool_s", "overhead_s", "tokens_in", "tokens_out", "cost_usd",
    "price_model", "prices_read_on", "answered", "sdk", "note", "failed_calls", "missing_calls",
]  # fmt: skip
TURN_KEYS = [
    "turn", "start_s", "end_s", "model_s", "latency_s", "tokens_in", "tokens_out", "attempts", "waited_s",
    "calls", "tool_s", "text",
]  # fmt: skip
#: what issue 12 (Gemini 2.5 / 3 in the loop) adds after them: optional on reading, so older files still read
MODEL_ADDED = [
    "status", "tokens_thoughts", "tokens_cached", "tokens_tool_prompt", "price_note", "error", "stream_saved_s",
]  # fmt: skip
AFC_ADDED = [
    "status", "tokens_thoughts", "tokens_cached", "tokens_tool_prompt", "price_note", "error", "unmapped_calls",
]  # fmt: skip
TURN_ADDED = ["tokens_thoughts", "tokens_cached", "tokens_tool_prompt", "finish_reason"]


def _record(session: Session) -> TrialRecord:
    call = CallRecord("c0", "t", 0.1, 0.0, 0.1, "ok", 1)
    return TrialRecord("r", "s", "e", 0, 1, 1.0, 0.2, 0.1, 0.1, (call,), model="m", session=session)


@pytest.mark.parametrize("session", [NO_SESSION, MODEL, AFC, LoadQuery(7, "shared")])
def test_every_kind_reads_back_to_itself(session: Session) -> None:
    """A record's JSON line parses back to an equal record, its session of the same kind."""
    rec = _record(session)
    back = parse_record(rec.to_json())
    assert back == rec and type(back.session) is type(session)


def test_json_keys_are_schema_1s() -> None:
    """Model and AFC sessions write the keys (and order) schema 1 wrote, then issue 12's; a plain record
    writes ``{}``; a schema-1 session without the new keys still reads."""
    model = json.loads(_record(MODEL).to_json())["session"]
    assert list(model) == MODEL_KEYS + MODEL_ADDED and list(model["turns"][0]) == TURN_KEYS + TURN_ADDED
    assert model["turns"][0]["calls"] == ["c0", "c1"]
    afc = json.loads(_record(AFC).to_json())["session"]
    assert list(afc) == AFC_KEYS + AFC_ADDED and afc["turns"] == [] and afc["answered"] is True
    assert json.loads(_record(NO_SESSION).to_json())["session"] == {}
    old = json.loads(_record(MODEL).to_json())
    old["session"] = {k: old["session"][k] for k in MODEL_KEYS}
    old["session"]["turns"] = [{k: t[k] for k in TURN_KEYS} for t in old["session"]["turns"]]
    assert parse_record(json.dumps(old)).session == MODEL
