"""The ``pfcbench`` command: argument parsing and the commands, nothing else. Bad input gets one line on
stderr and exit code 2. Nothing in pfcbench imports this package."""

from bench.cli._args import UsageError
from bench.cli._exit import leave
from bench.cli._main import build_parser, entry, main

__all__ = ["UsageError", "build_parser", "entry", "leave", "main"]
