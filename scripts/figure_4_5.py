"""Figure 4.5 of the paper: predictions per depth, sampled deep libraries.

    python scripts/figure_4_5.py [--out figures] [--quick] [--force] [--seed 0] [...]

Writes figures/figure_4_5.png and figure_4_5.json (the numbers behind it); the same as
``mirrors figures --only 4.5`` (``mirrors figures --help`` lists every option).
"""

import sys

from library_of_mirrors.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["figures", "--only", "4.5", *sys.argv[1:]]))
