"""Figure B.1 of the paper: every 3-layer symmetrized relu feature on three points.

    python scripts/figure_b_1.py [--out figures] [--quick] [--force] [--seed 0] [...]

Writes figures/figure_b_1.png and figure_b_1.json (the numbers behind it); the same as
``mirrors figures --only B.1`` (``mirrors figures --help`` lists every option).
"""

import sys

from library_of_mirrors.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["figures", "--only", "B.1", *sys.argv[1:]]))
