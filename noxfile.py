"""The front door: ``nox -s tests`` | ``bench`` | ``lint`` | ``gate`` | ``gate-power`` | ``micro`` | ``peers``.

Versions live in pyproject.toml; sessions install the project with its extras. uv makes fresh venvs in
seconds when it is installed (``pip install nox uv``); plain venv + pip otherwise.
"""

from __future__ import annotations

import os
import shutil

import nox

nox.options.default_venv_backend = "uv|venv"
nox.options.sessions = ["lint", "tests"]
nox.options.reuse_existing_virtualenvs = True

PACKAGES = ["bench", "scenarios", "executors", "reports"]
BENCH_DIR = os.environ.get("PFCBENCH_OUT", "results/bench")
GATE_DIR = os.environ.get("PFCBENCH_GATE_OUT", "results/gate")
#: the quick bench the gate judges; a baseline must be run with the same arguments (paired by seed)
GATE_RUN = (
    "--scenario", "doc-3apis", "--scenario", "doc-10apis", "--scenario", "doc-10apis-ratelimited",
    "--trials", "10", "--time-scale", "0.05", "--seed", "7",
)  # fmt: skip
#: pinned here, not in pyproject: only the peers session installs them
PEERS = ("langgraph>=0.2", "langchain-core>=0.3", "google-genai>=1.0")


@nox.session
def tests(session: nox.Session) -> None:
    """Unit and property tests (hypothesis); a few real-time tests with tolerances from the plan."""
    session.install("-e", ".[test]")
    session.run("pytest", "-q", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff (lint + format check) and mypy --strict on the four packages."""
    session.install("-e", ".[lint,test]")
    session.run("ruff", "check", *PACKAGES, "tests", "tools", "benchmarks", "noxfile.py")
    session.run("ruff", "format", "--check", *PACKAGES, "tests", "tools", "benchmarks", "noxfile.py")
    session.run("mypy")


@nox.session
def bench(session: nox.Session) -> None:
    """The document's four rows with every executor, then report.md (defaults stated in the report)."""
    session.install("-e", ".")
    out = BENCH_DIR
    session.run(
        "pfcbench", "run",
        "--scenario", "doc-3apis", "--scenario", "doc-5apis",
        "--scenario", "doc-10apis", "--scenario", "doc-10apis-ratelimited",
        "--trials", "30", "--time-scale", "0.05", "--out", out,
        *session.posargs,
    )  # fmt: skip
    session.run("pfcbench", "report", out)


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
    """Executor dispatch overhead vs the raw primitives (pytest-benchmark), then ours/raw per call.

    Every run is saved under .benchmarks/; in CI compare with the last saved run and fail on a slowdown:
    ``nox -s micro -- --benchmark-compare --benchmark-compare-fail=median:20%``."""
    session.install("-e", ".[test]")
    os.makedirs(".benchmarks", exist_ok=True)
    out = ".benchmarks/micro.json"
    session.run(
        "pytest", "benchmarks", "--benchmark-only", "--benchmark-autosave",
        "--benchmark-json", out, "--benchmark-columns", "min,median,iqr,rounds",
        "--benchmark-sort", "name", *session.posargs,
    )  # fmt: skip
    session.run(
        "python", "benchmarks/ratios.py", out, "--max-ratio", "asyncio=1.5", "--max-ratio", "threaded=1.5"
    )


@nox.session
def peers(session: nox.Session) -> None:
    """Ours beside LangGraph's ToolNode and google-genai AFC (sync and async), zero-latency and 100 ms tools.

    AFC needs the loopback fake Gemini server (bench._gemini_server); set PFCBENCH_FAKE_GEMINI to a copy of
    that module to measure it on a branch that lacks it."""
    session.install("-e", ".", *PEERS)
    session.run("python", "benchmarks/peers.py", *session.posargs)
