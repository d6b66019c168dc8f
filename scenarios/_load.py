"""TOML scenario files: strict validation and matrix expansion (one file can describe 3, 5 and 10 APIs).

Every refusal is one line: ``file: key.path: what is allowed``. The format is documented in
``docs/scenarios.md``.
"""

from __future__ import annotations

import functools
import graphlib
import itertools
import math
import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from scenarios._fields import (
    MAX_CALLS,
    MAX_SCENARIOS,
    MAX_TOOLS,
    At,
    ScenarioError,
    check_bool,
    check_int,
    check_num,
    check_str,
    check_table,
    did_you_mean,
)
from scenarios._load_tools import tool_entry
from scenarios._params import check_args
from scenarios._pycall import check_binding
from scenarios._spec import CallSpec, DocClaim, RateLimit, Scenario, ToolSpec

_TOP = {"name", "description", "matrix", "doc", "tools", "quotas", "calls", "model"}
_QUOTA = {"calls", "period_ms", "burst"}
_CALL = {"id", "tool", "args", "after", "probability"}
_DOC = {"row", "sequential_ms", "parallel_ms", "speedup"}


def _expand(v: Any, values: Mapping[str, Any]) -> Any:
    """Substitute {key} for matrix values in every string; a string that is exactly "{key}" becomes the value."""
    if isinstance(v, str):
        whole = re.fullmatch(r"\{(\w+)\}", v)
        if whole and whole.group(1) in values:
            return values[whole.group(1)]
        return re.sub(r"\{(\w+)\}", lambda m: str(values.get(m.group(1), m.group(0))), v)
    if isinstance(v, list):
        return [_expand(x, values) for x in v]
    if isinstance(v, dict):
        return {k: _expand(x, values) for k, x in v.items()}
    return v


def parse_scenarios(data: dict[str, Any], file: str, base: Path | None = None) -> list[Scenario]:
    """A parsed TOML document -> its scenarios (several when it has a [matrix])."""
    at = At(file, "")
    check_table(at, data, _TOP, {"name", "tools"})
    parse_model_table(data.get("model", {}), file)
    matrix = data.get("matrix", {})
    check_table(at.key("matrix"), matrix, set(matrix))
    keys = list(matrix)
    for k in keys:
        if not isinstance(matrix[k], list) or not matrix[k]:
            raise at.key("matrix").key(k).fail("must be a non-empty list of values")
    size = math.prod(len(matrix[k]) for k in keys)
    if size > MAX_SCENARIOS:
        raise at.key("matrix").fail(
            f"makes {size} scenarios; at most {MAX_SCENARIOS} per file (split the file)"
        )
    template = {k: v for k, v in data.items() if k != "matrix"}
    family = re.sub(r"[-_]*\{\w+\}", "", check_str(at.key("name"), data["name"])) or data["name"]
    out = []
    for combo in itertools.product(*(matrix[k] for k in keys)) if keys else [()]:
        values = dict(zip(keys, combo, strict=True))
        out.append(_scenario(_expand(template, values), at, base, family if keys else ""))
    names = [s.name for s in out]
    if len(set(names)) != len(names):
        raise at.key("name").fail("matrix values must give each scenario a distinct name (use {key} in name)")
    return out


def _scenario(d: dict[str, Any], at: At, base: Path | None, family: str) -> Scenario:
    name = check_str(at.key("name"), d["name"])
    if not re.fullmatch(r"[A-Za-z0-9][\w.-]*", name):
        raise at.key("name").fail(f"must be letters, digits, '-', '_' or '.', got {name!r}")
    quotas_raw = d.get("quotas", {})
    check_table(at.key("quotas"), quotas_raw, set(quotas_raw))
    tools: list[ToolSpec] = []
    auto_calls: list[tuple[str, int]] = []
    quota_members: dict[str, list[str]] = {q: [] for q in quotas_raw}
    raw_tools = d["tools"]
    if not isinstance(raw_tools, list) or not raw_tools:
        raise at.key("tools").fail("must be a non-empty list of [[tools]] tables")
    for i, t in enumerate(raw_tools):
        specs, per_tool, quota = tool_entry(at.key("tools").key(i), t, base, quota_members)
        tools.extend(specs)
        auto_calls.extend((spec.name, per_tool) for spec in specs)
        if quota is not None:
            quota_members[quota].extend(spec.name for spec in specs)
        if len(tools) > MAX_TOOLS:
            raise at.key("tools").fail(f"makes more than {MAX_TOOLS} tools; at most {MAX_TOOLS} per scenario")
    tool_names = [t.name for t in tools]
    if len(set(tool_names)) != len(tool_names):
        dup = next(n for n in tool_names if tool_names.count(n) > 1)
        raise at.key("tools").fail(f"tool name {dup!r} appears twice")
    quotas = []
    for qname, q in quotas_raw.items():
        qat = at.key("quotas").key(qname)
        check_table(qat, q, _QUOTA, {"calls", "period_ms"})
        calls = check_int(qat.key("calls"), q["calls"], lo=1)
        burst = check_int(qat.key("burst"), q.get("burst", calls), lo=1)
        if burst > calls:
            raise qat.key("burst").fail(f"must be <= calls ({calls}), got {burst}")
        period = check_num(qat.key("period_ms"), q["period_ms"], lo=0, lo_open=True)
        if not quota_members[qname]:
            raise qat.fail('no tool uses this quota (set quota = "' + qname + '" on a tool)')
        quotas.append(RateLimit(qname, calls, period, burst, tuple(quota_members[qname])))
    calls_list = _calls(at, d, auto_calls, {t.name: t for t in tools})
    doc = None
    if "doc" in d:
        dat = at.key("doc")
        dd = check_table(dat, d["doc"], _DOC, _DOC)
        doc = DocClaim(
            row=check_str(dat.key("row"), dd["row"]),
            sequential_ms=check_num(dat.key("sequential_ms"), dd["sequential_ms"], lo=0, lo_open=True),
            parallel_ms=check_num(dat.key("parallel_ms"), dd["parallel_ms"], lo=0, lo_open=True),
            speedup=check_num(dat.key("speedup"), dd["speedup"], lo=0, lo_open=True),
        )
    return Scenario(
        name=name,
        description=check_str(at.key("description"), d.get("description", "")),
        tools=tuple(tools),
        calls=tuple(calls_list),
        quotas=tuple(quotas),
        doc=doc,
        family=family or name,
        source=at.file,
    )


def _generated_calls(at: At, auto: list[tuple[str, int]], tools: Mapping[str, ToolSpec]) -> list[CallSpec]:
    """The calls of a scenario without [[calls]] tables: each tool's ``calls`` count, without arguments."""
    total = sum(k for _, k in auto)
    if total > MAX_CALLS:
        raise at.key("tools").fail(f"make {total} calls; at most {MAX_CALLS} per scenario")
    counter = (f"c{i}" for i in itertools.count())
    out = [
        CallSpec(cid, nm, {"request_id": cid}) for nm, k in auto for _ in range(k) for cid in [next(counter)]
    ]
    if not out:
        raise at.key("tools").fail("the tools make no calls (every 'calls' is 0)")
    for nm in dict.fromkeys(c.tool for c in out):
        func = tools[nm].func
        if func is not None:  # generated calls carry no arguments: the function must take none
            check_binding(at.key("calls"), nm, func, {}, " (give its calls' args in [[calls]] tables)")
    return out


def _calls(
    at: At, d: dict[str, Any], auto: list[tuple[str, int]], tools: Mapping[str, ToolSpec]
) -> list[CallSpec]:
    if "calls" not in d:
        return _generated_calls(at, auto, tools)
    raw = d["calls"]
    if not isinstance(raw, list) or not raw:
        raise at.key("calls").fail("must be a non-empty list of [[calls]] tables")
    if len(raw) > MAX_CALLS:
        raise at.key("calls").fail(f"has {len(raw)} calls; at most {MAX_CALLS} per scenario")
    out = []
    for i, c in enumerate(raw):
        cat = at.key("calls").key(i)
        check_table(cat, c, _CALL, {"id", "tool"})
        cid = check_str(cat.key("id"), c["id"])
        tool = check_str(cat.key("tool"), c["tool"])
        if tool not in tools:
            known = f"{did_you_mean(tool, tools)} (tools: {', '.join(sorted(tools))})"
            raise cat.key("tool").fail(f"no tool {tool!r}{known}")
        args = c.get("args", {})
        check_table(cat.key("args"), args, set(args))
        spec = tools[tool]
        if spec.func is not None:
            check_binding(cat.key("args"), tool, spec.func, args)
        else:
            # a call without an args table leaves its arguments unsaid (a simulated tool ignores them, a
            # model chooses its own): only a call that gives arguments must give the required ones
            check_args(cat.key("args"), tool, spec.parameters, args, complete="args" in c)
        after = c.get("after", [])
        if not isinstance(after, list) or not all(isinstance(a, str) for a in after):
            raise cat.key("after").fail("must be a list of call ids")
        p = check_num(cat.key("probability"), c.get("probability", 1.0), lo=0, hi=1, lo_open=True)
        out.append(CallSpec(cid, tool, {**args, "request_id": cid}, tuple(after), p))
    ids = [c.id for c in out]
    if len(set(ids)) != len(ids):
        raise at.key("calls").fail(f"call id {next(i for i in ids if ids.count(i) > 1)!r} appears twice")
    for i, c in enumerate(out):
        for a in c.after:
            if a not in ids:
                raise at.key("calls").key(i).key("after").fail(f"no call {a!r} (calls: {', '.join(ids)})")
    _check_optional(at, out)
    try:
        graphlib.TopologicalSorter({c.id: c.after for c in out}).prepare()
    except graphlib.CycleError as exc:
        # graphlib walks from a call to its dependents; reversed, it reads "a waits for b waits for … a"
        raise at.key("calls").fail("dependency cycle " + " -> ".join(reversed(exc.args[1]))) from None
    return out


def _check_optional(at: At, calls: Sequence[CallSpec]) -> None:
    """A call made in only some turns cannot be waited on, and some call must be made in every turn."""
    optional = {c.id for c in calls if c.probability < 1}
    for i, c in enumerate(calls):
        waits = [a for a in c.after if a in optional]
        if waits or (c.after and c.probability < 1):
            raise (
                at.key("calls")
                .key(i)
                .key("after")
                .fail(
                    "a call with probability < 1 cannot wait for others or be waited for "
                    f"({c.id} after {', '.join(c.after)})"
                )
            )
    if optional and len(optional) == len(calls):
        raise at.key("calls").fail("every call has probability < 1: at least one must be made in every turn")


def check_time_scale(scenarios: Iterable[Scenario], time_scale: float, flag: str = "--time-scale") -> None:
    """Refuse a time scale other than 1 for a scenario with real (Python or HTTP) tools: a time scale shrinks
    simulated sleeps, never real work, so the two kinds of tool would no longer be measured alike."""
    if time_scale == 1:
        return
    for s in scenarios:
        for t in s.real_tools():
            what = f'python = "{t.python}"' if t.python else "http"
            raise ScenarioError(
                f"{s.source or s.name}: tools: {t.name!r} ({what}) does real work that a time scale cannot "
                f"shrink; only {flag} 1 is allowed, got {time_scale:g}"
            )


def load_file(path: str | Path) -> list[Scenario]:
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise ScenarioError(f"{p}: cannot read scenario file: {exc.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{p}: not valid TOML: {exc}") from None
    return parse_scenarios(data, str(p), p.parent)


# -- the [model] table: how a user asks the model (read by bench, which owns what the settings mean) --------

_MODEL_STR = {"prompt", "system_instruction", "function_calling", "thinking_level"}
_MODEL_KEYS = _MODEL_STR | {"thinking_budget", "include_thoughts", "temperature"}
_CALLING_MODES = ("AUTO", "ANY", "NONE", "VALIDATED")
_THINKING_LEVELS = ("MINIMAL", "LOW", "MEDIUM", "HIGH")


def parse_model_table(v: Any, file: str) -> dict[str, Any]:
    """A scenario file's ``[model]`` table, validated: prompt, system_instruction, function_calling
    (AUTO|ANY|NONE|VALIDATED), thinking_budget (integer, -1 = dynamic), thinking_level, include_thoughts,
    temperature (0..2). Unknown keys and bad values are one line naming the file and field."""
    at = At(file, "model")
    d = dict(check_table(at, v, _MODEL_KEYS))
    for k in _MODEL_STR & set(d):
        d[k] = check_str(at.key(k), d[k])
    if "function_calling" in d:
        d["function_calling"] = d["function_calling"].upper()
        if d["function_calling"] not in _CALLING_MODES:
            raise at.key("function_calling").fail(f"must be one of {', '.join(_CALLING_MODES)}")
    if "thinking_level" in d:
        d["thinking_level"] = d["thinking_level"].upper()
        if d["thinking_level"] not in _THINKING_LEVELS:
            raise at.key("thinking_level").fail(f"must be one of {', '.join(_THINKING_LEVELS)}")
    if "thinking_budget" in d:
        d["thinking_budget"] = check_int(at.key("thinking_budget"), d["thinking_budget"], lo=-1)
    if "include_thoughts" in d:
        check_bool(at.key("include_thoughts"), d["include_thoughts"])
    if "temperature" in d:
        d["temperature"] = check_num(at.key("temperature"), d["temperature"], lo=0.0, hi=2.0)
    return d


def model_table(scenario: Scenario) -> dict[str, Any]:
    """The ``[model]`` table of the file ``scenario`` came from (empty when it has none)."""
    return dict(_model_table_of(scenario.source))


@functools.lru_cache(maxsize=64)
def _model_table_of(source: str) -> dict[str, Any]:
    # read once per file: the runner asks for every query's prompt
    try:
        data = tomllib.loads(Path(source).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return {}
    return parse_model_table(data.get("model", {}), source)


def _catalog_files() -> Iterator[Path]:
    root = resources.files("scenarios") / "catalog"
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            yield Path(str(entry))


def load_catalog() -> dict[str, Scenario]:
    """Every scenario shipped with the package, by name."""
    out: dict[str, Scenario] = {}
    for f in _catalog_files():
        for s in load_file(f):
            if s.name in out:
                raise ScenarioError(f"{f}: name: scenario {s.name!r} is also defined in {out[s.name].source}")
            out[s.name] = s
    return out


def resolve(ref: str, catalog: Mapping[str, Scenario] | None = None) -> list[Scenario]:
    """A catalog name, or a path to a TOML file (all its matrix scenarios), or 'path.toml:name'."""
    cat = load_catalog() if catalog is None else catalog
    if ref in cat:
        return [cat[ref]]
    path, _, pick = ref.partition(".toml:")
    if ref.endswith(".toml") or pick:
        found = load_file(path + ".toml" if pick else ref)
        if pick:
            chosen = [s for s in found if s.name == pick]
            if not chosen:
                names = [s.name for s in found]
                raise ScenarioError(
                    f"{path}.toml: no scenario {pick!r}{did_you_mean(pick, names)} (has: {', '.join(names)})"
                )
            return chosen
        return found
    raise ScenarioError(
        f"`scenario`: unknown scenario {ref!r}{did_you_mean(ref, cat)}; choose one of {', '.join(sorted(cat))} "
        "or a .toml file"
    )
