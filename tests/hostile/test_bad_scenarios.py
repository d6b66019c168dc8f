"""Hostile scenario files through the CLI: each bad tool definition is one line naming the file, the field and
what is allowed, with exit code 2 and no traceback."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import pytest

from bench.cli import main

_module_names = (f"hostile_tools_{i}" for i in itertools.count())

MODULE = '''
import time
ANSWER = 42

def needs_x(x: str) -> dict:
    """Needs x."""
    return {"x": x}

def no_hints(x, y=1):
    """No type hints."""
    return x
'''

TOOL = 'name = "t"\n'


def tool(body: str) -> str:
    """A scenario with one [[tools]] table (the module's name is filled in as {mod})."""
    return f'name = "bad"\n[[tools]]\n{TOOL}{body}\n'


CASES: list[tuple[str, str, list[str], int, str]] = [
    # (id, scenario text, extra CLI args, exit code, message fragment)
    (
        "python-no-colon",
        tool('python = "nocolon"'),
        [],
        2,
        'tools[0].python: must be "package.module:function"',
    ),
    (
        "python-bad-chars",
        tool('python = "a-b:c"'),
        [],
        2,
        'tools[0].python: must be "package.module:function"',
    ),
    (
        "python-no-module",
        tool('python = "no_such_module_zz:f"'),
        [],
        2,
        "tools[0].python: cannot import 'no_such_module_zz'",
    ),
    (
        "python-no-function",
        tool('python = "{mod}:nope"'),
        [],
        2,
        "tools[0].python: module '{mod}' has no function 'nope' (has: needs_x, no_hints",
    ),
    (
        "python-not-a-function",
        tool('python = "{mod}:ANSWER"'),
        [],
        2,
        "tools[0].python: '{mod}:ANSWER' is a int, not a function",
    ),
    (
        "python-import-raises",
        tool('python = "{mod}_boom:f"'),
        [],
        2,
        "tools[0].python: importing '{mod}_boom' raised RuntimeError: boom",
    ),
    (
        "python-no-hints",
        tool('python = "{mod}:no_hints"\ncalls = 0\n[[calls]]\nid = "a"\ntool = "t"\nargs = { x = 1 }'),
        [],
        2,
        "tools[0].python: cannot declare 'no_hints' from its signature",
    ),
    (
        "python-with-params",
        tool('python = "{mod}:needs_x"\n[tools.params.x]\ntype = "string"'),
        [],
        2,
        "tools[0].params: a python tool's arguments come from its signature",
    ),
    (
        "python-with-faults",
        tool('python = "{mod}:needs_x"\nerror_rate = 0.1'),
        [],
        2,
        "tools[0].error_rate: is for simulated tools; a python tool succeeds or fails on its own",
    ),
    (
        "python-and-http",
        tool('python = "{mod}:needs_x"\nhttp = { url = "http://127.0.0.1:1/" }'),
        [],
        2,
        "tools[0].http: a tool is either python or http, not both",
    ),
    (
        "python-auto-call-needs-args",
        tool('python = "{mod}:needs_x"'),
        [],
        2,
        "calls: t(): missing a required argument: 'x' (give its calls' args in [[calls]] tables)",
    ),
    (
        "python-call-bad-arg",
        tool('python = "{mod}:needs_x"\n[[calls]]\nid = "a"\ntool = "t"\nargs = { x = "1", y = "1" }'),
        [],
        2,
        "calls[0].args: t(): unexpected argument 'y' (arguments: x)",
    ),
    (
        "python-time-scale",
        tool('python = "{mod}:needs_x"\n[[calls]]\nid = "a"\ntool = "t"\nargs = { x = "1" }'),
        ["--time-scale", "0.5"],
        2,
        "tools: 't' (python = \"{mod}:needs_x\") does real work that a time scale cannot shrink; only --time-scale 1 is allowed, got 0.5",
    ),
    ("http-no-url", tool('http = { method = "GET" }'), [], 2, "tools[0].http: missing key 'url'"),
    (
        "http-bad-method",
        tool('http = { url = "http://127.0.0.1:1/x", method = "PUT" }'),
        [],
        2,
        "tools[0].http.method: must be GET or POST, got 'PUT'",
    ),
    (
        "http-bad-scheme",
        tool('http = { url = "ftp://127.0.0.1/x?key=SECRET" }'),
        [],
        2,
        "tools[0].http.url: must be an http:// or https:// URL with a host, got ftp://127.0.0.1/x",
    ),
    (
        "http-userinfo-hidden",
        tool('http = { url = "ftp://me:SECRET@127.0.0.1/x" }'),
        [],
        2,
        "tools[0].http.url: must be an http:// or https:// URL with a host, got ftp://127.0.0.1/x",
    ),
    (
        "http-no-host",
        tool('http = { url = "127.0.0.1:8000/x" }'),
        [],
        2,
        "tools[0].http.url: must be an http:// or https:// URL with a host",
    ),
    (
        "http-bad-timeout",
        tool('http = { url = "http://127.0.0.1:1/x", timeout_ms = 0 }'),
        [],
        2,
        "tools[0].http.timeout_ms: must be > 0, got 0",
    ),
    (
        "http-unknown-key",
        tool('http = { url = "http://127.0.0.1:1/x", verb = "GET" }'),
        [],
        2,
        "tools[0].http: unknown key 'verb' (allowed: method, timeout_ms, url)",
    ),
    (
        "http-time-scale",
        tool('http = { url = "http://127.0.0.1:1/x" }'),
        ["--time-scale", "2"],
        2,
        "tools: 't' (http) does real work that a time scale cannot shrink; only --time-scale 1 is allowed, got 2",
    ),
    (
        "http-call-bad-type",
        tool(
            'http = { url = "http://127.0.0.1:1/x" }\n[tools.params.q]\ntype = "string"\n[[calls]]\nid = "a"\ntool = "t"\nargs = { q = 3 }'
        ),
        [],
        2,
        "calls[0].args.q: must be of type string, got int 3",
    ),
    (
        "simulated-no-latency",
        tool('description = "nothing"'),
        [],
        2,
        "tools[0]: missing key 'latency' (or python = \"module:function\" or http = { url = ... })",
    ),
    (
        "params-bad-type",
        tool('latency = { dist = "constant", ms = 1 }\n[tools.params.q]\ntype = "text"'),
        [],
        2,
        "tools[0].params.q.type: must be one of string, integer, number, boolean, array, object, got 'text'",
    ),
]


@pytest.mark.parametrize(
    ("text", "extra", "code", "fragment"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_tool_definitions_are_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, extra: list[str], code: int, fragment: str
) -> None:
    """The CLI refuses the file with one line on stderr: file, field, what is allowed; exit 2."""
    mod = next(_module_names)
    (tmp_path / f"{mod}.py").write_text(MODULE)
    (tmp_path / f"{mod}_boom.py").write_text("raise RuntimeError('boom')\n")
    scenario = tmp_path / "bad.toml"
    scenario.write_text(text.replace("{mod}", mod))
    try:
        got = main(
            ["run", "--scenario", str(scenario), "--out", str(tmp_path / "out"), "--trials", "1", *extra]
        )
    finally:
        for name in (mod, f"{mod}_boom"):
            sys.modules.pop(name, None)
    err = capsys.readouterr().err
    assert got == code
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert str(scenario) in err
    assert fragment.replace("{mod}", mod) in err, err
    assert "SECRET" not in err
