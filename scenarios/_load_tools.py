"""One ``[[tools]]`` table of a scenario file -> its ``ToolSpec``s: the latency (a distribution, a mixture or
an empirical CSV), faults, quota, parameters, and a Python or HTTP tool's binding. Refusals are one line, as in
``scenarios._load``."""

from __future__ import annotations

import csv
import importlib.util
import urllib.parse
from collections.abc import Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any

from scenarios._fields import MAX_MS, At, check_bool, check_int, check_num, check_str, check_table
from scenarios._latency import PARAMETRIC, Constant, Empirical, Latency, Mixture, tail_ms
from scenarios._params import parse_params
from scenarios._pycall import declare, import_callable
from scenarios._spec import Faults, HttpEndpoint, ToolSpec, redact_url

_DISTS: dict[str, tuple[set[str], set[str]]] = {
    # dist: (required keys, optional keys)
    **{dist: ({f.name for f in fields(cls)}, set()) for dist, cls in PARAMETRIC.items()},
    "empirical": ({"csv"}, {"column"}),
    "mixture": ({"components"}, set()),
}
#: a parameter's lower bound and whether it is open; alpha <= 1: infinite mean, no theory to compare with
_LOWER: dict[str, tuple[float, bool]] = {
    "ms": (0, False), "low_ms": (0, False), "high_ms": (0, False), "mean_ms": (0, False), "sd_ms": (0, True),
    "median_ms": (0, True), "sigma": (0, True), "shape": (0, True), "scale_ms": (0, True), "alpha": (1, True),
}  # fmt: skip


def _latency(at: At, v: Any, base: Path | None) -> Latency:
    lat = _distribution(at, v, base)
    # each parameter may be in range while their combination is not (gamma shape 1e6 x scale 1e6 ms)
    tail = tail_ms(lat)
    if tail > MAX_MS:
        raise at.fail(
            f"its 99.9th percentile is about {tail:.3g} ms; at most {MAX_MS:.0f} ms (one day) is allowed"
        )
    return lat


def _distribution(at: At, v: Any, base: Path | None) -> Latency:
    if not isinstance(v, dict):
        raise at.fail('must be a table like {dist = "uniform", low_ms = 100, high_ms = 500}')
    dist = v.get("dist")
    if dist not in _DISTS:
        raise at.key("dist").fail(f"must be one of {', '.join(_DISTS)}, got {dist!r}")
    req, opt = _DISTS[dist]
    extra = {"weight"} if at.path.endswith("]") and ".components" in at.path else set()
    d = check_table(at, v, req | opt | {"dist"} | extra, req | {"dist"})
    if dist == "empirical":
        return _empirical(at, d, base)
    if dist == "mixture":
        return _mixture(at, d, base)
    cls = PARAMETRIC[dist]
    kw = {}
    for f in fields(cls):
        lo, lo_open = _LOWER[f.name]
        kw[f.name] = check_num(at.key(f.name), d[f.name], lo=lo, lo_open=lo_open)
    if dist == "uniform" and kw["low_ms"] > kw["high_ms"]:
        raise at.key("low_ms").fail(f"must be <= high_ms ({kw['high_ms']:g}), got {kw['low_ms']:g}")
    lat: Latency = cls(**kw)
    return lat


def _mixture(at: At, d: dict[str, Any], base: Path | None) -> Latency:
    comps = d["components"]
    if not isinstance(comps, list) or len(comps) < 2:
        raise at.key("components").fail("must be a list of at least two latency tables with a weight")
    weights, parts = [], []
    for i, c in enumerate(comps):
        cat = at.key("components").key(i)
        if not isinstance(c, dict) or "weight" not in c:
            raise cat.fail("each component needs a 'weight' > 0 and a dist")
        weights.append(check_num(cat.key("weight"), c["weight"], lo=0, lo_open=True))
        parts.append(_latency(cat, c, base))
    return Mixture(tuple(weights), tuple(parts))


def _empirical(at: At, d: dict[str, Any], base: Path | None) -> Latency:
    name = check_str(at.key("csv"), d["csv"])
    path = Path(name) if Path(name).is_absolute() or base is None else base / name
    column = d.get("column", 0)
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
    except OSError as exc:
        raise at.key("csv").fail(f"cannot read {path}: {exc.strerror}") from None
    if rows and isinstance(column, str):
        header = rows.pop(0)
        if column not in header:
            raise at.key("column").fail(f"no column {column!r} in {path} (columns: {', '.join(header)})")
        col = header.index(column)
    else:
        col = check_int(at.key("column"), column)
        if rows and not _is_number(rows[0][col] if col < len(rows[0]) else ""):
            rows.pop(0)  # a header row
    values = []
    for i, row in enumerate(rows, 1):
        if not row or col >= len(row) or not row[col].strip():
            continue
        if not _is_number(row[col]) or not 0 <= float(row[col]) <= MAX_MS:
            raise at.key("csv").fail(
                f"{path} row {i}: latency must be a number of ms >= 0 and <= {MAX_MS:.0f}, got {row[col]!r}"
            )
        values.append(float(row[col]))
    if not values:
        raise at.key("csv").fail(f"{path} has no latency values")
    return Empirical(tuple(values), source=path.name)


def _is_number(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True


_TOOL = {
    "name", "count", "calls", "description", "latency", "error_rate", "hang_rate", "hang_ms", "quota",
    "params", "idempotent", "python", "http",
}  # fmt: skip


def tool_entry(
    tat: At, t: Any, base: Path | None, quota_members: Mapping[str, list[str]]
) -> tuple[list[ToolSpec], int, str | None]:
    """One [[tools]] table -> its tools (``count`` copies), calls per copy, and the quota it names."""
    check_table(tat, t, _TOOL, {"name"})
    count = check_int(tat.key("count"), t.get("count", 1), lo=1)
    per_tool = check_int(tat.key("calls"), t.get("calls", 1), lo=0)
    real = _real_tool(tat, t, base)
    if "latency" in t:
        lat = _latency(tat.key("latency"), t["latency"], base)
    elif real:
        lat = Constant(0.0)  # no expectation given: bounds and predictions count this tool as instant
    else:
        raise tat.fail("missing key 'latency' (or python = \"module:function\" or http = { url = ... })")
    faults = Faults(
        error_rate=check_num(tat.key("error_rate"), t.get("error_rate", 0.0), lo=0, hi=1),
        hang_rate=check_num(tat.key("hang_rate"), t.get("hang_rate", 0.0), lo=0, hi=1),
        hang_ms=check_num(tat.key("hang_ms"), t.get("hang_ms", 60_000.0), lo=0, lo_open=True),
    )
    quota = t.get("quota")
    if quota is not None and check_str(tat.key("quota"), quota) not in quota_members:
        known = ", ".join(quota_members) or "none defined"
        raise tat.key("quota").fail(f"no [quotas.{quota}] table (quotas: {known})")
    params = real.pop("parameters", None) or parse_params(tat.key("params"), t.get("params"))
    doc = real.pop("doc", "")
    idempotent = check_bool(tat.key("idempotent"), t.get("idempotent", False))
    tname = check_str(tat.key("name"), t["name"])
    if count > 1 and "{i}" not in tname:
        raise tat.key("name").fail("with count > 1 the name needs {i}, e.g. 'api_{i}'")
    specs = []
    for j in range(count):
        desc = check_str(tat.key("description"), t.get("description", doc)).replace("{i}", str(j))
        specs.append(ToolSpec(tname.replace("{i}", str(j)), lat, faults, desc, params, idempotent, **real))
    return specs, per_tool, quota


_SIMULATED_ONLY = ("error_rate", "hang_rate", "hang_ms")


def _real_tool(tat: At, t: dict[str, Any], base: Path | None) -> dict[str, Any]:
    """The ToolSpec fields of a Python or HTTP tool ({} for a simulated one)."""
    if "python" in t and "http" in t:
        raise tat.key("http").fail("a tool is either python or http, not both")
    kind = "python" if "python" in t else "http" if "http" in t else ""
    if not kind:
        return {}
    for k in _SIMULATED_ONLY:
        if k in t:
            raise tat.key(k).fail(f"is for simulated tools; a {kind} tool succeeds or fails on its own")
    if kind == "http":
        return {"http": _endpoint(tat.key("http"), t["http"])}
    if "params" in t:
        raise tat.key("params").fail("a python tool's arguments come from its signature; remove params")
    func = import_callable(tat.key("python"), t["python"], base)
    doc, params = declare(tat.key("python"), func)
    return {"python": t["python"], "func": func, "parameters": params, "doc": doc}


_HTTP = {"url", "method", "timeout_ms"}


def _endpoint(at: At, v: Any) -> HttpEndpoint:
    d = check_table(at, v, _HTTP, {"url"})
    url = check_str(at.key("url"), d["url"])
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        shown = redact_url(url) if parts.scheme else repr(url.split("?")[0].split("@")[-1])
        raise at.key("url").fail(f"must be an http:// or https:// URL with a host, got {shown}")
    method = check_str(at.key("method"), d.get("method", "GET")).upper()
    if method not in ("GET", "POST"):
        raise at.key("method").fail(f"must be GET or POST, got {d['method']!r}")
    timeout = check_num(at.key("timeout_ms"), d.get("timeout_ms", 10_000.0), lo=0, lo_open=True)
    if importlib.util.find_spec("httpx") is None:
        raise at.fail("HTTP tools need httpx: install pfcbench's 'load' extra (pip install 'pfcbench[load]')")
    return HttpEndpoint(url, method, timeout)
