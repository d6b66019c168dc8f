"""Start-up: ``pfcbench list`` and ``--help`` import no numpy, scipy, pandas or matplotlib; lazy faces resolve."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
HEAVY = ("numpy", "scipy", "pandas", "matplotlib")


@pytest.mark.parametrize("argv", [["list"], ["--help"], ["run", "--help"], ["load", "--help"]])
def test_light_commands_import_no_heavy_library(argv: list[str]) -> None:
    """The command runs in a fresh interpreter and leaves numpy, scipy, pandas and matplotlib unimported."""
    code = (
        "import sys\nfrom bench.cli import main\ntry:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, *argv], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.splitlines()[-1] == "[]"


@pytest.mark.parametrize("package", ["reports", "bench.models"])
def test_every_public_name_resolves(package: str) -> None:
    """Each name in a lazy package's ``__all__`` is importable through the package."""
    mod = importlib.import_module(package)
    for name in mod.__all__:
        assert getattr(mod, name) is not None
    with pytest.raises(AttributeError):
        _ = mod.no_such_name
