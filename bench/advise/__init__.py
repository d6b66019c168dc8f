"""``pfcbench advise``: from a workload and a quota to the executor, pool size, limiter, timeout and hedge to
use. Searches configurations on a virtual clock, confirms the best by a paired measured run, and writes
advice.json, advice.md and pareto.png."""

from bench.advise._advise import advise
from bench.advise._config import AdviseConfig, AdviseError
from bench.advise._confirm import Measured, sweep
from bench.advise._framework import framework_advice, read_conformance
from bench.advise._render import drop_partial_advice
from bench.advise._search import Search, search
from bench.advise._space import Candidate, candidate_space, hedgeable

__all__ = [
    "AdviseConfig",
    "AdviseError",
    "Candidate",
    "Measured",
    "Search",
    "advise",
    "candidate_space",
    "drop_partial_advice",
    "framework_advice",
    "hedgeable",
    "read_conformance",
    "search",
    "sweep",
]
