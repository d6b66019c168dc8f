"""The time scale one scenario of a run is measured at: the run's, raised for a scenario with a quota so
the server's grace stays above the machine's scheduling jitter (``scenarios.quota_time_scale``).

Only plain executor runs are raised: under guards the deadlines and timeouts were scaled once for the run,
and a model session's model latency is scaled by its driver, so raising the tools alone would change what
is measured. Every record carries the time scale it ran at, so reports convert each to document ms alike.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scenarios import Scenario, quota_time_scale

if TYPE_CHECKING:
    from bench.run._config import RunConfig


def scale_for(config: RunConfig, scenario: Scenario) -> float:
    """The time scale ``scenario`` runs at in ``config``'s run."""
    if config.model != "none" or config.guarded or config.plans is not None:
        return config.time_scale
    return quota_time_scale(scenario, config.time_scale, config.quota_grace_wall_ms / 1000)
