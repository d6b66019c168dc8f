"""Scenario -> the TOML-shaped dict the loader reads (matrix already expanded), so scenarios round-trip
and a generated scenario can be saved as a file."""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import Any

from scenarios._latency import PARAMETRIC, Empirical, Latency, Mixture
from scenarios._params import params_to_toml
from scenarios._spec import CallSpec, Faults, Scenario

_DIST_OF = {cls: name for name, cls in PARAMETRIC.items()}


def latency_to_dict(lat: Latency) -> dict[str, Any]:
    match lat:
        case Mixture():
            return {
                "dist": "mixture",
                "components": [
                    {"weight": w, **latency_to_dict(c)}
                    for w, c in zip(lat.weights, lat.components, strict=True)
                ],
            }
        case Empirical():
            raise ValueError("an empirical latency refers to a CSV file; save the file beside the scenario")
    cls = type(lat)
    if cls not in _DIST_OF:
        raise TypeError(f"unknown latency {lat!r}")
    return {"dist": _DIST_OF[cls], **{f.name: getattr(lat, f.name) for f in fields(cls)}}


def scenario_to_dict(s: Scenario) -> dict[str, Any]:
    tools = []
    for t in s.tools:
        d: dict[str, Any] = {"name": t.name, "latency": latency_to_dict(t.latency), "calls": 0}
        if t.description:
            d["description"] = t.description
        if t.python:
            d["python"] = t.python  # its parameters come from the function's signature
        elif t.parameters:
            d["params"] = params_to_toml(t.parameters)
        if t.http is not None:
            d["http"] = t.http.as_dict()
        if t.idempotent:
            d["idempotent"] = True
        if t.faults != Faults():
            d |= {
                "error_rate": t.faults.error_rate,
                "hang_rate": t.faults.hang_rate,
                "hang_ms": t.faults.hang_ms,
            }
        q = s.quota_of(t.name)
        if q is not None:
            d["quota"] = q.name
        tools.append(d)
    out: dict[str, Any] = {"name": s.name, "description": s.description, "tools": tools}
    # Calls are written explicitly, so ids, args and dependencies survive the trip.
    out["calls"] = [_call_to_dict(c) for c in s.calls]
    for t in out["tools"]:
        del t["calls"]
    if s.quotas:
        out["quotas"] = {
            q.name: {"calls": q.calls, "period_ms": q.period_ms, "burst": q.burst} for q in s.quotas
        }
    if s.doc is not None:
        out["doc"] = asdict(s.doc)  # its fields are the [doc] table's keys
    return out


def _call_to_dict(c: CallSpec) -> dict[str, Any]:
    d: dict[str, Any] = {"id": c.id, "tool": c.tool}
    args = {k: v for k, v in c.args.items() if k != "request_id"}
    if args:  # no args table: the arguments stay unsaid, as in a call generated from ``calls = N``
        d["args"] = args
    if c.probability < 1:
        d["probability"] = c.probability
    return d | {"after": list(c.after)}
