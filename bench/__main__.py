"""``python -m bench`` is ``pfcbench``."""

import sys

try:
    from bench.cli import main
except KeyboardInterrupt:  # Ctrl-C while the command is still importing: one line, not a traceback
    print("pfcbench: interrupted", file=sys.stderr)
    sys.exit(130)

from bench.cli import leave

leave(main())
