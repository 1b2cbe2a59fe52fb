"""Figure 3.3 of the paper: capped ramps: 3-layer relu features.

    python scripts/figure_3_3.py [--out figures] [--quick] [--force] [--seed 0] [...]

Writes figures/figure_3_3.png and figure_3_3.json (the numbers behind it); the same as
``mirrors figures --only 3.3`` (``mirrors figures --help`` lists every option).
"""

import sys

from library_of_mirrors.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["figures", "--only", "3.3", *sys.argv[1:]]))
