"""The ``mirrors`` command's entry point, outside the package so that it runs before the
package's import.

Importing ``library_of_mirrors`` (numpy, scipy, numba, scikit-learn, pandas, the cached
kernels) takes one to two seconds.  A SIGINT or SIGTERM in that time would print a
``KeyboardInterrupt`` traceback from inside an import and exit with -2.  Here the two signals
end the process at once with the command's one line and exit code 130 / 143: nothing has been
written yet.  :func:`library_of_mirrors.cli.main` then installs its own handlers, which stop
a running command cleanly (``library_of_mirrors.outputs``).
"""

from __future__ import annotations

import os
import signal
import sys

_EXIT_CODES = {signal.SIGINT: 130, signal.SIGTERM: 143}


def _stop(signum, what: str) -> None:
    sys.stderr.write(f"mirrors: interrupted by {signal.Signals(signum).name}{what}\n")
    sys.stderr.flush()
    os._exit(_EXIT_CODES[signum])


def _before_start(signum, frame):
    _stop(signum, "; no output was written")


def _after_end(signum, frame):  # the command has ended (and said what it wrote)
    _stop(signum, "")


def main() -> int:
    """``mirrors``: hold SIGINT / SIGTERM during the import, then run the command (whose own
    handlers stop it cleanly); a signal during the interpreter's shutdown ends it at once."""
    for sig in _EXIT_CODES:
        signal.signal(sig, _before_start)
    from library_of_mirrors.cli import main as run  # noqa: PLC0415

    try:
        return run()
    finally:
        for sig in _EXIT_CODES:
            signal.signal(sig, _after_end)


__all__ = ["main"]
