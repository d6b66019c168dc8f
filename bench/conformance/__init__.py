"""``pfcbench conformance``: each installed agent framework's dispatch of parallel calls put through designed
turns (parallelism, caps, a sync tool on a loop, a hung tool, order and ids, a failing sibling, overhead
per call against the raw primitive), measured in the run that reports it."""

from bench.conformance._suite import ConformanceConfig, ConformanceError, run_conformance

__all__ = ["ConformanceConfig", "ConformanceError", "run_conformance"]
