"""The defaults of every run comparison (gate, compare, history), apart from the numpy that judges them, so
the command line can state them in ``--help`` without importing numpy. ``tools/gate_power.py`` measures
their false-positive rate and power."""

from __future__ import annotations

#: a cell fails when its makespan ratio's whole CI lies above 1 + this
DEFAULT_TOLERANCE = 0.05
DEFAULT_CONFIDENCE = 0.99
DEFAULT_RESAMPLES = 2000
#: below this many trials on either side nothing is declared significant: a CI of one or two ratios is a
#: point or a coin flip, not evidence
MIN_TEST_TRIALS = 3
