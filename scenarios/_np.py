"""numpy, imported on first use: the catalog loads (``pfcbench list``, ``--help``) without it, and plans and
theory import it the first time they draw or integrate (~0.1 s of CPU saved at start-up).

Type checkers see numpy itself; at run time ``np`` forwards each attribute to the module once imported."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
else:

    class _Numpy:
        def __getattr__(self, name: str) -> Any:
            return getattr(importlib.import_module("numpy"), name)

    np = _Numpy()

__all__ = ["np"]
