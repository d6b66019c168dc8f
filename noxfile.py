"""The front door: ``nox -s tests`` | ``bench`` | ``lint`` (CI), and ``scaling`` | ``experiments`` | ``load`` |
``gemini`` | ``legacy`` | ``live`` | ``gate`` | ``gate-power`` | ``micro`` | ``peers`` | ``traces``.

Versions live in pyproject.toml; sessions install the project with its extras. uv makes fresh venvs in
seconds when it is installed (``pip install nox uv``); plain venv + pip otherwise.
"""

from __future__ import annotations

import os
import shutil
import time

import nox

nox.options.default_venv_backend = "uv|venv"
nox.options.sessions = ["lint", "tests"]
nox.options.reuse_existing_virtualenvs = True
# uv installs without compiling bytecode: a fresh venv's first `pfcbench` run would compile numpy, scipy
# and pandas (seconds). pip compiles by default; this makes uv do the same in every session.
os.environ.setdefault("UV_COMPILE_BYTECODE", "1")

PACKAGES = ["bench", "scenarios", "executors", "reports"]
BENCH_DIR = os.environ.get("PFCBENCH_OUT", "results/bench")
GATE_DIR = os.environ.get("PFCBENCH_GATE_OUT", "results/gate")
#: the quick bench the gate judges; a baseline must be run with the same arguments (paired by seed)
GATE_RUN = (
    "--scenario", "doc-3apis", "--scenario", "doc-10apis", "--scenario", "doc-10apis-ratelimited",
    "--trials", "10", "--time-scale", "0.05", "--seed", "7",
)  # fmt: skip


def _new_run_dir(base: str) -> str:
    """A fresh directory per run under ``base``: earlier results are never overwritten or appended to."""
    return os.path.join(base, time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()))


def _link_latest(out: str) -> str:
    """Point ``<base>/latest`` at ``out`` and return the link's path."""
    latest = os.path.join(os.path.dirname(out), "latest")
    if os.path.islink(latest):
        os.unlink(latest)
    if not os.path.exists(latest):
        os.symlink(os.path.basename(out), latest)
    return latest


@nox.session
def tests(session: nox.Session) -> None:
    """Unit and property tests (hypothesis); a few real-time tests with tolerances from the plan. LangGraph and
    Pydantic AI are light installs (3 s from an empty cache), so their framework tests run here too; the
    other frameworks' tests skip here and run in ``nox -s frameworks``."""
    session.install("-e", ".[test,gemini,load,langgraph,pydantic-ai]")
    session.run("pytest", "-q", *session.posargs)


@nox.session
def traces(session: nox.Session) -> None:
    """Real frameworks write traces (ADK and google-genai AFC against serve-gemini, the OpenAI Agents SDK
    under OpenInference with a scripted model); they are read with the truth's turns and tools. Optional."""
    session.install("-e", ".[test,gemini,capture]")
    session.run(
        "pytest", "-q", "tests/bench/traces/test_capture.py", "tests/bench/traces/test_real_traces.py"
    )


@nox.session
def lint(session: nox.Session) -> None:
    """ruff (lint + format check) and mypy --strict on the four packages."""
    session.install("-e", ".[lint,test,gemini,load]")
    session.run("ruff", "check", *PACKAGES, "tests", "tools", "benchmarks", "noxfile.py")
    session.run("ruff", "format", "--check", *PACKAGES, "tests", "tools", "benchmarks", "noxfile.py")
    session.run("mypy")


@nox.session
def bench(session: nox.Session) -> None:
    """The document's four rows with every executor, then report.md (defaults stated in the report).

    360 trials at time scale 0.015: enough to keep every median's 95% CI within ±3% (the sequential
    5-API row is the widest, ±2.7–3.0% at 320). Row 4 (the quota) runs at 0.1, where the simulated
    server's grace is 1 ms of wall time (``--quota-grace-wall-ms 1``; the gate keeps the default 5 ms, scale
    0.5): at 0.015 a token interval is 1.5 ms of wall time and a paused thread drew 429s by chance."""
    session.install("-e", ".")
    out = _new_run_dir(BENCH_DIR)
    session.run(
        "pfcbench", "run",
        "--scenario", "doc-3apis", "--scenario", "doc-5apis",
        "--scenario", "doc-10apis", "--scenario", "doc-10apis-ratelimited",
        "--trials", "360", "--time-scale", "0.015", "--quota-grace-wall-ms", "1", "--out", out,
        *session.posargs,
    )  # fmt: skip
    session.run("pfcbench", "report", out)
    session.log(f"report: {_link_latest(out)}/report.md")


@nox.session
def scaling(session: nox.Session) -> None:
    """Speedup vs the number of calls (fanout-1 … fanout-100) and vs the thread pool size, with the ideal
    curves: the report's scaling figures. About a minute."""
    session.install("-e", ".")
    out = _new_run_dir(os.environ.get("PFCBENCH_SCALING_OUT", "results/scaling"))
    executors = ["sequential", "threaded", "asyncio", "threaded@2", "threaded@4", "threaded@32"]
    session.run(
        "pfcbench", "run", "--scenario", "scenarios/catalog/fanout.toml",
        *[a for e in executors for a in ("--executor", e)],
        "--trials", "10", "--time-scale", "0.02", "--out", out, *session.posargs,
    )  # fmt: skip
    session.run("pfcbench", "report", out)
    session.log(f"report: {_link_latest(out)}/report.md")


@nox.session
def load(session: nox.Session) -> None:
    """A short open-loop demo (below and above the quota's capacity), then the Locust master/worker test."""
    session.install("-e", ".[load,test]")
    out = _new_run_dir(os.environ.get("PFCBENCH_LOAD_OUT", "results/load"))
    common = ["--scenario", "doc-10apis-ratelimited", "--executor", "ratelimited", "--limiter", "shared"]
    session.run(
        "pfcbench", "load", *common, "--sweep", "3,14", "--duration", "4", "--out", out, *session.posargs
    )
    session.run("pytest", "-q", "tests/bench/load", "-m", "locust")


@nox.session
def experiments(session: nox.Session) -> None:
    """The document's frequent errors (partial results, ignored dependencies, 429s) and flaky retries,
    measured quickly into $PFCBENCH_EXPERIMENTS (default results/experiments)/experiments.md."""
    session.install("-e", ".")
    out = _new_run_dir(os.environ.get("PFCBENCH_EXPERIMENTS", "results/experiments"))
    session.run("pfcbench", "experiments", "--out", out, *session.posargs)
    session.log(f"experiments: {_link_latest(out)}/experiments.md")


#: the tests of the model drivers, the fake Gemini, the session and the model options of `run`
GEMINI_TESTS = ("tests/bench/models", "tests/bench/run/test_session.py", "tests/bench/cli/test_cli_model.py")
LIVE_DIR = os.environ.get("PFCBENCH_LIVE_OUT", "results/live")


@nox.session
def gemini(session: nox.Session) -> None:
    """google-genai against the loopback fake Gemini server: drivers, AFC baseline, the CLI end to end."""
    session.install("-e", ".[gemini,test]")
    session.run("pytest", "-q", *GEMINI_TESTS, *session.posargs)


@nox.session
def legacy(session: nox.Session) -> None:
    """The same with google-generativeai installed (it pulls grpcio, ~230 MB: only in this session)."""
    session.install("-e", ".[gemini,legacy,test]")
    session.run("pytest", "-q", *GEMINI_TESTS, "-k", "legacy", *session.posargs)


@nox.session
def live(session: nox.Session) -> None:
    """A small live benchmark against the real Gemini API when GEMINI_API_KEY or GOOGLE_API_KEY is set."""
    if not (os.environ.get("GEMINI_API_KEY") or os.environ.get("GOOGLE_API_KEY")):
        session.skip(
            "live: SKIPPED - no GEMINI_API_KEY or GOOGLE_API_KEY in the environment; nothing was sent"
        )
    session.install("-e", ".[gemini]")
    session.run(
        "pfcbench", "run", "--model", "gemini",
        "--scenario", "doc-3apis", "--scenario", "doc-5apis",
        "--executor", "sequential", "--executor", "threaded", "--executor", "asyncio", "--executor", "sdk-afc",
        "--trials", "3", "--time-scale", "0.2", "--warmup", "0",
        "--out", LIVE_DIR, "--record", f"{LIVE_DIR}.cassette.jsonl",
        *session.posargs,
    )  # fmt: skip


@nox.session
def gate(session: nox.Session) -> None:
    """A quick bench (~20 s of runs) judged by gates/default.toml; exit 1 when a gate fails.

    ``nox -s gate -- --baseline results/base`` also compares with a baseline run made by
    ``pfcbench run <GATE_RUN> --out results/base`` on the base commit in the same job (see
    .github/workflows/bench.yml). Extra arguments go to ``pfcbench gate``."""
    session.install("-e", ".")
    shutil.rmtree(GATE_DIR, ignore_errors=True)  # a fresh run each time: the runner refuses to append
    session.run("pfcbench", "run", *GATE_RUN, "--out", GATE_DIR)
    session.run("pfcbench", "gate", GATE_DIR, "--spec", "gates/default.toml", *session.posargs)


@nox.session(name="gate-power")
def gate_power(session: nox.Session) -> None:
    """The regression gate's A/A false-positive rate and its power against a 10% slowdown (~4 min)."""
    session.install("-e", ".")
    session.run("python", "tools/gate_power.py", *session.posargs)


@nox.session
def micro(session: nox.Session) -> None:
    """Executor dispatch overhead vs the raw primitives, ours and raw in alternating rounds of one process,
    then the 10,000-call scale case (makespan, memory per call) and the limiter with 1,000 waiters; prints
    the ratio table (median of the per-round ratios [min, max]) and checks issue 15's targets.

    Every run is saved under .benchmarks/ (our side's timings); in CI compare with the last saved run and
    fail on a slowdown: ``nox -s micro -- --benchmark-compare --benchmark-compare-fail=median:20%``.
    More rounds: ``PFC_MICRO_ROUNDS=21 nox -s micro``."""
    session.install("-e", ".[test]")
    os.makedirs(".benchmarks", exist_ok=True)
    out = ".benchmarks/micro.json"
    session.run(
        "pytest", "benchmarks", "--benchmark-only", "--benchmark-autosave",
        "--benchmark-json", out, "--benchmark-columns", "min,median,iqr,rounds",
        "--benchmark-sort", "name", *session.posargs,
    )  # fmt: skip
    session.run(
        "python", "benchmarks/ratios.py", out, "--max-ratio", "asyncio=1.2", "--max-ratio", "threaded=1.2",
        "--max-ratio", "scale=1.1", "--max-ratio", "memory=1.2",
    )  # fmt: skip
    session.run("python", "benchmarks/records.py")  # why CallResult is a NamedTuple: cost per record


@nox.session
def frameworks(session: nox.Session) -> None:
    """Every agent framework (the ``frameworks`` extra): the framework executors' tests and the conformance
    suite's, then ``pfcbench conformance`` on all of them into results/conformance/<UTC time>."""
    session.install("-e", ".[test,frameworks]")
    session.run("pytest", "-q", "tests/bench/run/frameworks", "tests/bench/conformance", *session.posargs)
    out = _new_run_dir(os.environ.get("PFCBENCH_CONFORMANCE_OUT", "results/conformance"))
    session.run("pfcbench", "conformance", "--out", out)
    _link_latest(out)


@nox.session
def peers(session: nox.Session) -> None:
    """The agent frameworks' dispatch overhead per call against the raw primitive of their kind (a bare
    ``asyncio.gather`` or thread pool) at fan-out 1/10/100: the overhead part of ``pfcbench conformance``,
    into results/peers/<UTC time>/conformance.md (docs/frameworks.md)."""
    session.install("-e", ".[frameworks]")
    out = _new_run_dir(os.environ.get("PFCBENCH_PEERS_OUT", "results/peers"))
    session.run("pfcbench", "conformance", "--overhead-only", "--out", out, *session.posargs)
    _link_latest(out)
