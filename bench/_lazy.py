"""A package face whose names are imported on first use (PEP 562): ``pfcbench list`` and ``--help`` stay light,
and optional extras (SDKs, httpx, aiohttp) stay optional."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_names(
    package: str, modules: Mapping[str, tuple[str, ...]], namespace: dict[str, Any]
) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package``: each name of ``modules`` (module -> its public names) is
    imported from its module when first asked for, then kept in ``namespace`` so later lookups skip this."""
    where = {name: module for module, names in modules.items() for name in names}

    def attribute(name: str) -> Any:
        if name not in where:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        namespace[name] = value = getattr(importlib.import_module(where[name]), name)
        return value

    return attribute
