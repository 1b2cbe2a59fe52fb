"""Figure 4.7 of the paper: test loss over repeated sampling, per depth.

    python scripts/figure_4_7.py [--out figures] [--quick] [--force] [--seed 0] [...]

Writes figures/figure_4_7.png and figure_4_7.json (the numbers behind it); the same as
``mirrors figures --only 4.7`` (``mirrors figures --help`` lists every option).
"""

import sys

from library_of_mirrors.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["figures", "--only", "4.7", *sys.argv[1:]]))
