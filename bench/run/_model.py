"""The model driver a run asks for (``RunConfig.model`` and ``model_options``), wrapped in a recorder when
a recording is asked; every failure to build it is one ``RunError`` line naming the setting."""

from __future__ import annotations

from collections.abc import Sequence

from bench.models import (
    CassetteError,
    GenerationSettings,
    ModelDriver,
    ModelError,
    RecordingModel,
    ReplayModel,
    SimulatedModel,
    SimulatedParams,
    make_gemini_model,
)
from bench.run._config import RunConfig, RunError
from scenarios import Constant, Latency, LogNormal


def build_model(config: RunConfig) -> tuple[ModelDriver | None, ModelDriver | None]:
    """The driver and the warm-up driver (the same one unrecorded; None for a replay, whose cassette holds
    only the recorded queries); (None, None) without a model."""
    if config.model == "none":
        return None, None
    inner = _inner(config)
    driver: ModelDriver = inner
    record = config.model_options.record
    if record is not None:
        try:
            driver = RecordingModel(inner, record)
        except OSError as exc:
            inner.close()
            raise RunError(f"`record` {record}: cannot write there ({exc.strerror})") from None
    return driver, (None if config.model == "replay" else inner)


def _inner(config: RunConfig) -> ModelDriver:
    opts = config.model_options
    try:
        if config.model == "simulated":
            ttft: Latency = Constant(opts.sim_ttft_ms)
            if opts.sim_ttft_jitter > 0:
                ttft = LogNormal(median_ms=opts.sim_ttft_ms, sigma=opts.sim_ttft_jitter)
            params = SimulatedParams(ttft=ttft, tokens_per_s=opts.sim_tokens_per_s)
            return SimulatedModel(None, params, time_scale=config.time_scale)
        if config.model in ("gemini", "gemini-legacy"):
            return make_gemini_model(
                "gemini" if config.model == "gemini" else "gemini-legacy",
                model=config.gemini_model,
                base_url=config.gemini_base_url,
                settings=GenerationSettings(**config.settings),
                stream=config.stream,
            )
        if opts.cassette is None:
            raise RunError("`model` replay needs `cassette` FILE (written by a run with `record` FILE)")
        return ReplayModel(opts.cassette, latency=opts.replay_latency)
    except (ModelError, CassetteError) as exc:
        raise RunError(f"`model` {config.model}: {exc}") from None
    except ImportError as exc:
        extra = "legacy" if config.model == "gemini-legacy" else "gemini"
        raise RunError(
            f"`model` {config.model}: {exc.name or 'the SDK'} is not installed (pip install 'pfcbench[{extra}]')"
        ) from None


def check_cassette(driver: ModelDriver | None, config: RunConfig, labels: Sequence[str]) -> None:
    """A replay's cassette must hold these scenarios (same hashes) and executors."""
    if isinstance(driver, ReplayModel):
        try:
            driver.check_run({s.name: s.fingerprint() for s in config.scenarios}, labels)
        except CassetteError as exc:
            raise RunError(f"`model` replay: {exc}") from None
