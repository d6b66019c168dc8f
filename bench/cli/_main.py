"""The ``pfcbench`` command: the parser built from the subcommand modules, and every outcome mapped to an
exit code. Bad input gets one line on stderr and exit code 2, never a traceback."""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys
from collections.abc import Sequence

from bench.cli._args import EXIT_INTERRUPTED, EXIT_USAGE, Parser, UsageError, as_flags

#: every subcommand is a module here with ``register(sub)`` adding its subparser, whose ``handler``
#: default is ``(namespace) -> exit code`` raising ``UsageError`` for bad input; imported when the parser
#: is built, each importing what its command needs only when it runs (``--help`` stays light)
COMMANDS: tuple[str, ...] = (
    "_list",
    "_run",
    "_report",
    "_compare",
    "_load",
    "_experiments",
    "_serve_gemini",
    "_gate",
    "_fit",
    "_advise",
    "_conformance",
    "_history",
)


def build_parser() -> argparse.ArgumentParser:
    p = Parser(prog="pfcbench", description="Benchmark parallel function calling executors.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=Parser)
    for name in COMMANDS:
        importlib.import_module(f"bench.cli.{name}").register(sub)
    from bench.cli._help import finish

    finish(p)  # descriptions, examples, defaults and any missing flag help, for every subcommand
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Every outcome is an exit code and, for a failure, one line on stderr: 2 for bad input or any error,
    130 for Ctrl-C or SIGTERM (also while modules are still importing)."""
    from bench.cli._signals import sigterm_as_interrupt

    try:
        with sigterm_as_interrupt():
            return _dispatch(list(sys.argv[1:] if argv is None else argv))
    except KeyboardInterrupt:
        print("pfcbench: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # the reader of stdout left (`| head`): the files are written, nothing is lost
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # a bug or an unforeseen failure: still one line, not a traceback
        if os.environ.get("PFCBENCH_TRACEBACK"):
            raise
        first = (str(exc).splitlines() or [""])[0]
        print(
            f"pfcbench: error: {type(exc).__name__}: {first} (set PFCBENCH_TRACEBACK=1 to see where)",
            file=sys.stderr,
        )
        return EXIT_USAGE


#: commands that leave nothing behind but closed files: the console script ends them without the
#: interpreter's teardown, which on a 10,000-record report (a million objects, pandas and matplotlib
#: loaded) took 0.2 s after the last file was written
_NO_TEARDOWN = frozenset({"report", "gate"})


def entry() -> None:  # pragma: no cover - the console script; tests call main()
    """``pfcbench``: ``main()``, then the exit; for a command of ``_NO_TEARDOWN`` that returned, the
    streams are flushed and the process ends at once (its files are written atomically and closed)."""
    args = sys.argv[1:]
    code = main(args)
    from bench.cli._exit import flush_streams, leave

    if args and args[0] in _NO_TEARDOWN:
        flush_streams()
        os._exit(code)

    leave(code)  # not sys.exit: threads a tool left running would hold the process open


def _dispatch(args: list[str]) -> int:
    try:
        ns = build_parser().parse_args(args)
        ns.argv = tuple(args)  # the command line as typed, for run.json (keys redacted there)
        return int(ns.handler(ns))
    except UsageError as exc:
        from bench.models import redact

        text = redact(as_flags(str(exc)))
        print(text if text.startswith("pfcbench") else f"pfcbench: error: {text}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":  # pragma: no cover
    entry()
