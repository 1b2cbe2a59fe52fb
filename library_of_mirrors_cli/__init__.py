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


def _before_start(signum, frame):
    sys.stderr.write(f"mirrors: interrupted by {signal.Signals(signum).name}; no output was "
                     "written\n")
    sys.stderr.flush()
    os._exit(_EXIT_CODES[signum])


def main() -> int:
    """``mirrors``: hold SIGINT / SIGTERM during the import, then run the command (whose own
    handlers stop it cleanly).  Once the command has ended, the two signals are ignored: the
    interpreter's shutdown restores the default action of a signal with a Python handler (not
    of an ignored one), and a Ctrl-C then killed a command that had written its files and
    said so (exit -2 instead of its own code)."""
    for sig in _EXIT_CODES:
        signal.signal(sig, _before_start)
    from library_of_mirrors.cli import main as run  # noqa: PLC0415

    try:
        return run()
    finally:
        for sig in _EXIT_CODES:
            signal.signal(sig, signal.SIG_IGN)


__all__ = ["main"]
