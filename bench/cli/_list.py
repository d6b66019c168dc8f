"""``pfcbench list``: the catalog's scenarios and the executors (with their @K parameter)."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any) -> None:
    p = sub.add_parser("list", help="list catalog scenarios and executors")
    p.set_defaults(handler=handle)


def handle(ns: argparse.Namespace) -> int:
    from executors import DEFAULT_EXECUTORS, EXECUTORS
    from scenarios import load_catalog

    cat = load_catalog()
    print("scenarios:")
    width = max(len(n) for n in cat)
    for name in sorted(cat):
        print(f"  {name:<{width}}  {cat[name].description}")
    print("executors (NAME or NAME@K):")
    width = max(len(n) for n in EXECUTORS)
    for info in EXECUTORS.values():
        k = f" [@K: {info.param}]" if info.param else ""
        default = "" if info.name in DEFAULT_EXECUTORS else " (not in the default set)"
        print(f"  {info.name:<{width}}  {info.summary}{k}{default}")
    return 0
