"""What every command shares: the one-line usage error, the parser that raises it, and argument types."""

from __future__ import annotations

import argparse
import dataclasses
import math
import re
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

T = TypeVar("T")

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class UsageError(Exception):
    """One line for the user; exit code 2."""


#: library errors name a setting in backticks (`out`); on the command line it is the flag --out
_SETTING = re.compile(r"`([a-z][a-z0-9_]*)`")


def as_flags(text: str) -> str:
    """A library message with its settings named as this command line's flags."""
    return _SETTING.sub(lambda m: "--" + m.group(1).replace("_", "-"), text)


def same_named(ns: argparse.Namespace, config: type[Any]) -> dict[str, Any]:
    """The fields of the ``config`` dataclass that have a flag of the same name, as parsed (a flag is named
    after the setting it sets); the caller overrides the fields it checks or builds itself."""
    return {f.name: getattr(ns, f.name) for f in dataclasses.fields(config) if hasattr(ns, f.name)}


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # argparse prints the whole usage block; one line saying what is wrong reads better in CI logs.
        raise UsageError(f"{self.prog}: {message} (see --help)")


def checked(text: str, convert: Callable[[str], T], ok: Callable[[T], bool], what: str) -> T:
    """``text`` converted and checked, or argparse's one-line error saying what was expected."""
    try:
        v = convert(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be {what}, got {text!r}") from None
    if not ok(v):
        raise argparse.ArgumentTypeError(f"must be {what}, got {text!r}")
    return v


def positive_int(text: str) -> int:
    return checked(text, int, lambda v: v >= 1, "a whole number >= 1")


def nonneg_int(text: str) -> int:
    return checked(text, int, lambda v: v >= 0, "a whole number >= 0")


def positive_float(text: str) -> float:
    return checked(text, float, lambda v: math.isfinite(v) and v > 0, "a number > 0")


def nonneg_float(text: str) -> float:
    return checked(text, float, lambda v: math.isfinite(v) and v >= 0, "a number >= 0")


def port_number(text: str) -> int:
    """A TCP port: 0 (any free one) to 65535 (a larger one overflows bind())."""
    return checked(text, int, lambda v: 0 <= v <= 65535, "a port number 0..65535")
