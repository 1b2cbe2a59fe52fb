"""Figure 4.6 of the paper: training loss over repeated sampling, per depth.

    python scripts/figure_4_6.py [--out figures] [--quick] [--force] [--seed 0] [...]

Writes figures/figure_4_6.png and figure_4_6.json (the numbers behind it); the same as
``mirrors figures --only 4.6`` (``mirrors figures --help`` lists every option).
"""

import sys

from library_of_mirrors.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["figures", "--only", "4.6", *sys.argv[1:]]))
