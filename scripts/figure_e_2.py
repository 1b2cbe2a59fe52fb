"""Figure E.2 of the paper: training time over repeated sampling, per depth.

    python scripts/figure_e_2.py [--out figures] [--quick] [--force] [--seed 0] [...]

Writes figures/figure_e_2.png and figure_e_2.json (the numbers behind it); the same as
``mirrors figures --only E.2`` (``mirrors figures --help`` lists every option).
"""

import sys

from library_of_mirrors.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["figures", "--only", "E.2", *sys.argv[1:]]))
