"""The fake Gemini's scenario server: the loopback fake answering with a scenario's calls.

Each scenario's calls become the fake's ``functionCall`` parts (tool names in plan order; arguments made up
from the schema the client declares, as a real model would), chosen per request by the tools the client
declares, so one server answers every scenario of a run.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any, cast

from bench.models._fake_server import FakeGeminiConfig, FakeGeminiServer
from scenarios import Scenario

JSON = dict[str, Any]


class ScenarioGeminiServer(FakeGeminiServer):
    """A fake whose plan is picked by the declared tool names: scenario A's tools get A's calls."""

    def __init__(
        self,
        config: FakeGeminiConfig,
        plans: Mapping[frozenset[str], FakeGeminiConfig],
        *,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.plans = dict(plans)
        super().__init__(config, host=host, port=port)

    def plan_for(self, tool_names: Sequence[str]) -> FakeGeminiConfig:
        return self.plans.get(frozenset(tool_names), self.config)


def scenario_calls(scenario: Scenario) -> list[JSON]:
    return [{"name": c.tool, "args": {}} for c in scenario.calls]


def scenario_plans(
    scenarios: Sequence[Scenario], base: FakeGeminiConfig
) -> dict[frozenset[str], FakeGeminiConfig]:
    """One fake plan per distinct tool set; two scenarios with the same tools must make the same calls."""
    plans: dict[frozenset[str], FakeGeminiConfig] = {}
    for s in scenarios:
        key = frozenset(t.name for t in s.tools)
        cfg = dataclasses.replace(base, calls=scenario_calls(s))
        if key in plans and plans[key].calls != cfg.calls:
            raise ValueError(f"`scenario` {s.name}: same tools as another scenario but different calls")
        plans[key] = cfg
    return plans


def start_scenario_server(
    scenarios: Sequence[Scenario], base: FakeGeminiConfig | None = None, *, port: int = 0
) -> ScenarioGeminiServer:
    """A running fake for these scenarios (tests use it in-process; the command serves it until Ctrl-C)."""
    base = base or FakeGeminiConfig()
    server = ScenarioGeminiServer(base, scenario_plans(scenarios, base), port=port)
    return cast(ScenarioGeminiServer, server.start())
