"""What every command shares: the one-line usage error, the parser that raises it, and argument types."""

from __future__ import annotations

import argparse
import math
import re
from typing import NoReturn

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class UsageError(Exception):
    """One line for the user; exit code 2."""


#: library errors name a setting in backticks (`out`); on the command line it is the flag --out
_SETTING = re.compile(r"`([a-z][a-z0-9_]*)`")


def as_flags(text: str) -> str:
    """A library message with its settings named as this command line's flags."""
    return _SETTING.sub(lambda m: "--" + m.group(1).replace("_", "-"), text)


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # argparse prints the whole usage block; one line saying what is wrong reads better in CI logs.
        raise UsageError(f"{self.prog}: {message} (see --help)")


def positive_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1, got {text!r}") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1, got {text!r}")
    return v


def nonneg_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 0, got {text!r}") from None
    if v < 0:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 0, got {text!r}")
    return v


def positive_float(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number > 0, got {text!r}") from None
    if not math.isfinite(v) or v <= 0:
        raise argparse.ArgumentTypeError(f"must be a number > 0, got {text!r}")
    return v


def port_number(text: str) -> int:
    """A TCP port: 0 (any free one) to 65535; argparse's one-line error otherwise (bind() would overflow)."""
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a port number 0..65535, got {text!r}") from None
    if not 0 <= v <= 65535:
        raise argparse.ArgumentTypeError(f"must be a port number 0..65535, got {text!r}")
    return v
