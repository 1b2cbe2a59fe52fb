"""Figure 3.6 of the paper: 2-layer relu and threshold dictionaries.

    python scripts/figure_3_6.py [--out figures] [--quick] [--force] [--seed 0] [...]

Writes figures/figure_3_6.png and figure_3_6.json (the numbers behind it); the same as
``mirrors figures --only 3.6`` (``mirrors figures --help`` lists every option).
"""

import sys

from library_of_mirrors.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["figures", "--only", "3.6", *sys.argv[1:]]))
