"""The width table of docs/analysis.md ("Width of optimal networks") is what the code computes:
every row is regenerated with ``analysis.width_table`` at the settings the doc states (beta and
seed from its "Measured (`python scripts/width_table.py`, beta = ..., seed ..." line, the number
of random vertices from "the narrowest and widest of ... random vertices", the sizes from the N
column) and each cell must equal the regenerated one (integers exactly).  The whole table takes
about 14 s, so every row is checked by default (one test per row)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

from library_of_mirrors.analysis.widths import DEFAULT_CASES, width_markdown, width_table

DOC = Path(__file__).resolve().parents[1] / "docs" / "analysis.md"
HEADER = "| architecture | N |"
CASES = {case.label: case for case in DEFAULT_CASES}


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


@cache
def documented() -> tuple[str, list[list[str]], dict]:
    """The doc's table (header line, rows as cells) and its settings (beta, seed, vertices)."""
    text = DOC.read_text(encoding="utf-8")
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(HEADER))
    rows = []
    for line in lines[start + 2:]:  # after the header and the |---| line
        if not line.strip():
            break
        rows.append(_cells(line))
    flat = " ".join(text.split())
    m = re.search(r"Measured \(`python scripts/width_table\.py`, beta = ([0-9.e+-]+), "
                  r"seed (\d+),", flat)
    v = re.search(r"the narrowest and widest of (\d+) random vertices", flat)
    assert m and v, "the width table's settings are no longer stated in docs/analysis.md"
    settings = {"beta": float(m.group(1)), "seed": int(m.group(2)),
                "n_vertices": int(v.group(1))}
    return lines[start], rows, settings


def regenerated(label: str, n: int) -> list[str]:
    """The row ``label``, N = ``n`` of ``width_table`` at the doc's settings, as table cells."""
    s = documented()[2]
    rows = width_table([CASES[label]], [n], s["beta"], s["n_vertices"], s["seed"])
    return _cells(width_markdown(rows).splitlines()[-1])


def test_table_has_the_header_and_rows_of_width_table():
    header, rows, settings = documented()
    assert settings == {"beta": 1e-3, "seed": 0, "n_vertices": 20}
    assert header == width_markdown([]).splitlines()[0]
    sizes = list(dict.fromkeys(int(r[1]) for r in rows))
    # width_table's order: for each N, every architecture of DEFAULT_CASES
    assert [(r[0], int(r[1])) for r in rows] == \
        [(c.label, n) for n in sizes for c in DEFAULT_CASES]
    assert all(len(r) == len(_cells(header)) for r in rows)


@pytest.mark.parametrize("row", documented()[1], ids=lambda r: f"{r[0]}-N{r[1]}".replace(" ", "_"))
def test_documented_row_is_regenerated(row):
    label, n = row[0], int(row[1])
    got = regenerated(label, n)
    assert row == got, f"stale row in docs/analysis.md; regenerated: | {' | '.join(got)} |"
