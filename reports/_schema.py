"""The results-file contract: what one line of ``results.jsonl`` holds, read and written in one place.

Other tools read these files (``shared/tools/check_results.py``, the gate, spreadsheets), so field names
are stable and the schema is versioned. History:

- 1 (2026-11): first version. One line per (scenario, trial, executor); times are wall seconds as run
  (already multiplied by ``time_scale``), relative to the start of that record's run.
  Later in 1 (2026-11): optional ``origin_unix_s`` (that start as unix seconds; 0.0 when absent), so
  otel.json can give spans absolute times. Files without it read as before.
- 2 (2026-12): a call of a real tool (Python or HTTP) carries no plan: ``source`` says which kind of tool
  answered it (``python``, ``http``; absent for ``simulated``), its ``planned_latency_s`` is 0 and the
  scenario's guess, if any, is ``expected_latency_s``. Its record's ``lower_bound_s`` and ``ideal_s`` are
  built from the calls' own measured durations. Schema 1 files still read (every call simulated).
  Also in 2: optional ``wire_id`` on a call, the id the model gave it on the wire (Gemini 3's
  ``functionCall.id``); absent when the model gave none. Files without it read as before.
  Later in 2: optional ``attempt_starts_s`` and ``attempt_statuses`` per call that made more than one
  attempt (each attempt's start and status), so a retried 429 is not read as a start over quota and the
  429s can be counted. Files without them read as before (one attempt per call, at ``start_s``).

The version is one constant, :data:`SCHEMA_VERSION`; a change adds a line above and the number to
:data:`READABLE_SCHEMAS` (every older version whose files still parse).

Document milliseconds, the unit of the source document's table, are ``seconds / time_scale * 1000``.
See ``docs/results-schema.md`` for the field table.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from reports._jsonline import json_object
from reports._sessions import NO_SESSION, Session, session_from_json

SCHEMA_VERSION = 2
#: versions whose lines this pfcbench reads (new fields are optional, so older files read unchanged)
READABLE_SCHEMAS = frozenset({1, SCHEMA_VERSION})

#: ``CallRecord.source`` of a call the plan's sleep answered; the others are a real tool's kind
SIMULATED = "simulated"

#: Labels of the machine-floor references (bench._raw): each trial's plan run by a bare ``asyncio.gather``
#: and a bare thread pool. Recorded like executors, but they are references, not executors: reports and
#: gates keep them out of executor tables, rankings and thresholds.
RAW_ASYNCIO = "raw-asyncio"
RAW_THREADS = "raw-threads"
RAW_LABELS = (RAW_ASYNCIO, RAW_THREADS)


def is_raw(label: str) -> bool:
    """Whether a record's ``executor`` label is a raw reference rather than an executor."""
    return label in RAW_LABELS


#: A streamed model run (``--stream``) also runs each executor's query without streaming, in the same trial
#: and interleaved with it, under the executor's label plus this suffix: the measured side of the saving.
WHOLE_TURN_SUFFIX = "~whole-turn"


def whole_turn_twin(label: str) -> str:
    """The label of ``label``'s twin that waits for the whole model turn before starting its calls."""
    return label + WHOLE_TURN_SUFFIX


def streamed_label(label: str) -> str | None:
    """The streamed executor a whole-turn twin's label stands beside, or None for any other label."""
    return label.removesuffix(WHOLE_TURN_SUFFIX) if label.endswith(WHOLE_TURN_SUFFIX) else None


#: Call statuses an executor may report. ``abandoned``: a sync tool that never returned (a thread
#: cannot be killed); ``fallback``: the call failed and a configured fallback value was used.
CALL_STATUSES = (
    "ok",
    "error",
    "timeout",
    "rate_limited",
    "cancelled",
    "abandoned",
    "fallback",
    "skipped",
)


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One tool call as it ran."""

    id: str
    tool: str
    planned_latency_s: float
    start_s: float
    end_s: float
    status: str
    attempts: int
    error: str | None = None
    after: tuple[str, ...] = ()
    #: time spent waiting for a client-side limiter before the first attempt started
    wait_s: float = 0.0
    #: when the model's call arrived (streamed sessions: its chunk), same clock as start_s; None otherwise
    arrived_s: float | None = None
    #: which kind of tool answered: ``simulated`` (slept ``planned_latency_s``), ``python`` or ``http``
    #: (real work: no plan, ``planned_latency_s`` is 0, the measured span is the truth)
    source: str = SIMULATED
    #: a real tool's declared ``latency`` drawn for this call (wall s): what the user expected, never a bound
    expected_latency_s: float | None = None
    #: the id the model gave this call on the wire (Gemini 3's ``functionCall.id``); None when it gave none
    wire_id: str | None = None
    #: when a call made more than one attempt: each attempt's start (same clock as start_s) and status, in
    #: turn; () otherwise. A ``rate_limited`` attempt was refused by the server: it started nothing
    attempt_starts_s: tuple[float, ...] = ()
    attempt_statuses: tuple[str, ...] = ()

    @property
    def real(self) -> bool:
        """Whether a real tool answered (its duration is a measurement, not a plan)."""
        return self.source != SIMULATED


@dataclass(frozen=True, slots=True)
class TrialRecord:
    """One (scenario, trial, executor) measurement: one line of results.jsonl."""

    run_id: str
    scenario: str
    executor: str
    trial: int
    seed: int
    time_scale: float
    makespan_s: float
    lower_bound_s: float
    ideal_s: float
    calls: tuple[CallRecord, ...]
    model: str = "none"
    #: fingerprint of the scenario definition: runs whose fingerprints differ are not compared
    scenario_hash: str = ""
    #: position of this executor in the trial's shuffled order (drift shows up here)
    order: int = 0
    #: sum and max of the planned first-attempt latencies, wall seconds
    planned_sum_s: float = 0.0
    planned_max_s: float = 0.0
    #: what kind of query this was and its spans (model time, turns, tokens); ``{}`` when model == "none"
    session: Session = NO_SESSION
    schema: int = SCHEMA_VERSION
    #: wall-clock time (unix seconds) of the record's time origin (``start_s = 0``), for traces (otel.json);
    #: 0.0 in records written before the field existed
    origin_unix_s: float = 0.0

    def to_json(self) -> str:
        # A shallow field copy: asdict() would deep-copy every call only for us to replace them (~1 ms/record).
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        d["calls"] = [_call_json(c) for c in self.calls]
        d["session"] = self.session.to_json()
        return json.dumps(d, separators=(",", ":"), sort_keys=False)


def _call_json(c: CallRecord) -> dict[str, Any]:
    d = {f.name: getattr(c, f.name) for f in fields(c)}
    d["after"] = list(c.after)
    if c.arrived_s is None:
        del d["arrived_s"]  # only streamed sessions know when a call arrived
    if c.source == SIMULATED:
        del d["source"]  # the common case stays as compact as schema 1
    if c.expected_latency_s is None:
        del d["expected_latency_s"]
    if c.wire_id is None:
        del d["wire_id"]  # no model, or one that names no calls
    if c.attempt_starts_s:
        d["attempt_starts_s"], d["attempt_statuses"] = list(c.attempt_starts_s), list(c.attempt_statuses)
    else:
        del d["attempt_starts_s"], d["attempt_statuses"]
    return d


class SchemaError(ValueError):
    """A results line that does not follow the contract."""


def parse_record(line: str, *, where: str = "results.jsonl") -> TrialRecord:
    """One JSON line -> TrialRecord; refuses unknown schema versions and missing or unknown fields."""
    d = json_object(line, where, SchemaError, what="a record must be a JSON object")
    version = d.get("schema")
    if version not in READABLE_SCHEMAS:
        readable = ", ".join(map(str, sorted(READABLE_SCHEMAS)))
        raise SchemaError(f"{where}: schema {version!r} is not supported (this pfcbench reads {readable})")
    try:
        calls = tuple(map(_call_record, d.pop("calls")))
        return TrialRecord(**{**d, "calls": calls, "session": session_from_json(d.get("session", {}))})
    except (TypeError, KeyError, AttributeError) as exc:
        raise SchemaError(f"{where}: {exc}") from None


_CALL_FIELDS = frozenset(CallRecord.__dataclass_fields__)


def _call_record(c: dict[str, Any]) -> CallRecord:
    """A call by position: a report reads tens of thousands, and keyword unpacking of a merged dict took a
    third of the reading time. Unknown keys are refused here as ``CallRecord(**c)`` would refuse them."""
    if not c.keys() <= _CALL_FIELDS:
        raise TypeError(f"unexpected call field(s): {', '.join(sorted(c.keys() - _CALL_FIELDS))}")
    if len(c.get("attempt_starts_s", ())) != len(c.get("attempt_statuses", ())):
        raise TypeError("attempt_starts_s and attempt_statuses differ in length")
    return CallRecord(
        c["id"], c["tool"], c["planned_latency_s"], c["start_s"], c["end_s"], c["status"], c["attempts"],
        c.get("error"), tuple(c.get("after", ())), c.get("wait_s", 0.0), c.get("arrived_s"),
        c.get("source", SIMULATED), c.get("expected_latency_s"), c.get("wire_id"),
        tuple(c.get("attempt_starts_s", ())), tuple(c.get("attempt_statuses", ())),
    )  # fmt: skip


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """The garbage collector off for the block, then as it was. Reading builds ~10 objects per call and
    none of them cyclic: the collector's passes over a growing heap took 40% of a 10,000-record read."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def read_records(path: str | os.PathLike[str]) -> list[TrialRecord]:
    """All complete records of a results file. A torn last line (a crash mid-write) is ignored."""
    return list(iter_records(path))


def iter_records(path: str | os.PathLike[str]) -> Iterator[TrialRecord]:
    p = Path(path)
    with p.open(encoding="utf-8") as fh:
        lines = fh.read().split("\n")
    # Only the last line can be torn: every record is written in one call ending with "\n".
    complete, tail = lines[:-1], lines[-1]
    for i, line in enumerate(complete, 1):
        if line.strip():
            yield parse_record(line, where=f"{p}:{i}")
    del tail


@dataclass(frozen=True, slots=True)
class ResultsFile:
    """What a reader that must not stop at a bad line (report, gate) got from a results file."""

    records: tuple[TrialRecord, ...]
    #: a last line without its newline: a process killed mid-write
    torn: int = 0
    #: complete lines that are not records (not JSON, another schema, missing fields)
    invalid: int = 0
    #: the first invalid line's one-line reason
    first_error: str | None = None

    def problems(self, meta: Mapping[str, Any]) -> list[str]:
        """One line per reason the records may not be the whole run: dropped lines, and a count other
        than the one run.json recorded when the run completed (``meta`` is run.json, or {})."""
        out = []
        if self.torn:
            out.append("dropped 1 torn last line (a write cut short)")
        if self.invalid:
            out.append(f"dropped {self.invalid} invalid line(s); the first: {self.first_error}")
        expected = meta.get("records")
        if isinstance(expected, int) and expected != len(self.records):
            out.append(
                f"run.json says {expected} records, results.jsonl holds {len(self.records)} readable ones"
            )
        return out


def read_results(path: str | os.PathLike[str]) -> ResultsFile:
    """Every readable record of a results file, counting (not raising on) torn and invalid lines."""
    p = Path(path)
    with p.open(encoding="utf-8", errors="replace") as fh:
        lines = fh.read().split("\n")
    records, invalid, first = [], 0, None
    with collector_paused():
        for i, line in enumerate(lines[:-1], 1):
            if not line.strip():
                continue
            try:
                records.append(parse_record(line, where=f"{p}:{i}"))
            except SchemaError as exc:
                invalid += 1
                first = first or str(exc).splitlines()[0]
    return ResultsFile(tuple(records), int(bool(lines[-1].strip())), invalid, first)


class ResultsWriter:
    """Appends records to results.jsonl, one write and one fsync per record, so a crash loses nothing; a
    write that fails (a full disk, an interrupt mid-line) is cut back, so the file holds whole records only."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        _drop_torn_tail(self.path)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def write(self, record: TrialRecord) -> None:
        data = memoryview((record.to_json() + "\n").encode("utf-8"))
        at = os.lseek(self._fd, 0, os.SEEK_END)
        try:
            while data:
                data = data[os.write(self._fd, data) :]
        except BaseException:
            # half a line: truncating needs no space, so even a full disk keeps the file to whole records
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, at)
            raise
        os.fsync(self._fd)  # the line is whole: an interrupt from here on keeps it

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> ResultsWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _drop_torn_tail(path: Path) -> None:
    """Cut a partial last line left by a killed process, so appending keeps one record per line."""
    if not path.exists():
        return
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        path.write_bytes(data[: data.rfind(b"\n") + 1])


def write_json_atomic(path: str | os.PathLike[str], obj: Mapping[str, Any] | Sequence[Any]) -> None:
    """Write JSON to a temp file and rename it: a reader never sees half a file."""
    write_text_atomic(path, json.dumps(obj, indent=2, sort_keys=True) + "\n")


def write_text_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to a temp file beside ``path``, flush it to disk and rename it over ``path``: a reader
    sees the old file or the new one, never half of one, and a failed write (a full disk, an interrupt)
    leaves no temp file behind. The temp name is unique, so two writers never share one."""
    write_bytes_atomic(path, text.encode("utf-8"))


def _mode_of(p: Path) -> int:
    try:
        return p.stat().st_mode & 0o777
    except OSError:
        return 0o644


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """``write_text_atomic`` for bytes."""
    p = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), _mode_of(p))  # mkstemp's 0600 would hide a results file from its readers
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, p)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
