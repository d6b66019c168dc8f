"""Library errors name settings; the command line shows them as its flags, on one line, exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.cli import main
from bench.load import LoadConfig, LoadError, load_test
from scenarios import load_catalog


def test_the_library_names_the_setting(tmp_path: Path) -> None:
    """Called without the command line, a load error names the config field, not a flag."""
    sc = load_catalog()["doc-3apis"]
    config = LoadConfig(sc, "doc-3apis", (1.0,), tmp_path, arrival="weekly")
    with pytest.raises(LoadError, match=r"^`arrival`: 'weekly' is not one of"):
        load_test(config)


def test_the_command_line_names_the_flag(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The same kind of error through pfcbench: one line naming --rate and --duration, exit 2."""
    argv = ["load", "--scenario", "doc-3apis", "--rate", "1e9", "--duration", "1", "--out", str(tmp_path)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "--rate x --duration asks for" in err and len(err.strip().splitlines()) == 1
