"""Open-loop load: queries arrive on a schedule fixed in advance and each starts at its intended time,
whether or not earlier ones have finished, so a slow server cannot slow the arrivals down (coordinated
omission, Gil Tene's "How NOT to measure latency"; wrk2's and k6's open-model executors).

Latency is measured from the INTENDED start: ``queueing = start - intended`` (a concurrency cap, a late
dispatcher) and ``service = end - start`` are kept apart. What one query is lives behind ``QueryFn``: the
no-model path (one executor run of a fresh plan) today, the model-in-the-loop Session tomorrow.
"""

from __future__ import annotations

import contextlib
import json
import math
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from reports import TrialRecord

Clock = Callable[[], float]
Sleep = Callable[[float], None]

ARRIVALS = ("constant", "poisson", "gamma")
#: a schedule longer than this is refused: every request loop is bounded in count
MAX_QUERIES = 100_000
#: queries in flight at most unless told otherwise: past it they queue (queueing latency) on this many
#: worker threads instead of one thread each — 300 q/s against a 140 q/s server made 6,964 threads
DEFAULT_CONCURRENCY_CAP = 256
QUANTILES = (("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("p99.9", 0.999))


class LoadError(ValueError):
    """A load run that cannot start as asked; the message is one line for the user."""


def arrival_times(
    kind: str, rate: float, duration: float, rng: np.random.Generator, *, burstiness: float = 1.0
) -> tuple[float, ...]:
    """Intended start times in [0, duration), seconds from the start of the run.

    ``constant``: every 1/rate. ``poisson``: exponential gaps of mean 1/rate. ``gamma``: gamma gaps of mean
    1/rate and coefficient of variation ``burstiness`` (1 is Poisson, > 1 bursty, < 1 smoother)."""
    if kind not in ARRIVALS:
        raise LoadError(f"`arrival`: {kind!r} is not one of {', '.join(ARRIVALS)}")
    if not (rate > 0 and duration > 0 and math.isfinite(rate * duration)):
        raise LoadError("`rate` and `duration` must be numbers > 0")
    if burstiness <= 0:
        raise LoadError(f"`burstiness` must be > 0, got {burstiness}")
    expected = rate * duration
    if expected > MAX_QUERIES:
        raise LoadError(f"`rate` x `duration` asks for {expected:.0f} queries; at most {MAX_QUERIES}")
    if kind == "constant":
        n = math.ceil(expected - 1e-9)
        return tuple(i / rate for i in range(n))
    # The first arrival is at 0, as in the constant schedule, so every run starts loaded. Gaps are drawn in
    # blocks until the schedule passes the end; the MAX_QUERIES cap keeps the loop bounded.
    times = [0.0]
    while len(times) <= MAX_QUERIES:
        block = int(expected) + 16
        if kind == "poisson":
            gaps = rng.exponential(1 / rate, block)
        else:
            shape = 1 / burstiness**2
            gaps = rng.gamma(shape, 1 / (rate * shape), block)
        for g in gaps:
            t = times[-1] + float(g)
            if t >= duration:
                return tuple(times)
            times.append(t)
    raise LoadError("arrival schedule exceeded its bound")  # pragma: no cover


@dataclass(frozen=True, slots=True)
class QueryOutcome:
    """What one query (a session) returns to the load generator."""

    status: str
    turns: int = 1
    calls: int = 0
    n_429: int = 0
    n_errors: int = 0
    error: str | None = None
    #: the full per-query record (what a results.jsonl line holds), kept out of queries.jsonl
    record: TrialRecord | None = None


#: The seam: run query ``index`` (its trial index) to completion and say how it went.
QueryFn = Callable[[int], QueryOutcome]


@dataclass(frozen=True, slots=True)
class LoadRecord:
    """One line of queries.jsonl. Times are seconds from the run's start; ``start_s``/``end_s`` are None
    for a query that never started (``dropped``) or never finished before the hard stop (``unfinished``)."""

    index: int
    intended_start_s: float
    start_s: float | None
    end_s: float | None
    status: str
    turns: int = 0
    calls: int = 0
    n_429: int = 0
    n_errors: int = 0
    error: str | None = None

    @property
    def queueing_s(self) -> float | None:
        return None if self.start_s is None else self.start_s - self.intended_start_s

    @property
    def service_s(self) -> float | None:
        return None if self.start_s is None or self.end_s is None else self.end_s - self.start_s

    @property
    def latency_s(self) -> float | None:
        return None if self.end_s is None else self.end_s - self.intended_start_s

    def to_json(self) -> str:
        d = asdict(self)
        d["queueing_s"], d["service_s"], d["latency_s"] = self.queueing_s, self.service_s, self.latency_s
        return json.dumps(d, separators=(",", ":"))


@dataclass(frozen=True, slots=True)
class LoadResult:
    records: tuple[LoadRecord, ...]
    #: seconds from the run's start at which waiting stopped (duration + drain timeout at most)
    stopped_at_s: float


def run_load(  # noqa: PLR0913  # keyword-only knobs and the injected clock and sleeper
    schedule: Sequence[float],
    query: QueryFn,
    *,
    concurrency_cap: int | None = None,
    drain_timeout_s: float = 30.0,
    max_inflight: int = 2048,
    lead_s: float = 0.05,
    clock: Clock = time.perf_counter,
    sleep: Sleep = time.sleep,
    on_record: Callable[[LoadRecord], None] | None = None,
) -> LoadResult:
    """Launch query i at ``schedule[i]`` without waiting for earlier ones (open loop): on its own thread, or
    with a concurrency cap on one of ``concurrency_cap`` worker threads.

    A concurrency cap makes queries wait in a queue for a worker, and that wait is latency (queueing); the
    threads stay at the cap however far the load runs ahead of the server. Waiting stops at the last
    intended start + ``drain_timeout_s``: queries still running or queued are recorded ``unfinished`` and
    their threads (daemons: a thread cannot be killed) are abandoned. Beyond ``max_inflight`` queries in
    flight or queued a new one is recorded ``dropped``: the generator's own bound."""
    if concurrency_cap is not None and concurrency_cap < 1:
        raise LoadError(f"`concurrency_cap` must be >= 1, got {concurrency_cap}")
    t0 = clock() + lead_s  # a short lead so the first query is not late because of setup
    last = schedule[-1] if schedule else 0.0
    loop = _OpenLoop(query, clock, t0, t0 + last + drain_timeout_s, concurrency_cap, on_record)
    for i, t in enumerate(schedule):
        intended = t0 + t
        if (delay := intended - clock()) > 0:
            sleep(delay)
        with loop.lock:
            full = loop.inflight >= max_inflight
            if not full:
                loop.inflight += 1
        if full:
            loop.emit(
                LoadRecord(i, t, None, None, "dropped", error=f"{max_inflight} queries already in flight")
            )
            continue
        loop.start(i, intended)
    return loop.drain(schedule)


class _OpenLoop:
    """The state one load run's query threads share: the records so far and the queries in flight."""

    def __init__(
        self,
        query: QueryFn,
        clock: Clock,
        t0: float,
        hard_stop: float,
        concurrency_cap: int | None,
        on_record: Callable[[LoadRecord], None] | None,
    ) -> None:
        self.query, self.clock, self.t0, self.hard_stop, self.on_record = (
            query,
            clock,
            t0,
            hard_stop,
            on_record,
        )
        self.lock = threading.Condition()
        self.records: dict[int, LoadRecord] = {}
        self.inflight = 0
        self.closed = False  # after the hard stop: a late query's record is not written twice
        # with a cap: up to that many worker threads, started as the load needs them, sharing one queue
        self.queue: queue.SimpleQueue[tuple[int, float] | None] | None = (
            queue.SimpleQueue() if concurrency_cap else None
        )
        self._cap, self._workers, self._idle = concurrency_cap or 0, 0, 0

    def start(self, i: int, intended: float) -> None:
        if self.queue is None:
            threading.Thread(target=self.one, args=(i, intended), name=f"pfc-load-{i}", daemon=True).start()
            return
        self.queue.put((i, intended))
        with self.lock:
            grow = self._idle == 0 and self._workers < self._cap
            self._workers += grow
        if grow:
            threading.Thread(target=self._work, name=f"pfc-load-w{self._workers}", daemon=True).start()

    def _work(self) -> None:
        assert self.queue is not None
        while True:
            with self.lock:
                self._idle += 1
            item = self.queue.get()
            with self.lock:
                self._idle -= 1
            if item is None:
                return
            self.one(*item)

    def emit(self, rec: LoadRecord) -> None:
        with self.lock:
            if self.closed:
                return
            self.records[rec.index] = rec
            if self.on_record is not None:
                self.on_record(rec)
            self.lock.notify_all()

    def one(self, i: int, intended: float) -> None:
        """Query ``i`` on its own thread: wait for a slot (that wait is queueing), run, record."""
        t0, clock = self.t0, self.clock
        try:
            if clock() >= self.hard_stop:  # queued for a worker until the hard stop
                self.emit(
                    LoadRecord(i, intended - t0, None, None, "unfinished", error="no slot before hard stop")
                )
                return
            start = clock()
            try:
                out = self.query(i)
            except Exception as exc:  # a crashed session is a data point, not the end of the run
                out = QueryOutcome("crashed", error=f"{type(exc).__name__}: {exc}".splitlines()[0])
            finally:
                end = clock()
            self.emit(
                LoadRecord(
                    i, intended - t0, start - t0, end - t0, out.status, out.turns, out.calls, out.n_429,
                    out.n_errors, out.error,
                )
            )  # fmt: skip
        finally:
            with self.lock:
                self.inflight -= 1

    def drain(self, schedule: Sequence[float]) -> LoadResult:
        """Wait for the queries in flight until the hard stop; those still running are ``unfinished``."""
        with self.lock:
            while len(self.records) < len(schedule) and (left := self.hard_stop - self.clock()) > 0:
                self.lock.wait(min(left, 0.5))
            stopped = self.clock() - self.t0
            for i in range(len(schedule)):
                if i not in self.records:
                    rec = LoadRecord(
                        i, schedule[i], None, None, "unfinished", error="still running at hard stop"
                    )
                    self.records[i] = rec
                    if self.on_record is not None:
                        self.on_record(rec)
            self.closed = True
        self._stop_workers()
        with self.lock:
            return LoadResult(tuple(self.records[i] for i in range(len(schedule))), stopped)

    def _stop_workers(self) -> None:
        """Forget the queries still queued and let each idle worker end (busy ones end after their query)."""
        if self.queue is None:
            return
        with contextlib.suppress(queue.Empty):
            while True:
                self.queue.get_nowait()
        for _ in range(self._workers):
            self.queue.put(None)


def quantiles(values: Sequence[float]) -> dict[str, float | None]:
    if not values:
        empty: dict[str, float | None] = {name: None for name, _ in QUANTILES}
        return empty | {"max": None, "mean": None}
    a = np.asarray(values, dtype=float)
    out: dict[str, float | None] = {name: float(np.quantile(a, q)) for name, q in QUANTILES}
    out["max"] = float(a.max())
    out["mean"] = float(a.mean())
    return out


def summarize(
    records: Sequence[LoadRecord],
    *,
    offered_rate: float,
    duration_s: float,
    stopped_at_s: float,
    late_threshold_s: float = 0.01,
) -> dict[str, Any]:
    """Throughput, latency/service/queueing percentiles, error and 429 rates, late starts, and the trend of
    latency over the run (seconds of latency gained per second of run: > 0 means saturation)."""
    n = len(records)
    done = [r for r in records if r.end_s is not None]
    # An unfinished query's latency is at least the time it had when waiting stopped: counting it censored
    # at that bound keeps a stalled tail in the percentiles instead of silently dropping it.
    latency = [r.latency_s for r in done if r.latency_s is not None] + [
        stopped_at_s - r.intended_start_s for r in records if r.status == "unfinished"
    ]
    service = [s for r in done if (s := r.service_s) is not None]
    queueing = [q for r in records if (q := r.queueing_s) is not None]
    ok = sum(r.status == "ok" for r in records)
    elapsed = max((r.end_s for r in done if r.end_s is not None), default=0.0)
    calls = sum(r.calls for r in records)
    n429 = sum(r.n_429 for r in records)
    trend = None
    if len(done) >= 3:
        x = np.array([r.intended_start_s for r in done])
        y = np.array([r.latency_s for r in done], dtype=float)
        if float(np.ptp(x)) > 0:
            trend = float(np.polyfit(x, y, 1)[0])
    statuses: dict[str, int] = {}
    for r in records:
        statuses[r.status] = statuses.get(r.status, 0) + 1
    return {
        "queries": n,
        "completed": len(done),
        "ok": ok,
        "statuses": dict(sorted(statuses.items())),
        "offered_rate_qps": offered_rate,
        "duration_s": duration_s,
        "elapsed_s": elapsed,
        "throughput_qps": len(done) / elapsed if elapsed > 0 else 0.0,
        "goodput_qps": ok / elapsed if elapsed > 0 else 0.0,
        "latency_s": quantiles(latency),
        "service_s": quantiles(service),
        "queueing_s": quantiles(queueing),
        "error_rate": (n - ok) / n if n else 0.0,
        "calls": calls,
        "calls_429": n429,
        "rate_429": n429 / calls if calls else 0.0,
        "queries_with_429": sum(r.n_429 > 0 for r in records),
        "late_threshold_s": late_threshold_s,
        "late_starts": sum(q > late_threshold_s for q in queueing),
        "latency_trend_s_per_s": trend,
        "stopped_at_s": stopped_at_s,
    }
