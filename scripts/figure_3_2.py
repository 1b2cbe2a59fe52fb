"""Figure 3.2 of the paper: Lasso vs Adam, deep narrow abs networks, L = 3, 4, 5.

    python scripts/figure_3_2.py [--out figures] [--quick] [--force] [--seed 0] [...]

Writes figures/figure_3_2.png and figure_3_2.json (the numbers behind it); the same as
``mirrors figures --only 3.2`` (``mirrors figures --help`` lists every option).
"""

import sys

from library_of_mirrors.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["figures", "--only", "3.2", *sys.argv[1:]]))
