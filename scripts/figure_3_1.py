"""Figure 3.1 of the paper: deep narrow abs features: reflection and double-reflection breakpoints.

    python scripts/figure_3_1.py [--out figures] [--quick] [--force] [--seed 0] [...]

Writes figures/figure_3_1.png and figure_3_1.json (the numbers behind it); the same as
``mirrors figures --only 3.1`` (``mirrors figures --help`` lists every option).
"""

import sys

from library_of_mirrors.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["figures", "--only", "3.1", *sys.argv[1:]]))
