"""What a benchmark run records with its numbers: the package version and the commit."""

from __future__ import annotations

import subprocess
from pathlib import Path


def versions() -> dict:
    """The package version and the repository's commit (with "+" when the tree has edits)."""
    import library_of_mirrors

    out = {"library_of_mirrors": library_of_mirrors.__version__, "commit": None}
    try:
        def git(*a):
            return subprocess.run(["git", *a], capture_output=True, text=True, check=True,
                                  cwd=Path(__file__).resolve().parent).stdout.strip()

        out["commit"] = git("rev-parse", "--short", "HEAD") + (
            "+" if git("status", "--porcelain", "--untracked-files=no") else "")
    except (OSError, subprocess.CalledProcessError):
        pass
    return out
