"""Figure 4.1 of the paper: autoregression: exact network vs Adam vs AR(1), training and test loss.

    python scripts/figure_4_1.py [--out figures] [--quick] [--force] [--seed 0] [...]

Writes figures/figure_4_1.png and figure_4_1.json (the numbers behind it); the same as
``mirrors figures --only 4.1`` (``mirrors figures --help`` lists every option).
"""

import sys

from library_of_mirrors.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["figures", "--only", "4.1", *sys.argv[1:]]))
