"""Run and judge, in four wings that follow one run's data flow:

- ``bench.cli``: argument parsing and the commands, nothing else (nothing imports it);
- ``bench.run``: plans to calls, the agent session, the runner that writes results.jsonl, theory;
- ``bench.models``: model drivers (simulated, replay, google-genai, legacy) and the fake Gemini server;
- ``bench.load``: open-loop load and the Locust user.

Nothing is imported here, so that ``pfcbench list`` and ``--help`` stay light.
"""

__all__: list[str] = []
