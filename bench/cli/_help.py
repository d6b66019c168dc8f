"""What every command's help shares: descriptions, examples, flag help and shown defaults. ("Did you mean"
for a name the user typed is given where the name is checked: executors and guard tools in bench.run's
assembler, scenarios, their keys, tools and arguments where the scenario is read.)"""

from __future__ import annotations

import argparse
import textwrap


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Descriptions and examples as written; every flag's help ends with its default when it has one."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        d = action.default
        shown = d not in (None, False, argparse.SUPPRESS) and not isinstance(d, list)
        if shown and action.option_strings and "default" not in text and "%(default)" not in text:
            text += " (default: %(default)s)"
        return text


#: per command: what it is for, and examples (the page's description and epilog)
COMMANDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "list": ("List the catalog's scenarios and the executors, with what each does.", ("pfcbench list",)),
    "run": (
        "Measure scenarios x executors: every executor runs the same planned turn in each trial, in a "
        "shuffled order; one record per (scenario, trial, executor) goes to OUT/results.jsonl as it ends. "
        "Prints the answer (median, CI, speedup per executor) when it ends.",
        (
            "pfcbench run --scenario my_tools.toml --executor sequential --executor threaded@4 "
            "--executor asyncio --out runs/mine",
            "pfcbench run --scenario doc-10apis --trials 30 --out runs/doc",
        ),
    ),
    "report": (
        "Render report.md, summary.csv, tools.csv, figures and trace.json from a run directory's files "
        "(nothing is re-run), and print the run's answer.",
        ("pfcbench report runs/mine",),
    ),
    "load": (
        "Open-loop load test of a simulated scenario: queries arrive on a fixed schedule whatever the "
        "executor does, so queueing shows as latency (one rate, or a sweep to find saturation).",
        ("pfcbench load --scenario doc-10apis --rate 20 --duration 10 --out runs/load",),
    ),
    "serve-apis": (
        "Serve a simulated scenario's APIs over HTTP on loopback, for load tests over a real network stack.",
        ("pfcbench serve-apis --scenario doc-10apis --port 8765",),
    ),
    "http-compare": (
        "Run the same plans in-process and over loopback HTTP: what the network stack costs each executor.",
        ("pfcbench http-compare --scenario doc-10apis --out runs/http",),
    ),
    "experiments": (
        "The document's failure experiments (partial results, ignored dependencies, rate limits, flaky "
        "retries) on the catalog, with a page of outcomes.",
        ("pfcbench experiments --out runs/experiments",),
    ),
    "serve-gemini": (
        "Serve a loopback fake of the Gemini API whose model asks for a scenario's calls, so real clients "
        "(google-genai, frameworks) can be run offline: point GOOGLE_GEMINI_BASE_URL at it.",
        ("pfcbench serve-gemini --scenario doc-3apis --port 8766",),
    ),
    "fit": (
        "Fit a scenario file to OTLP JSON trace files (gen_ai execute_tool spans): each tool's latency "
        "distribution, error rate, quota and the most common turn.",
        ("pfcbench fit traces/*.json --out my-agent.toml",),
    ),
    "advise": (
        "Which executor, pool size, timeout and hedge to use: searched on a virtual clock, the best "
        "confirmed by measurement; advice.md says what binds the parallel time and whether to keep what "
        "you have (--current).",
        ("pfcbench advise --scenario my_tools.toml --current threaded@5 --out runs/advice",),
    ),
    "compare": (
        "Compare a candidate run with a baseline run, cell by cell (scenario x executor), with the judgement "
        "'pfcbench gate --baseline' uses: the makespan ratio candidate/baseline and its CI, paired per trial "
        "when the runs share seed and plans, unpaired otherwise.",
        (
            "pfcbench compare runs/new --baseline runs/main",
            "pfcbench compare runs/main runs/new      (BASE NEW, the older order)",
        ),
    ),
    # gate's description is written beside its flags: it quotes the default policy's figures
    "gate": (
        "",
        (
            "pfcbench gate runs/new --baseline runs/main",
            "pfcbench gate runs/new --spec gates/default.toml --baseline runs/main",
        ),
    ),
    "conformance": (
        "Put each installed agent framework executor (or those named) through designed turns and measure, "
        "in this run: parallel or not (tool phase vs the longest call, peak in flight), whether its "
        "concurrency knob is honoured, whether a sync tool blocks its event loop, a hung tool under its "
        "timeout knob (and the thread left running), result order and ids, a failing call's siblings, and "
        "dispatch overhead per call at fan-out 1/10/100 against the raw primitive (medians with 95% CIs). "
        "Writes conformance.json, conformance.md and conformance_overhead.png (docs/frameworks.md).",
        (
            "pfcbench conformance --out results/conformance",
            "pfcbench conformance --framework langgraph-async --framework pydantic-ai --out results/conf",
            "pfcbench conformance --overhead-only --rounds 21 --out results/peers",
        ),
    ),
    "history": (
        "Keep a store of runs across commits (SQLite): add run directories, check the candidate against a "
        "baseline commit (steps and drifts; exit 1 on a regression), show trends per cell.",
        (
            "pfcbench history add runs/now",
            "pfcbench history check --against merge-base",
            "pfcbench history show --out trend/",
        ),
    ),
}

#: help for flags a command declares without any (by destination)
FLAGS = {
    "trials": "measured trials per scenario x executor",
    "seed": "seed of the planned latencies and the order of executors in a trial",
    "out": "directory to write into",
    "dir": "a run directory (holding results.jsonl)",
    "scenario": "catalog name, a .toml file or file.toml:name",
    "executor": "executor label NAME[@K], repeatable",
    "arrival": "arrival process of the queries",
    "transport": "how queries reach the APIs: in this process, or over loopback HTTP",
    "system_instruction": "the model's system instruction",
    "function_calling": "function calling mode of the request",
    "thinking_level": "Gemini 3 thinking level",
    "temperature": "sampling temperature",
    "history_command": "what to do with the store",
}


def finish(parser: argparse.ArgumentParser) -> None:
    """Give every subcommand its description, examples and the help formatter, and every flag help."""
    for action in parser._actions:  # argparse keeps its subparsers here and nowhere public
        if not isinstance(action, argparse._SubParsersAction):
            continue
        for name, sub in action.choices.items():
            sub.formatter_class = HelpFormatter
            description, examples = COMMANDS.get(name, (None, ()))
            if sub.description is None:
                sub.description = description or next(
                    (a.help for a in action._choices_actions if a.dest == name), None
                )
            if sub.description and "\n" not in sub.description:
                sub.description = textwrap.fill(sub.description, 100)
            if sub.epilog is None and examples:
                sub.epilog = "examples:\n" + "\n".join(f"  {e}" for e in examples)
            for a in sub._actions:
                if a.help is None:
                    a.help = FLAGS.get(a.dest)
            finish(sub)  # a command's own subcommands (history add, show, ...)
