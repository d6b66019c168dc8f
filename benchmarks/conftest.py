"""Micro-benchmarks (pytest-benchmark): not collected by ``pytest`` (testpaths is ``tests``); run them with
``nox -s micro`` or ``python3 -m pytest benchmarks --benchmark-only``."""
