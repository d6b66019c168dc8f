"""The results line contract as the reader enforces it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reports import CallRecord, SchemaError, TrialRecord, parse_record, read_results

CALL = CallRecord("c0", "t", 0.1, 0.0, 0.1, "ok", 1, None, ("c1",), 0.01, 0.002)
RECORD = TrialRecord("r", "s", "e", 0, 1, 1.0, 0.2, 0.1, 0.1, (CALL,))


def _line(**call_changes: object) -> str:
    d = json.loads(RECORD.to_json())
    d["calls"][0].update(call_changes)
    return json.dumps({**d, "calls": [{k: v for k, v in d["calls"][0].items() if v is not ...}]})


def test_a_call_reads_back_field_by_field() -> None:
    """Every call field, optional ones included, survives a write and a read."""
    assert parse_record(RECORD.to_json()) == RECORD


def test_optional_call_fields_take_their_defaults() -> None:
    """A call without error, after, wait_s and arrived_s reads with the defaults."""
    (c,) = parse_record(_line(error=..., after=..., wait_s=..., arrived_s=...)).calls
    assert (c.error, c.after, c.wait_s, c.arrived_s) == (None, (), 0.0, None)


def test_a_calls_wire_id_is_written_only_when_the_model_gave_one() -> None:
    """``wire_id`` (schema 2, optional) survives a write and a read; a call without one writes no key."""
    import dataclasses

    named = dataclasses.replace(RECORD, calls=(dataclasses.replace(CALL, wire_id="fc_7"),))
    assert parse_record(named.to_json()) == named
    assert json.loads(named.to_json())["calls"][0]["wire_id"] == "fc_7"
    assert "wire_id" not in json.loads(RECORD.to_json())["calls"][0]


@pytest.mark.parametrize(("change", "says"), [({"colour": "red"}, "colour"), ({"tool": ...}, "tool")])
def test_unknown_or_missing_call_fields_are_refused(change: dict[str, object], says: str) -> None:
    """A call with a field the contract does not have, or without a required one, is a SchemaError."""
    with pytest.raises(SchemaError, match=says):
        parse_record(_line(**change))


def test_read_results_counts_bad_lines_instead_of_raising(tmp_path: Path) -> None:
    """One good line, one with an unknown call field and a torn tail: 1 record, 1 invalid, 1 torn."""
    path = tmp_path / "results.jsonl"
    path.write_text(RECORD.to_json() + "\n" + _line(colour="red") + "\n" + RECORD.to_json()[:40])
    got = read_results(path)
    assert (len(got.records), got.invalid, got.torn) == (1, 1, 1)
