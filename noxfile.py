"""The front door: ``nox -s tests`` | ``bench`` | ``lint`` (and more as issues land).

Versions live in pyproject.toml; sessions install the project with its extras. uv makes fresh venvs in
seconds when it is installed (``pip install nox uv``); plain venv + pip otherwise.
"""

from __future__ import annotations

import os

import nox

nox.options.default_venv_backend = "uv|venv"
nox.options.sessions = ["lint", "tests"]
nox.options.reuse_existing_virtualenvs = True

PACKAGES = ["bench", "scenarios", "executors", "reports"]
BENCH_DIR = os.environ.get("PFCBENCH_OUT", "results/bench")


@nox.session
def tests(session: nox.Session) -> None:
    """Unit and property tests (hypothesis); a few real-time tests with tolerances from the plan."""
    session.install("-e", ".[test]")
    session.run("pytest", "-q", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff (lint + format check) and mypy --strict on the four packages."""
    session.install("-e", ".[lint,test]")
    session.run("ruff", "check", *PACKAGES, "tests", "noxfile.py")
    session.run("ruff", "format", "--check", *PACKAGES, "tests", "noxfile.py")
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
def experiments(session: nox.Session) -> None:
    """The document's frequent errors (partial results, ignored dependencies, 429s) and flaky retries,
    measured quickly into $PFCBENCH_EXPERIMENTS (default results/experiments)/experiments.md."""
    session.install("-e", ".")
    out = os.environ.get("PFCBENCH_EXPERIMENTS", "results/experiments")
    session.run("pfcbench", "experiments", "--out", out, *session.posargs)
