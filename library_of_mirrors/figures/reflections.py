"""Figures 3.2 and 3.5: the Lasso solution and Adam-trained networks learn breakpoints at
reflections of training points that are no training points.

The paper's protocol (Appendix D): the target is one library feature with a reflection
breakpoint; by Lemmas C.5 and C.7 that feature alone (z = 1, xi = 0) is optimal for the
minimum-norm problem (C.1), which we certify with the LP (``solve_min_norm``).  Adam trains the
standard non-convex problem (1.1) at a small beta from the paper's start (the feature's network
as a subset of the units, the rest random) and from random starts; every trained network is
compared with the certified Lasso optimum at the same beta, and its kinks with the predicted
reflections.  The paper uses beta = 1e-7; we use 1e-3 (the same picture, and Adam's objective
is then far from the rounding level of the data fit).
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ..compare import nearest_kink_distances
from ..dictionary import build_dictionary
from ..nn.training import train_adam
from ..plotting import breakpoint_label, mark_breakpoints
from ..reconstruct import network_of_units
from ..solvers import solve_lasso, solve_min_norm
from .context import FigureContext

BETA = 1e-3
LR = 5e-3
#: a trained network "learns" a predicted breakpoint if it has a kink this close to it
KINK_HIT = 0.05
X_3_2 = np.array([2.0, 0.0, -1.0, 3.0])
X_3_5 = np.array([4.0, 3.0, 1.0, 0.0, -1.0])
#: (depth, data feature biases x_j1, ..., x_j(L-1)) of the Figure 3.2 targets
UNITS_3_2 = ((3, (2.0, 0.0)), (4, (2.0, -1.0, 0.0)), (5, (2.0, -1.0, 3.0, 0.0)))
#: Figure 3.5: anchors (x_j1, x_j2, x_j3) and weights (W1, W2) of the symmetrized target
UNIT_3_5 = ((1.0, 1.0, 0.0), (1, -1, 1, 1))


def reflection_case(ctx: FigureContext, key: str, x: np.ndarray, activation: str, depth: int,
                    architecture: str, anchors, signs=None, lo: float = -4.5,
                    hi: float = 9.0) -> dict:
    """One target feature: its min-norm certificate, the Lasso optimum at ``BETA``, and Adam
    from the paper's start and from ``ctx.count("adam_runs")`` random starts."""
    d = build_dictionary(x, activation, depth, architecture)
    u = d.unit_feature(anchors, signs)
    y = u(x)
    # the library column that is this unit on the data (columns are kept up to sign): the
    # single-feature solution z = +-e_j, xi = 0 interpolates, with ||z||_1 = 1
    A = d.matrix()
    dist = np.minimum(np.abs(A - y[:, None]).max(axis=0), np.abs(A + y[:, None]).max(axis=0))
    column = int(np.argmin(dist))
    if dist[column] > 1e-12 * max(1.0, float(np.abs(y).max())):
        raise RuntimeError(f"the target unit of {key} is no column of the library")
    lp = solve_min_norm(d, y)
    lasso = solve_lasso(d, y, BETA, tol=1e-12)
    reflections = [b for b in u.provenance if b.kind != "data" and lo <= b.position <= hi]
    points = np.array([b.position for b in reflections])
    width, epochs = ctx.count("reflection_width"), ctx.count("reflection_epochs")
    start = network_of_units(d.activation, depth, [u.unit], [1.0])
    runs = {"paper": [], "random": []}
    seeds = ctx.seeds(key, ctx.count("adam_runs"))
    jobs = [("paper", s) for s in seeds[:1]] + [("random", s) for s in seeds]
    done = ctx.map(_adam_task, jobs, f"Adam, {key}",
                   shared={"x": x, "y": y, "activation": activation, "depth": depth,
                           "architecture": architecture, "width": width, "epochs": epochs,
                           "start": start, "points": points, "lo": lo, "hi": hi})
    for (kind, _), run in zip(jobs, done):
        runs[kind].append(run)
    return {"d": d, "feature": u, "x": x, "y": y, "min_norm": lp.objective,
            "min_norm_gap": lp.gap, "column": column, "lasso": lasso.objective,
            "lasso_gap": lasso.gap, "reflections": reflections, "runs": runs,
            "lo": lo, "hi": hi}


def _adam_task(job: tuple[str, int], *, x, y, activation: str, depth: int, architecture: str,
               width: int, epochs: int, start, points: np.ndarray, lo: float,
               hi: float) -> dict:
    """One Adam run (one task): ``job = ("paper" | "random", seed)``; from the paper's start
    network or a random one, with the distances from the predicted reflections to its
    nearest kinks."""
    kind, seed = job
    net = train_adam(x, y, BETA, activation, depth, architecture, width, epochs=epochs, lr=LR,
                     seed=seed, init=start if kind == "paper" else None, lr_schedule="cosine")
    dist = nearest_kink_distances(net, points, lo, hi) if points.size else np.zeros(0)
    return {"seed": seed, "net": net, "objective": net.objective(x, y, BETA),
            "kink_distance": dist}


def _panel(ax, case: dict, title: str, seen: set) -> None:
    lo, hi = case["lo"], case["hi"]
    t = np.linspace(lo, hi, 1351)
    u = case["feature"]
    ax.plot(t, u(t), color="0.55", lw=5, alpha=0.6, label="Lasso: the single feature, z = 1")
    for k, r in enumerate(case["runs"]["random"][:3]):
        ax.plot(t, r["net"](t), color=f"C{k}", lw=1, alpha=0.9,
                label=f"Adam, random start {k + 1}")
    p = case["runs"]["paper"][0]
    ax.plot(t, p["net"](t), color="black", lw=1.2, ls="--",
            label="Adam from the paper's start (App. D)")
    inside = [b for b in u.provenance if lo <= b.position <= hi]
    ax.scatter(case["x"], case["y"], s=70, color="black", zorder=4, label="training data")
    mark_breakpoints(ax, inside, u, seen=seen, stagger=3, skip_data_labels=True)
    best = min(r["objective"] for r in case["runs"]["random"] + case["runs"]["paper"])
    ax.set_title(f"{title}\nLasso optimum {case['lasso']:.6f}; best Adam {best:.6f}",
                 fontsize=9)
    ax.set_xlim(lo, hi)
    span = float(u(t).max() - u(t).min())
    ax.set_ylim(float(u(t).min()) - 0.25 * span, float(u(t).max()) + 0.35 * span)


def _numbers(case: dict) -> dict:
    def runs(kind):
        return [{"seed": r["seed"], "objective": r["objective"],
                 "excess": r["objective"] / case["lasso"] - 1,
                 "kink_distance": r["kink_distance"]} for r in case["runs"][kind]]

    return {"x": case["x"], "y": case["y"], "beta": BETA,
            "min_norm_lp": case["min_norm"], "min_norm_gap": case["min_norm_gap"],
            "single_feature_column": case["column"], "single_feature_norm": 1.0,
            "lasso_objective": case["lasso"], "lasso_gap": case["lasso_gap"],
            "reflections": [{"position": b.position, "kind": b.kind,
                             "formula": breakpoint_label(b)} for b in case["reflections"]],
            "kink_threshold": KINK_HIT,
            "adam_random_learned": [int(sum(r["kink_distance"][k] < KINK_HIT
                                            for r in case["runs"]["random"]))
                                    for k in range(len(case["reflections"]))],
            "adam_paper_start": runs("paper"), "adam_random": runs("random")}


def figure_3_2(ctx: FigureContext) -> dict:
    """Figure 3.2: deep narrow abs networks, L = 3, 4, 5, on x = (2, 0, -1, 3): for L = 3 the
    breakpoint at 4 = R(0, 2); for L = 4 the double reflection 6 = R(R(0, -1), 2); for L = 5
    further (double and triple) reflections (Theorem 3.2)."""
    cases = {L: reflection_case(ctx, f"figure 3.2 L={L}", X_3_2, "abs", L, "deep_narrow", a)
             for L, a in UNITS_3_2}
    fig = Figure(figsize=(15, 4.8))
    axes = fig.subplots(1, 3)
    seen: set = set()
    for ax, (L, case) in zip(axes, cases.items()):
        _panel(ax, case, f"L = {L}", seen)
    h, lab = [], []
    for ax in axes:
        hh, ll = ax.get_legend_handles_labels()
        h += [a for a, b in zip(hh, ll) if b not in lab]
        lab += [b for b in ll if b not in lab]
    fig.legend(h, lab, fontsize=8, loc="lower center", ncol=5)
    fig.suptitle(f"Figure 3.2: Lasso and Adam-trained deep narrow abs networks (beta = {BETA:g}"
                 f", width {ctx.count('reflection_width')}, "
                 f"{ctx.count('reflection_epochs')} Adam epochs)", fontsize=10)
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    ctx.save(fig)
    return {f"L={L}": _numbers(c) for L, c in cases.items()}


def figure_3_5(ctx: FigureContext) -> dict:
    """Figure 3.5: 3-layer symmetrized relu networks on x = (4, 3, 1, 0, -1): the breakpoint
    at 2 is the reflection of 0 about 1 (Theorem 3.5)."""
    anchors, signs = UNIT_3_5
    case = reflection_case(ctx, "figure 3.5", X_3_5, "relu", 3, "symmetrized", anchors, signs,
                           lo=-3.0, hi=6.5)
    fig = Figure(figsize=(7, 4.8))
    ax = fig.add_subplot()
    _panel(ax, case, "3-layer symmetrized relu", set())
    ax.legend(fontsize=7, loc="upper center", ncol=2)
    fig.suptitle(f"Figure 3.5: Lasso and Adam-trained symmetrized relu networks (beta = "
                 f"{BETA:g})", fontsize=10)
    fig.tight_layout()
    ctx.save(fig)
    return _numbers(case)


__all__ = ["BETA", "figure_3_2", "figure_3_5", "reflection_case"]
