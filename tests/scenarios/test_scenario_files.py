"""TOML scenarios: the catalog, strict validation with one-line messages, matrices and round-trips."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from hypothesis import given, settings
from hypothesis import strategies as st

from scenarios import ScenarioError, load_catalog, load_file, parse_scenarios, resolve, scenario_to_dict

BASE: dict[str, Any] = {
    "name": "t",
    "tools": [{"name": "a", "latency": {"dist": "constant", "ms": 10}}],
}


def test_catalog_has_the_document_rows_with_their_claims() -> None:
    """The four document rows ship with the document's figures as data."""
    cat = load_catalog()
    claims = {
        n: (cat[n].doc.sequential_ms, cat[n].doc.parallel_ms, cat[n].doc.speedup)  # type: ignore[union-attr]
        for n in ("doc-3apis", "doc-5apis", "doc-10apis", "doc-10apis-ratelimited")
    }
    assert claims == {
        "doc-3apis": (1500, 500, 3),
        "doc-5apis": (2500, 800, 3),
        "doc-10apis": (3000, 500, 6),
        "doc-10apis-ratelimited": (3000, 1200, 2.5),
    }
    assert [len(cat[n].calls) for n in ("doc-3apis", "doc-5apis", "doc-10apis")] == [3, 5, 10]
    q = cat["doc-10apis-ratelimited"].quotas[0]
    assert q.windows_ms() == ((10, 1000.0), (2, 200.0))


def test_matrix_expands_one_file_into_several_scenarios() -> None:
    """fanout-{n} gives one scenario per n, with n tools each, all of family 'fanout'."""
    cat = load_catalog()
    sizes = {int(n.split("-")[1]): len(s.calls) for n, s in cat.items() if s.family == "fanout"}
    assert sizes == {1: 1, 2: 2, 3: 3, 5: 5, 10: 10, 20: 20, 50: 50, 100: 100}


def _with(path: str, value: Any) -> dict[str, Any]:
    """BASE with one key (dotted path, list indices as ints) replaced."""
    import copy

    d = copy.deepcopy(BASE)
    keys = path.split(".")
    cur: Any = d
    for k in keys[:-1]:
        cur = cur[int(k)] if k.isdigit() else cur[k]
    last = keys[-1]
    if isinstance(cur, list):
        cur[int(last)] = value
    else:
        cur[last] = value
    return d


BAD = [
    (_with("colour", "red"), "(top level): unknown key 'colour'"),
    (_with("tools", []), "tools: must be a non-empty list"),
    (
        _with("tools.0.latency", {"dist": "uniform", "low_ms": 500, "high_ms": 100}),
        "tools[0].latency.low_ms: must be <= high_ms (100), got 500",
    ),
    (_with("tools.0.latency", {"dist": "constant", "ms": -5}), "tools[0].latency.ms: must be >= 0, got -5"),
    (_with("tools.0.latency", {"dist": "constant", "ms": "fast"}), "tools[0].latency.ms: must be a number"),
    (_with("tools.0.latency", {"dist": "zipf"}), "tools[0].latency.dist: must be one of constant, uniform"),
    (_with("tools.0.latency", {"dist": "constant", "ms": 1, "sd": 2}), "tools[0].latency: unknown key 'sd'"),
    (_with("tools.0.latency", {"dist": "pareto", "scale_ms": 1, "alpha": 1}), "alpha: must be > 1"),
    (_with("tools.0.error_rate", 1.5), "tools[0].error_rate: must be <= 1"),
    (_with("tools.0.count", 0), "tools[0].count: must be >= 1"),
    (_with("tools.0.count", 2), "tools[0].name: with count > 1 the name needs {i}"),
    (_with("tools.0.quota", "missing"), "tools[0].quota: no [quotas.missing] table"),
    (_with("tools.0.name", 7), "tools[0].name: must be a string"),
    (
        {
            **BASE,
            "calls": [{"id": "x", "tool": "a", "after": ["y"]}, {"id": "y", "tool": "a", "after": ["x"]}],
        },
        "calls: dependency cycle x -> y -> x",
    ),
    ({**BASE, "calls": [{"id": "x", "tool": "a", "after": ["nope"]}]}, "calls[0].after: no call 'nope'"),
    ({**BASE, "calls": [{"id": "x", "tool": "b"}]}, "calls[0].tool: no tool 'b'"),
    (
        {
            **BASE,
            "quotas": {"q": {"calls": 2, "period_ms": 100, "burst": 3}},
            "tools": [{"name": "a", "latency": {"dist": "constant", "ms": 1}, "quota": "q"}],
        },
        "quotas.q.burst: must be <= calls (2), got 3",
    ),
    ({**BASE, "quotas": {"q": {"calls": 2, "period_ms": 100}}}, "quotas.q: no tool uses this quota"),
    ({**BASE, "name": "x-{n}", "matrix": {"n": []}}, "matrix.n: must be a non-empty list"),
]


@pytest.mark.parametrize(("data", "message"), BAD, ids=[m for _, m in BAD])
def test_invalid_scenarios_are_refused_with_one_line(data: dict[str, Any], message: str) -> None:
    """Each broken file is refused with 'file: key path: what is allowed' on one line."""
    with pytest.raises(ScenarioError) as exc:
        parse_scenarios(data, "bad.toml")
    text = str(exc.value)
    assert text.startswith("bad.toml: ")
    assert message in text
    assert "\n" not in text


def test_broken_toml_names_the_file(tmp_path: Path) -> None:
    """A syntax error is reported with the file name, not a traceback."""
    p = tmp_path / "broken.toml"
    p.write_text("name = \n")
    with pytest.raises(ScenarioError, match=r"broken\.toml: not valid TOML"):
        load_file(p)


def test_unknown_scenario_name_lists_the_catalog() -> None:
    """An unknown name says what is allowed."""
    with pytest.raises(ScenarioError, match=r"unknown scenario 'nope'; choose one of .*doc-3apis"):
        resolve("nope")


def test_empirical_latencies_from_csv(tmp_path: Path) -> None:
    """An empirical distribution reads milliseconds from a CSV beside the scenario file."""
    (tmp_path / "lat.csv").write_text("latency_ms\n100\n200\n300\n")
    f = tmp_path / "e.toml"
    f.write_text('name = "e"\n[[tools]]\nname = "a"\nlatency = { dist = "empirical", csv = "lat.csv" }\n')
    (s,) = load_file(f)
    assert s.tools[0].latency.mean() == pytest.approx(200.0)


latency_st = st.one_of(
    st.builds(lambda ms: {"dist": "constant", "ms": ms}, st.floats(0, 5000)),
    st.builds(
        lambda a, b: {"dist": "uniform", "low_ms": min(a, b), "high_ms": max(a, b)},
        st.floats(0, 5000),
        st.floats(0, 5000),
    ),
    st.builds(
        lambda m, s: {"dist": "lognormal", "median_ms": m, "sigma": s}, st.floats(1, 5000), st.floats(0.01, 3)
    ),
    st.builds(
        lambda k, t: {"dist": "gamma", "shape": k, "scale_ms": t}, st.floats(0.1, 10), st.floats(1, 1000)
    ),
)


@st.composite
def scenario_docs(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(1, 6))
    tools = [
        {"name": f"t{i}", "latency": draw(latency_st), "error_rate": draw(st.floats(0, 1))} for i in range(n)
    ]
    for t in tools:
        if draw(st.booleans()):
            t["idempotent"] = True
        if draw(st.booleans()):
            t["params"] = {"q": {"type": "string", "required": True}, "n": {"type": "integer", "minimum": 1}}
    doc: dict[str, Any] = {"name": "gen", "description": "generated", "tools": tools}
    if draw(st.booleans()):
        doc["quotas"] = {"q": {"calls": draw(st.integers(2, 20)), "period_ms": draw(st.floats(1, 5000))}}
        tools[0]["quota"] = "q"
    return doc


@settings(max_examples=60, deadline=None)
@given(scenario_docs())
def test_scenario_files_round_trip(doc: dict[str, Any]) -> None:
    """Any valid scenario written back to TOML loads to the same scenario (and the same fingerprint)."""
    (s,) = parse_scenarios(doc, "gen.toml")
    text = tomli_w.dumps(scenario_to_dict(s))
    (back,) = parse_scenarios(tomllib.loads(text), "gen.toml")
    assert (back.tools, back.calls, back.quotas, back.doc) == (s.tools, s.calls, s.quotas, s.doc)
    assert back.fingerprint() == s.fingerprint()
