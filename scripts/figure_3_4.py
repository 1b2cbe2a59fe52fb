"""Figure 3.4 of the paper: relu features: ramps, capped ramps, symmetrized generalized reflections.

    python scripts/figure_3_4.py [--out figures] [--quick] [--force] [--seed 0] [...]

Writes figures/figure_3_4.png and figure_3_4.json (the numbers behind it); the same as
``mirrors figures --only 3.4`` (``mirrors figures --help`` lists every option).
"""

import sys

from library_of_mirrors.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["figures", "--only", "3.4", *sys.argv[1:]]))
