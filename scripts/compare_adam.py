"""Adam-trained numpy networks against the certified Lasso optimum, every architecture.

    python scripts/compare_adam.py [--seeds 5] [--width 100] [--epochs 20000] [--beta 0.01]
                                   [--init random|lasso] [--plot curves.png [--force]]

Table 1, per architecture of Table 3.1, on the 4 points of Figure 3.2 and 12 seeded random
points: the Lasso optimum (solve_lasso, gap below 1e-10 relative), Adam's best and median
objective (1.1) over the seeds with their excess over the optimum, and the median distance of
the trained functions' significant kinks to the breakpoints (data points, reflections,
midpoints) of the Lasso solution's features.  A negative excess would contradict the
equivalence.

Table 2, the reflections of Figures 3.2 and 3.5: targets that are one library feature with a
kink at a reflection that is no training point (4 and 6 in Figure 3.2, 2 in Figure 3.5); for
random starts and for the paper's start (that feature's network as a subset of the units,
Appendix D), how many seeds learn a kink within 0.05 of each reflection, and the median
distance.  ``--plot`` draws Adam's loss curves against the Lasso optimum (Table 1, random
points) and the Figure 3.2 / 3.5 functions.
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

from library_of_mirrors import build_dictionary, solve_lasso
from library_of_mirrors.compare import compare_adam, nearest_kink_distances
from library_of_mirrors.dictionary import TABLE_3_1
from library_of_mirrors.nn.training import train_adam
from library_of_mirrors.reconstruct import network_of_units

FIG32_X = np.array([2.0, 0.0, -1.0, 3.0])
FIG35_X = np.array([4.0, 3.0, 1.0, 0.0, -1.0])
# (name, x, activation, depth, architecture, unit anchors, unit signs, reflections)
REFLECTIONS = [
    ("fig3.2 L=3", FIG32_X, "abs", 3, "deep_narrow", (2.0, 0.0), None, [4.0]),
    ("fig3.2 L=4", FIG32_X, "abs", 4, "deep_narrow", (2.0, -1.0, 0.0), None, [4.0, 6.0]),
    ("fig3.5", FIG35_X, "relu", 3, "symmetrized", (1.0, 1.0, 0.0), (1, -1, 1, 1), [2.0]),
]


def table1(args, datasets):
    head = (f"{'data':<10}{'network':<36}{'lasso':>12}{'adam best':>12}{'excess':>10}"
            f"{'adam median':>12}{'excess':>10}{'kink dist':>12}")
    print(head)
    print("-" * len(head))
    curves = {}
    for name, (x, y) in datasets.items():
        for act, L, arch, s in TABLE_3_1:
            c = compare_adam(x, y, args.beta, act, L, arch, s, seeds=range(args.seeds),
                             width=args.width, epochs=args.epochs, lr=args.lr,
                             init=args.init, lr_schedule=args.schedule)
            print(f"{name:<10}{c.row()}", flush=True)
            curves[(name, c.row()[:36].strip())] = c
    return curves


def table2(args):
    head = (f"{'case':<12}{'start':<8}{'reflection':>11}{'seeds at it':>13}{'median dist':>13}"
            f"{'best excess':>13}{'median excess':>15}")
    print(head)
    print("-" * len(head))
    nets = {}
    beta = 1e-3
    for name, x, act, L, arch, anchors, signs, points in REFLECTIONS:
        d = build_dictionary(x, act, L, arch)
        u = d.unit_feature(anchors, signs)
        y = u(x)
        opt = solve_lasso(d, y, beta, tol=1e-12).objective
        nets[(name, "target")] = network_of_units(d.activation, L, [u.unit], [1.0])
        for start in ("random", "paper"):
            init = network_of_units(d.activation, L, [u.unit], [1.0]) if start == "paper" \
                else None
            dist, exc = [], []
            for seed in range(args.seeds):
                net = train_adam(x, y, beta, act, L, arch, 40, epochs=15000, lr=5e-3,
                                 seed=seed, init=init, lr_schedule="cosine")
                dist.append(nearest_kink_distances(net, points, -3, 8))
                exc.append(net.objective(x, y, beta) / opt - 1)
                nets.setdefault((name, start), net)
            dist = np.array(dist)
            for k, p in enumerate(points):
                hits = int(np.sum(dist[:, k] < 0.05))
                print(f"{name:<12}{start:<8}{p:>11g}{f'{hits}/{args.seeds}':>13}"
                      f"{np.median(dist[:, k]):>13.2e}{min(exc):>+13.3%}"
                      f"{np.median(exc):>+15.3%}", flush=True)
    return nets


def plot(path, curves, nets):
    import matplotlib  # noqa: PLC0415

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    rand = {k[1]: c for k, c in curves.items() if k[0] == "random12"}
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.5))
    ax = axes[0]
    for i, (label, c) in enumerate(rand.items()):
        for j, h in enumerate(c.histories):
            ax.semilogy(h[:, 0], h[:, 1] / c.lasso_objective - 1 + 1e-6, color=f"C{i % 10}",
                        lw=0.8, alpha=0.8, label=label if j == 0 else None)
    ax.set_xlabel("Adam epoch")
    ax.set_ylabel("objective (1.1) / Lasso optimum - 1  (+1e-6)")
    ax.set_title("Adam never goes below the certified optimum (12 random points)")
    if rand:
        ax.legend(fontsize=6, ncol=2)
    else:
        ax.text(0.5, 0.5, "(table 1 not run)", ha="center", transform=ax.transAxes)
    ax = axes[1]
    t = np.linspace(-3, 8, 1101)
    for i, (name, *_case, points) in enumerate(REFLECTIONS):
        off = 4 * i
        ax.plot(t, nets[(name, "target")](t) + off, color="k", lw=2.5, alpha=0.3,
                label="Lasso feature" if i == 0 else None)
        ax.plot(t, nets[(name, "random")](t) + off, color=f"C{i}", label=f"{name}: Adam, seed 0")
        ax.plot(t, nets[(name, "paper")](t) + off, color=f"C{i}", ls="--", lw=1,
                label=f"{name}: Adam from the paper's start")
        for p in points:
            ax.axvline(p, color=f"C{i}", ls=":", lw=0.8)
    ax.set_title("Figures 3.2 / 3.5 (offset by 4); dotted: predicted reflections")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    print(f"wrote {path}")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--width", type=int, default=100)
    ap.add_argument("--epochs", type=int, default=20000)
    ap.add_argument("--lr", type=float, default=1e-2)
    ap.add_argument("--schedule", choices=("constant", "cosine"), default="cosine")
    ap.add_argument("--beta", type=float, default=0.01)
    ap.add_argument("--init", choices=("random", "lasso"), default="random")
    ap.add_argument("--plot", help="write the loss curves and functions to this image")
    ap.add_argument("--force", action="store_true", help="overwrite --plot")
    ap.add_argument("--only", choices=("table1", "table2"), help="run one table")
    args = ap.parse_args(argv)
    if args.plot and os.path.exists(args.plot) and not args.force:
        sys.exit(f"compare_adam: {args.plot} exists (use --force to overwrite)")
    rng = np.random.default_rng(0)
    xr = np.sort(rng.uniform(-2, 2, 12))
    datasets = {
        "fig3.2": (FIG32_X, np.array([1.0, -1.0, 0.5, 2.0])),
        "random12": (xr, np.sin(2 * xr) + 0.3 * rng.standard_normal(12)),
    }
    curves = table1(args, datasets) if args.only != "table2" else {}
    print()
    nets = table2(args) if args.only != "table1" else {}
    if args.plot:
        plot(args.plot, curves, nets)


if __name__ == "__main__":
    main()
