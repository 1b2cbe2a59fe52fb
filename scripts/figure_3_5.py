"""Figure 3.5 of the paper: Lasso vs Adam, 3-layer symmetrized relu.

    python scripts/figure_3_5.py [--out figures] [--quick] [--force] [--seed 0] [...]

Writes figures/figure_3_5.png and figure_3_5.json (the numbers behind it); the same as
``mirrors figures --only 3.5`` (``mirrors figures --help`` lists every option).
"""

import sys

from library_of_mirrors.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["figures", "--only", "3.5", *sys.argv[1:]]))
