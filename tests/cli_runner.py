"""The ``mirrors`` command run in-process: ``main(argv)`` with stdout and stderr captured.

Each subprocess paid ~2.5 s of interpreter start, imports and numba cache loading; in-process
the command does the same work on the same code path (``main`` turns errors into one line on
stderr and an exit code, argparse errors into ``SystemExit(2)``).  Tests whose point is the
process boundary (a closed pipe, the working directory, a console script) still use a real
subprocess."""

import contextlib
import io
import os
import warnings
from dataclasses import dataclass

from library_of_mirrors.cli import main


@dataclass
class Completed:
    returncode: int
    stdout: str
    stderr: str


def run_cli(*args, cwd=None) -> Completed:
    out, err = io.StringIO(), io.StringIO()
    saved = warnings.showwarning
    here = os.getcwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
                warnings.catch_warnings():
            warnings.simplefilter("always")
            try:
                code = main([str(a) for a in args])
            except SystemExit as e:
                code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    finally:
        warnings.showwarning = saved
        os.chdir(here)
    return Completed(code, out.getvalue(), err.getvalue())
