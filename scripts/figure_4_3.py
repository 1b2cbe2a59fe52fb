"""Figure 4.3 of the paper: loss per depth, sampled deep abs libraries (one example each).

    python scripts/figure_4_3.py [--out figures] [--quick] [--force] [--seed 0] [...]

Writes figures/figure_4_3.png and figure_4_3.json (the numbers behind it); the same as
``mirrors figures --only 4.3`` (``mirrors figures --help`` lists every option).
"""

import sys

from library_of_mirrors.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["figures", "--only", "4.3", *sys.argv[1:]]))
