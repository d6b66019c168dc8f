"""Run the benchmark, in four wings that follow one run's data flow (docs/architecture.md):

- ``bench.cli``: argument parsing and the commands, nothing else; it builds the typed configs the other
  wings take (only ``python -m bench`` imports it);
- ``bench.run``: plans to calls, the agent session, the one record builder, the runner that writes
  results.jsonl, theory, the experiments and the SDK-AFC peer;
- ``bench.models``: model drivers (simulated, replay, google-genai, legacy), prices, and the fake Gemini;
- ``bench.load``: open-loop load, its runs and pages, the simulated APIs over HTTP, and the Locust user.

Nothing is imported here, so that ``pfcbench list`` and ``--help`` stay light.
"""

__all__: list[str] = []
