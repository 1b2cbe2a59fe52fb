"""Adam-trained numpy networks against the certified Lasso optimum, every architecture.

    python scripts/compare_adam.py [--seeds 5] [--width 40] [--epochs 4000] [--beta 0.01]

Data: the 4 points of the paper's Figure 3.2 (x = 2, 0, -1, 3) and 12 seeded random points.
For each architecture of Table 3.1 the table prints the Lasso optimum (solve_lasso, gap below
1e-10 relative), Adam's best and median objective (1.1) over the seeds with their excess over
the optimum, and the median distance of the trained functions' significant kinks to the
breakpoints (data points, reflections, midpoints) of the Lasso solution's features.  A
negative excess would contradict the equivalence; it never happens.
"""

from __future__ import annotations

import argparse

import numpy as np

from library_of_mirrors.compare import compare_adam
from library_of_mirrors.dictionary import TABLE_3_1

CASES = TABLE_3_1


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--width", type=int, default=40)
    ap.add_argument("--epochs", type=int, default=4000)
    ap.add_argument("--lr", type=float, default=5e-3)
    ap.add_argument("--beta", type=float, default=0.01)
    args = ap.parse_args(argv)
    rng = np.random.default_rng(0)
    xr = np.sort(rng.uniform(-2, 2, 12))
    datasets = {
        "fig3.2": (np.array([2.0, 0.0, -1.0, 3.0]), np.array([1.0, -1.0, 0.5, 2.0])),
        "random12": (xr, np.sin(2 * xr) + 0.3 * rng.standard_normal(12)),
    }
    head = (f"{'data':<10}{'network':<36}{'lasso':>12}{'adam best':>12}{'excess':>10}"
            f"{'adam median':>12}{'excess':>10}{'kink dist':>12}")
    print(head)
    print("-" * len(head))
    for name, (x, y) in datasets.items():
        for act, L, arch, s in CASES:
            c = compare_adam(x, y, args.beta, act, L, arch, s, seeds=range(args.seeds),
                             width=args.width, epochs=args.epochs, lr=args.lr)
            print(f"{name:<10}{c.row()}", flush=True)


if __name__ == "__main__":
    main()
