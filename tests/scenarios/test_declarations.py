"""Tool declarations: parameter schemas, idempotency and call arguments in scenario files, and what a model
driver is given."""

from __future__ import annotations

import copy
import tomllib
from typing import Any

import pytest
import tomli_w

from scenarios import (
    ScenarioError,
    ToolDeclaration,
    load_catalog,
    make_plan,
    parse_scenarios,
    scenario_to_dict,
)

WEATHER: dict[str, Any] = {
    "name": "w",
    "tools": [
        {
            "name": "get_weather",
            "description": "Current weather for a location",
            "latency": {"dist": "constant", "ms": 10},
            "idempotent": True,
            "params": {
                "location": {"type": "string", "description": "City", "required": True},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                "days": {"type": "array", "items": {"type": "integer", "minimum": 1}},
                "where": {
                    "type": "object",
                    "properties": {"lat": {"type": "number", "required": True}, "lon": {"type": "number"}},
                },
            },
        }
    ],
    "calls": [{"id": "c0", "tool": "get_weather", "args": {"location": "Madrid", "unit": "celsius"}}],
}


def test_params_become_a_json_schema_object() -> None:
    """[tools.params.X] tables become one JSON-Schema object with properties and required."""
    (s,) = parse_scenarios(WEATHER, "w.toml")
    t = s.tools[0]
    assert t.idempotent is True
    assert t.parameters == {
        "type": "object",
        "properties": {
            "location": {"type": "string", "description": "City"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            "days": {"type": "array", "items": {"type": "integer", "minimum": 1}},
            "where": {
                "type": "object",
                "properties": {"lat": {"type": "number"}, "lon": {"type": "number"}},
                "required": ["lat"],
            },
        },
        "required": ["location"],
    }


def test_declarations_are_what_a_driver_sends() -> None:
    """Scenario.declarations() gives one frozen declaration per tool; as_dict is Gemini's JSON shape."""
    (s,) = parse_scenarios(WEATHER, "w.toml")
    (d,) = s.declarations()
    assert isinstance(d, ToolDeclaration)
    assert d.as_dict()["parameters"]["required"] == ["location"]
    d.as_dict()["parameters"]["required"].append("x")  # a copy: the declaration itself cannot change
    assert d.as_dict()["parameters"]["required"] == ["location"]
    bare = ToolDeclaration("ping", "Is it up?")
    assert bare.as_dict() == {"name": "ping", "description": "Is it up?"}  # no empty OBJECT schema


def test_idempotent_defaults_to_false() -> None:
    """A tool that does not say it is idempotent is not (only idempotent tools will be hedged)."""
    (s,) = parse_scenarios(
        {"name": "t", "tools": [{"name": "a", "latency": {"dist": "constant", "ms": 1}}]}, "t"
    )
    assert s.tools[0].idempotent is False
    assert s.declarations()[0].parameters == {}


def test_call_args_reach_the_plan() -> None:
    """Explicit [[calls]] args are carried on the plan's calls (the executors' ToolCall.args)."""
    (s,) = parse_scenarios(WEATHER, "w.toml")
    (call,) = make_plan(s, 1, 0).calls
    assert {k: v for k, v in call.args.items() if k != "request_id"} == {
        "location": "Madrid",
        "unit": "celsius",
    }


def test_catalog_tools_have_the_documents_signatures() -> None:
    """The document's tools are declared as in its code: get_weather(location, unit), get_time(timezone),
    get_stock_price(symbol); every catalog tool declares its arguments."""
    cat = load_catalog()
    decl = {d.name: d.parameters for d in cat["doc-3apis"].declarations()}
    assert decl["get_weather"]["required"] == ["location"]
    assert decl["get_weather"]["properties"]["unit"]["enum"] == ["celsius", "fahrenheit"]
    assert list(decl["get_time"]["properties"]) == ["timezone"]
    assert list(decl["get_stock_price"]["properties"]) == ["symbol"]
    assert all(t.parameters and t.description for s in cat.values() for t in s.tools)
    assert cat["doc-10apis"].tool("api_3").parameters["required"] == ["query"]


def test_new_fields_round_trip_and_change_the_fingerprint() -> None:
    """params and idempotent survive dump -> load, and both are part of the scenario hash."""
    (s,) = parse_scenarios(WEATHER, "w.toml")
    (back,) = parse_scenarios(tomllib.loads(tomli_w.dumps(scenario_to_dict(s))), "w.toml")
    assert back.tools == s.tools and back.fingerprint() == s.fingerprint()
    for path, value in (("idempotent", False), ("params", {"location": {"type": "string"}})):
        other = copy.deepcopy(WEATHER)
        other["tools"][0][path] = value
        other["calls"][0]["args"] = {"location": "Madrid"}
        (o,) = parse_scenarios(other, "w.toml")
        assert o.fingerprint() != s.fingerprint(), path


def test_a_scenario_without_the_new_fields_keeps_its_hash() -> None:
    """Runs recorded before declarations existed stay comparable: no params, no idempotent, no description,
    no change in the fingerprint (its value is pinned)."""
    (s,) = parse_scenarios(
        {"name": "t", "tools": [{"name": "a", "latency": {"dist": "constant", "ms": 1}}]}, "t"
    )
    assert s.fingerprint() == "ecefec3249b62522"


def _bad(mutate: Any) -> dict[str, Any]:
    d = copy.deepcopy(WEATHER)
    mutate(d)
    return d


def _param(name: str, value: Any) -> Any:
    return lambda d: d["tools"][0]["params"].__setitem__(name, value)


def _args(value: Any) -> Any:
    return lambda d: d["calls"][0].__setitem__("args", value)


BAD = [
    (_param("x", {"type": "str"}), "tools[0].params.x.type: must be one of string, integer"),
    (_param("x", {"description": "no type"}), "tools[0].params.x: missing key 'type'"),
    (_param("x", {"type": "string", "default": 1}), "tools[0].params.x: unknown key 'default'"),
    (
        _param("x", {"type": "integer", "enum": ["a"]}),
        "tools[0].params.x.enum: must be a non-empty list of strings",
    ),
    (_param("x", {"type": "array"}), "tools[0].params.x: a parameter of type array needs items"),
    (_param("x", {"type": "string", "minimum": 1}), "tools[0].params.x.minimum: is allowed only on"),
    (_param("x", {"type": "string", "required": "yes"}), "tools[0].params.x.required: must be true or false"),
    (_param("bad-name", {"type": "string"}), "tools[0].params.bad-name: a parameter name must be"),
    (lambda d: d["tools"][0].__setitem__("idempotent", 1), "tools[0].idempotent: must be true or false"),
    (
        _args({"city": "Madrid"}),
        "calls[0].args.city: get_weather has no argument 'city' (arguments: location",
    ),
    (_args({"unit": "celsius"}), "calls[0].args: missing required argument 'location' of get_weather"),
    (_args({"location": 3}), "calls[0].args.location: must be of type string, got int 3"),
    (_args({"location": "M", "unit": "kelvin"}), "calls[0].args.unit: must be one of celsius, fahrenheit"),
    (_args({"location": "M", "days": [0]}), "calls[0].args.days: must be within [1, inf], got 0"),
    (_args({"location": "M", "where": {"lon": 1.0}}), "calls[0].args.where: misses required key 'lat'"),
]


@pytest.mark.parametrize(("mutate", "message"), BAD, ids=[m for _, m in BAD])
def test_bad_declarations_and_args_are_one_line(mutate: Any, message: str) -> None:
    """Each broken parameter table or call argument is refused with file, key path and what is allowed."""
    with pytest.raises(ScenarioError) as exc:
        parse_scenarios(_bad(mutate), "bad.toml")
    assert str(exc.value).startswith("bad.toml: ")
    assert message in str(exc.value)
    assert "\n" not in str(exc.value)


def test_a_reference_argument_stands_for_any_value() -> None:
    """A {"$from" = id} argument is accepted whatever the declared type (it is resolved at run time)."""
    d = _bad(_args({"location": {"$from": "c1", "key": "ref"}}))
    d["calls"].append({"id": "c1", "tool": "get_weather", "args": {"location": "Oslo"}})
    d["calls"][0]["after"] = ["c1"]
    (s,) = parse_scenarios(d, "w.toml")
    assert len(s.calls) == 2


def test_every_catalog_scenario_round_trips() -> None:
    """Each catalog scenario written back to TOML loads to the same scenario and hash (calls generated from
    ``calls = N`` carry no args table, so required parameters are not demanded of them)."""
    for s in load_catalog().values():
        (back,) = parse_scenarios(tomllib.loads(tomli_w.dumps(scenario_to_dict(s))), s.source)
        assert (back.tools, back.calls, back.fingerprint()) == (s.tools, s.calls, s.fingerprint()), s.name
