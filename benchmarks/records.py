"""What one result record costs to build, for the choice of ``CallResult``'s type (one is built per call on
the hot path). The candidates have ``CallResult``'s nine fields:

- a frozen slotted dataclass (what it was: each field set through ``object.__setattr__``);
- a plain slotted class (mutable);
- the NamedTuple it is, called with positional arguments, and built with ``tuple.__new__`` as the hot path
  does;
- lazily: a bare tuple during the turn and the frozen dataclass at its end (both costs, still inside
  ``run``).

    python3 benchmarks/records.py [--number 200000]
"""

from __future__ import annotations

import argparse
import dataclasses
import timeit
from collections.abc import Callable

from executors import CallResult, ToolCall


def candidates() -> dict[str, Callable[[], object]]:
    fields = CallResult._fields
    frozen = dataclasses.make_dataclass("Frozen", fields, frozen=True, slots=True)
    plain = dataclasses.make_dataclass("Plain", fields, slots=True)
    call, new = ToolCall("c0", "t"), tuple.__new__
    row = (call, "ok", 0, None, 1.0, 2.0, 1, 0.0, None, ())
    return {
        "frozen slotted dataclass": lambda: frozen(*row),
        "plain slotted class": lambda: plain(*row),
        "NamedTuple(...)": lambda: CallResult(*row),
        "NamedTuple via tuple.__new__": lambda: new(
            CallResult, (call, "ok", 0, None, 1.0, 2.0, 1, 0.0, None, ())
        ),
        "lazy: tuple, then frozen at the end": lambda: frozen(
            *(call, "ok", 0, None, 1.0, 2.0, 1, 0.0, None, ())
        ),
        "(an empty lambda: the loop's own cost)": lambda: None,
    }


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--number", type=int, default=200_000)
    args = p.parse_args()
    print("| record | ns per record (min of 5) |")
    print("|---|---:|")
    for name, fn in candidates().items():
        best = min(timeit.repeat(fn, number=args.number, repeat=5)) / args.number
        print(f"| {name} | {best * 1e9:.0f} |")


if __name__ == "__main__":
    main()
