"""Read and show results: the results-file schema, tidy frames, statistics, markdown and PNG figures.

A leaf package: it reads files and imports nothing else of pfcbench.
"""

from reports._load_figures import plot_latency_over_time, plot_sweep
from reports._schema import (
    CALL_STATUSES,
    SCHEMA_VERSION,
    CallRecord,
    ResultsWriter,
    SchemaError,
    TrialRecord,
    parse_record,
    read_records,
    write_json_atomic,
    write_text_atomic,
)

__all__ = [
    "CALL_STATUSES",
    "SCHEMA_VERSION",
    "CallRecord",
    "ResultsWriter",
    "SchemaError",
    "TrialRecord",
    "parse_record",
    "plot_latency_over_time",
    "plot_sweep",
    "read_records",
    "write_json_atomic",
    "write_text_atomic",
]
