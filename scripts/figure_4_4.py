"""Figure 4.4 of the paper: regularization path on planted data: exact vs Adam.

    python scripts/figure_4_4.py [--out figures] [--quick] [--force] [--seed 0] [...]

Writes figures/figure_4_4.png and figure_4_4.json (the numbers behind it); the same as
``mirrors figures --only 4.4`` (``mirrors figures --help`` lists every option).
"""

import sys

from library_of_mirrors.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["figures", "--only", "4.4", *sys.argv[1:]]))
