"""Figure E.1 of the paper: test MSE over the optimal set (hit-and-run), 3-layer relu.

    python scripts/figure_e_1.py [--out figures] [--quick] [--force] [--seed 0] [...]

Writes figures/figure_e_1.png and figure_e_1.json (the numbers behind it); the same as
``mirrors figures --only E.1`` (``mirrors figures --help`` lists every option).
"""

import sys

from library_of_mirrors.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["figures", "--only", "E.1", *sys.argv[1:]]))
