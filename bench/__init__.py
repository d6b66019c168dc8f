"""Run and judge the benchmark, in seven wings that follow one run's data flow (docs/architecture.md). Each
imports only wings below it: ``cli > advise | load > run > models | traces``, and ``history`` below ``cli``
only; nothing imports ``cli``.

- ``bench.cli``: argument parsing, one module per subcommand (``register(sub)`` and a handler), nothing
  else; it builds the typed configs the other wings take and starts servers (only ``python -m bench``
  imports it);
- ``bench.advise``: the configuration search on a virtual clock, confirmed by a paired run through
  ``bench.run``;
- ``bench.load``: open-loop load, its runs and pages, the simulated APIs over HTTP, and the Locust user;
- ``bench.run``: the one owner of a run: ``RunConfig`` (executor specs with their ``GuardSpec``) assembled
  into executors, guards, limiters and the model driver, run and closed; results.jsonl, run.json,
  theory.json, otel.json; trace replay, the agent session, the one record builder, the experiments and the
  SDK-AFC peer;
- ``bench.history``: runs across commits: a SQLite store, series per cell, change points, checks against a
  baseline commit; it reads results files through ``reports`` only, like a report, and imports no other wing;
- ``bench.models``: model drivers (simulated, replay, google-genai, legacy), prices, the fake Gemini and
  its scenario server;
- ``bench.traces``: OTLP JSON in and out (otel.json, turns read from traces) and fitting scenarios to
  them, a format wing that imports nothing of ``bench.run``.

Nothing is imported here, so that ``pfcbench list`` and ``--help`` stay light.
"""

__all__: list[str] = []
