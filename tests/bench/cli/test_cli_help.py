"""Help a person can use: every subcommand has a description and an example, every flag help text, and a
misspelt executor, scenario, tool, key or call argument gets a "did you mean"."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from bench.cli import build_parser, main


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    p = build_parser()
    (sub,) = [a for a in p._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(sub.choices)


def test_every_subcommand_has_a_description_an_example_and_flag_help() -> None:
    """No page without a description or examples, no flag without help."""
    for name, sp in _subcommands().items():
        assert sp.description, name
        if name != "list":
            assert sp.epilog and "pfcbench " + name in sp.epilog, name
        assert [a.dest for a in sp._actions if a.help is None] == [], name


def test_help_shows_defaults_and_the_time_scale_rule(capsys: pytest.CaptureFixture[str]) -> None:
    """run --help states the trials default and both time-scale defaults."""
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "(default: 20)" in out and "default 0.1 for simulated scenarios" in out and "real Python" in out


@pytest.mark.parametrize(
    ("argv", "hint"),
    [
        (["run", "--scenario", "doc-3api"], "did you mean 'doc-3apis'?"),
        (["run", "--scenario", "doc-3apis", "--executor", "threadd@4"], "did you mean 'threaded'?"),
        (["run", "--scenario", "doc-3apis", "--fallback", "get_wether=1"], "did you mean 'get_weather'?"),
    ],
)
def test_did_you_mean_on_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], hint: str
) -> None:
    """A misspelt name is exit 2 with the closest name suggested."""
    assert main([*argv, "--out", str(tmp_path / "o")]) == 2
    assert hint in capsys.readouterr().err


def test_did_you_mean_in_a_scenario_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A misspelt key, tool and call argument are named, with the closest name."""
    (tmp_path / "m.py").write_text("def f(user_id: str) -> str:\n    '''F.'''\n    return user_id\n")
    base = (
        '[[tools]]\nname = "f"\npython = "m:f"\n[[calls]]\nid = "a"\ntool = "f"\nargs = { user_id = "u" }\n'
    )
    cases = {
        base.replace("python =", "pyhton ="): "unknown key 'pyhton' (did you mean 'python'?)",
        base.replace('tool = "f"', 'tool = "g"').replace('name = "f"', 'name = "gg"'): "no tool 'g'",
        base.replace(
            "args = { user_id", "args = { userid"
        ): "unexpected argument 'userid' (did you mean 'user_id'?)",
    }
    for i, (text, needle) in enumerate(cases.items()):
        path = tmp_path / f"s{i}.toml"
        path.write_text(f'name = "s{i}"\n' + text)
        assert main(["run", "--scenario", str(path), "--out", str(tmp_path / "o")]) == 2
        assert needle in capsys.readouterr().err


def test_real_tools_default_to_time_scale_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """No --time-scale with a real tool: the run goes ahead at 1 and says so; an explicit 0.5 is refused."""
    (tmp_path / "rt.py").write_text("def f(x: str) -> str:\n    '''F.'''\n    return x\n")
    path = tmp_path / "s.toml"
    path.write_text(
        'name = "s"\n[[tools]]\nname = "f"\npython = "rt:f"\n[[calls]]\nid = "a"\ntool = "f"\nargs = { x = "1" }\n'
    )
    out = tmp_path / "o"
    argv = ["run", "--scenario", str(path), "--executor", "sequential", "--trials", "2", "--warmup", "0"]
    assert main([*argv, "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "time scale 1" in captured.err and " median " in captured.out
    assert main([*argv, "--out", str(tmp_path / "o2"), "--time-scale", "0.5"]) == 2
    assert "got 0.5" in capsys.readouterr().err and not (tmp_path / "o2").exists()
