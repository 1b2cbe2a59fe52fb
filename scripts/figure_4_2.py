"""Figure 4.2 of the paper: training time: exact network vs Adam.

    python scripts/figure_4_2.py [--out figures] [--quick] [--force] [--seed 0] [...]

Writes figures/figure_4_2.png and figure_4_2.json (the numbers behind it); the same as
``mirrors figures --only 4.2`` (``mirrors figures --help`` lists every option).
"""

import sys

from library_of_mirrors.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["figures", "--only", "4.2", *sys.argv[1:]]))
