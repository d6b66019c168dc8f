"""A Locust ``User`` that runs pfcbench sessions (no model: one executor run of a fresh plan) and reports
every query and every tool call to Locust's statistics, so Locust can spread the load over many machines.

Imported only by ``locustfile.py``: Locust monkey-patches the stdlib with gevent on import, so nothing else
in pfcbench may import this module. Configured by environment variables (workers inherit their own):
``PFC_SCENARIO`` (doc-3apis), ``PFC_EXECUTOR`` (threaded), ``PFC_TIME_SCALE`` (0.1), ``PFC_SEED`` (7),
``PFC_API_URL`` (unset: simulated APIs in this process; set: a ``pfcbench serve-apis`` on loopback),
``PFC_WAIT_S`` (0: each user starts its next session at once; Locust users are closed-loop).
"""

from __future__ import annotations

import itertools
import os
import time
from typing import Any, ClassVar

from locust import User, constant, task

from bench.load._session import outcome_of
from bench.run import RunConfig, assemble, quotas_of, tool_calls
from scenarios import build_toolbox, load_catalog, make_plan, quota_states, resolve

_TRIALS = itertools.count()


class SessionFailed(Exception):
    """A query (or a call) that did not end ok; its text is what Locust groups failures by."""


class PfcSessionUser(User):
    wait_time = constant(float(os.environ.get("PFC_WAIT_S", "0")))
    #: per-process state shared by this worker's users: one quota state per quota, as on one server
    _shared: ClassVar[dict[str, Any]] = {}

    def on_start(self) -> None:
        sh = self._shared
        if not sh:
            scale = float(os.environ.get("PFC_TIME_SCALE", "0.1"))
            (sc,) = resolve(os.environ.get("PFC_SCENARIO", "doc-3apis"), load_catalog())
            sh.update(scenario=sc, scale=scale, seed=int(os.environ.get("PFC_SEED", "7")))
            sh["states"] = quota_states(sc, scale)
            url = os.environ.get("PFC_API_URL")
            if url:
                from bench.load._http_client import HttpApis  # noqa: PLC0415  # only with PFC_API_URL

                sh["apis"] = HttpApis(url)
        self.label = os.environ.get("PFC_EXECUTOR", "threaded")
        # each user owns its executor (its pool), as each agent session would
        config = RunConfig((sh["scenario"],), (self.label,), seed=sh["seed"], time_scale=sh["scale"])
        self.parts = assemble(config)
        self.executor = self.parts.executors[self.label]

    def on_stop(self) -> None:
        self.parts.close()

    @task
    def session(self) -> None:
        sh = self._shared
        sc, scale = sh["scenario"], sh["scale"]
        runner = self.environment.runner
        # Workers draw disjoint trial indices, so no two sessions of a distributed run share a plan.
        trial = getattr(runner, "worker_index", 0) * 10_000_000 + next(_TRIALS)
        plan = make_plan(sc, sh["seed"], trial)
        apis = sh.get("apis")
        tools: Any = apis.tools_for(plan) if apis else build_toolbox(plan, scale, quota_states=sh["states"])
        t0 = time.perf_counter()
        results = self.executor.run(tool_calls(plan), tools, quotas=quotas_of(sc, scale))
        makespan = time.perf_counter() - t0
        fire = self.environment.events.request.fire
        for r in results:
            fire(
                request_type="call",
                name=r.call.name,
                response_time=(r.end - r.start) * 1000,
                response_length=0,
                exception=None if r.ok else SessionFailed(f"{r.status}: {r.error}"),
                context={},
            )
        out = outcome_of(results)
        fire(
            request_type="query",
            name=f"{sc.name}/{self.label}",
            response_time=makespan * 1000,
            response_length=0,
            exception=None if out.status == "ok" else SessionFailed(out.status),
            context={"trial": trial, "n_429": out.n_429},
        )
