"""Read and show results: the results-file schema, tidy frames, statistics, markdown and PNG figures.

A leaf package: it reads files and imports nothing else of pfcbench.
"""

from reports._e2e import median_ci, render_e2e, render_e2e_markdown
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
    "median_ci",
    "parse_record",
    "read_records",
    "render_e2e",
    "render_e2e_markdown",
    "write_json_atomic",
    "write_text_atomic",
]
