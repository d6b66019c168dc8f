"""Small scenarios built in code, so the advisor's tests do not depend on the catalog's figures."""

from __future__ import annotations

import tomllib
from typing import Any

from scenarios import Scenario, parse_scenarios


def scenario(text: str) -> Scenario:
    data: dict[str, Any] = tomllib.loads(text)
    return parse_scenarios(data, "test.toml")[0]


#: two independent tools: one idempotent with a heavy tail, one not idempotent
MIXED = """
name = "mixed"
description = "one hedgeable tool, one not"
[[tools]]
name = "search"
latency = { dist = "lognormal", median_ms = 100, sigma = 0.8 }
idempotent = true
[[tools]]
name = "book"
latency = { dist = "uniform", low_ms = 50, high_ms = 150 }
"""

#: a quota shared by an idempotent tool
QUOTA = """
name = "quota"
description = "an idempotent tool under a quota"
[quotas.api]
calls = 2
period_ms = 100
[[tools]]
name = "api"
calls = 6
latency = { dist = "constant", ms = 20 }
quota = "api"
idempotent = true
"""

#: a chain: b waits for a
CHAIN = """
name = "chain"
description = "b after a"
[[tools]]
name = "t"
latency = { dist = "constant", ms = 10 }
[[calls]]
id = "a"
tool = "t"
[[calls]]
id = "b"
tool = "t"
after = ["a"]
"""
