"""Flags that name nothing, ports that cannot be, files that cannot be written: one line, exit 2, and the
flag at fault named; the load generator's default cap keeps its threads bounded."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import pytest

from bench.cli import build_parser
from bench.load import DEFAULT_CONCURRENCY_CAP, QueryOutcome, run_load
from tests.hostile._cli import assert_one_line, pfcbench

BAD_FLAGS = [
    (["run", "--scenario", "doc-3apis", "--hedge-ms", "zzz=5"], "--hedge-ms zzz=...: no scenario of this run"),
    (["run", "--scenario", "doc-3apis", "--fallback", "zzz=1"], "--fallback zzz=...: no scenario of this run"),
    (["run", "--scenario", "doc-3apis", "--fallback", "get_time=1", "--hedge-ms", "nope=3"], "'nope'"),
    (["serve-apis", "--scenario", "doc-3apis", "--port", "99999"], "--port: must be a port number 0..65535"),
    (["serve-apis", "--scenario", "doc-3apis", "--port", "-1"], "--port: must be a port number 0..65535"),
    (["serve-gemini", "--scenario", "doc-3apis", "--port", "70000"], "--port: must be a port number 0..65535"),
    (["serve-gemini", "--scenario", "doc-3apis", "--port-file", "/proc/nope/port"], "--port-file /proc/nope"),
    (["load", "--scenario", "doc-3apis", "--rate", "1", "--concurrency-cap", "0"], "--concurrency-cap: must be"),
    (["run", "--scenario", "doc-3apis", "--max-wall-s", "-1"], "--max-wall-s: must be a number > 0"),
]  # fmt: skip


@pytest.mark.parametrize(("argv", "fragment"), BAD_FLAGS, ids=[" ".join(a[:1] + a[3:]) for a, _ in BAD_FLAGS])
def test_bad_flag_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], fragment: str
) -> None:
    """Each bad flag exits 2 with one line naming that flag (not another one)."""
    needs_out = argv[0] in ("run", "load")
    code, _, err = pfcbench([*argv, *(["--out", tmp_path / "out"] if needs_out else [])], capsys)
    assert_one_line(code, err, fragment)


def test_port_in_use_blames_the_port(capsys: pytest.CaptureFixture[str]) -> None:
    """serve-apis on a port another socket holds: one line naming --port, no banner, no traceback."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        code, out, err = pfcbench(["serve-apis", "--scenario", "doc-3apis", "--port", port], capsys)
    assert_one_line(code, err, f"--port {port}: cannot listen on 127.0.0.1")
    assert "serving" not in out


def test_an_unforeseen_error_is_still_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A failure no command anticipated exits 2 with one line (its type and first line), not a traceback."""
    import bench.cli._list as cli_list

    def boom(ns: object) -> int:
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(cli_list, "handle", boom)
    code, _, err = pfcbench(["list"], capsys)
    assert_one_line(code, err, "RuntimeError: boom (set PFCBENCH_TRACEBACK=1")


def test_load_has_a_default_cap() -> None:
    """`pfcbench load` caps queries in flight by default, at the library's documented figure."""
    ns = build_parser().parse_args(["load", "--scenario", "x", "--rate", "1", "--out", "o"])
    assert ns.concurrency_cap == DEFAULT_CONCURRENCY_CAP == 256


def test_capped_load_keeps_its_threads_at_the_cap() -> None:
    """200 queries arriving at once under a cap of 4 use 4 worker threads, all queries recorded once."""
    seen: list[int] = []
    before = threading.active_count()

    def query(i: int) -> QueryOutcome:
        seen.append(threading.active_count())
        time.sleep(0.001)
        return QueryOutcome("ok")

    records: list[int] = []
    result = run_load(
        [0.0] * 200, query, concurrency_cap=4, drain_timeout_s=20, on_record=lambda r: records.append(r.index)
    )
    assert [r.status for r in result.records] == ["ok"] * 200
    assert sorted(records) == list(range(200))
    assert max(seen) <= before + 4


def test_capped_load_past_its_hard_stop_records_each_query_once() -> None:
    """Queries still queued at the hard stop are `unfinished`, and none is written twice afterwards."""
    records: list[int] = []

    def query(i: int) -> QueryOutcome:
        time.sleep(0.05)
        return QueryOutcome("ok")

    result = run_load(
        [0.0] * 40,
        query,
        concurrency_cap=2,
        drain_timeout_s=0.12,
        on_record=lambda r: records.append(r.index),
    )
    time.sleep(0.2)  # the busy workers finish after the hard stop: their records must not be emitted again
    statuses = [r.status for r in result.records]
    assert "unfinished" in statuses and "ok" in statuses
    assert sorted(records) == list(range(40))


def test_a_large_cap_starts_only_the_workers_the_load_needs() -> None:
    """A cap of 10,000 with 20 queries one at a time starts a handful of workers, not 10,000 threads."""
    before = threading.active_count()
    peak: list[int] = []

    def query(i: int) -> QueryOutcome:
        peak.append(threading.active_count())
        return QueryOutcome("ok")

    result = run_load([i * 0.005 for i in range(20)], query, concurrency_cap=10_000, drain_timeout_s=10)
    assert all(r.status == "ok" for r in result.records)
    assert max(peak) <= before + 5
