"""Figures of the dictionaries themselves (section 3, Appendix B): the features of Table 3.1
drawn from their kink forms, breakpoints coloured by provenance and labelled with values
("4 = R(2, 3)": the reflection of 2 about 3).

* Figure 3.1: deep narrow abs features with reflection and double-reflection breakpoints
  (Theorem 3.2, Definition 3.10);
* Figure 3.3: the capped ramps of Definition 3.3 as 3-layer relu features (Theorem 3.4);
* Figure 3.4: relu features: ramps (2 layers), capped ramps (3 layers, deep narrow) and the
  generalized reflections of 3-layer symmetrized networks (Theorems 3.5, 3.13);
* Figure B.1: every 3-layer symmetrized relu unit on three points (Definition 3.10);
* Figure 3.6: the 2-layer relu and threshold dictionaries (Corollary 3.15).

Every feature drawn is a unit of the library (``Dictionary.unit_feature``); the numbers
returned say which, with its breakpoints.
"""

from __future__ import annotations

import itertools

import numpy as np
from matplotlib.figure import Figure

from ..dictionary import build_dictionary
from ..features import Feature
from ..plotting import PROVENANCE_COLORS, breakpoint_label, mark_breakpoints
from .context import FigureContext


def _draw_feature(ax, f: Feature, t: np.ndarray, data: np.ndarray, title: str,
                  annotate: bool = True, seen: set | None = None) -> None:
    """One feature on the grid ``t``: curve, breakpoints by provenance, data as a rug."""
    grid = np.union1d(t, [b.position for b in f.provenance])
    ax.plot(grid, f(grid), color="black", lw=1.5, zorder=3)
    inside = [b for b in f.provenance if t[0] <= b.position <= t[-1]]
    mark_breakpoints(ax, inside, f, annotate=annotate, seen=seen)
    ax.plot(data, np.zeros_like(data), "^", color="0.45", ms=5, zorder=4,
            transform=ax.get_xaxis_transform(), clip_on=False)
    ax.set_title(title, fontsize=9)
    ax.set_xlim(t[0], t[-1])


def _describe(f: Feature) -> dict:
    return {"breakpoints": [breakpoint_label(b) for b in f.provenance],
            "kinds": [b.kind for b in f.provenance]}


def figure_3_1(ctx: FigureContext) -> dict:
    """Figure 3.1: 3-layer abs features ``||x - x_j1| - |x_j2 - x_j1||`` (a reflection
    breakpoint R(x_j2, x_j1)), a 3-layer midpoint feature (Definition 3.9: breakpoints at an
    average and its reflection) and a 4-layer feature with a double reflection
    R(R(x_j3, x_j2), x_j1) (Theorem 3.2)."""
    x = np.array([0.0, 2.0, 3.0, 4.0, 5.0, 7.0, 8.0])
    d3 = build_dictionary(x, "abs", 3)
    d4 = build_dictionary(x, "abs", 4)
    cases = [
        (d3.unit_feature((3.0, 2.0)), "3 layers: ||x - 3| - |2 - 3||  (x_j1 = 3, x_j2 = 2)"),
        (d3.unit_feature((8.0,), midpoint_pair=(3.0, 4.0)),
         "3 layers, midpoint bias: ||x - 3.5| - |8 - 3.5||"),
        (d4.unit_feature((7.0, 4.0, 5.0)),
         "4 layers: ||x - 7| - |4 - 7|| - ||5 - 7| - |4 - 7||  (x_j1 = 7, x_j2 = 4, x_j3 = 5)"),
    ]
    fig = Figure(figsize=(12, 7.5))
    gs = fig.add_gridspec(2, 2)
    axes = [fig.add_subplot(gs[0, 0]), fig.add_subplot(gs[0, 1]), fig.add_subplot(gs[1, :])]
    t = np.linspace(-2.5, 13.5, 1601)
    seen: set = set()
    for ax, (f, title) in zip(axes, cases):
        _draw_feature(ax, f, t, x, title, seen=seen)
    axes[0].legend(fontsize=8, loc="upper left")
    handles = [h for ax in axes for h in ax.get_legend_handles_labels()[0]]
    labels = [lab for ax in axes for lab in ax.get_legend_handles_labels()[1]]
    axes[2].legend(handles, labels, fontsize=8, loc="upper left")
    axes[0].get_legend().remove()
    fig.suptitle("Figure 3.1: deep narrow absolute-value features (slopes +-1); grey triangles: "
                 f"training data {', '.join(f'{v:g}' for v in x)}", fontsize=10)
    fig.tight_layout()
    ctx.save(fig)
    return {"x": x, "features": [{"title": title} | _describe(f) for f, title in cases]}


def capped_ramp(x: np.ndarray, a1: float, a2: float, sign: int) -> np.ndarray:
    """Definition 3.3: Ramp^+_{a1,a2} (``sign=+1``) or Ramp^-_{a1,a2} (``sign=-1``); ``a1`` may
    be -inf and ``a2`` +inf (the ramps ReLU^+_a = Ramp^+_{a,inf}, ReLU^-_a = Ramp^-_{-inf,a})."""
    x = np.asarray(x, dtype=float)
    if a1 > a2:
        return np.zeros_like(x)
    if sign > 0:
        return np.clip(x, a1, a2) - a1
    return a2 - np.clip(x, a1, a2)


def capped_ramp_features(x: np.ndarray, a1: float, a2: float) -> list[tuple[str, Feature,
                                                                          tuple]]:
    """The four functions of Definition 3.3 (breakpoints a1 < a2, training points) as units
    of the 3-layer deep narrow relu library: (name, feature, (a1, a2, sign))."""
    d = build_dictionary(x, "relu", 3)
    inf = np.inf
    return [
        ("Ramp+_{a1,a2}", d.unit_feature((a2, a1), (-1, -1)), (a1, a2, 1)),
        ("Ramp-_{a1,a2}", d.unit_feature((a1, a2), (1, -1)), (a1, a2, -1)),
        ("ReLU+_{a2} = Ramp+_{a2,inf}", d.unit_feature((a1, a2), (1, 1)), (a2, inf, 1)),
        ("ReLU-_{a1} = Ramp-_{-inf,a1}", d.unit_feature((a1, a2), (-1, 1)), (-inf, a1, -1)),
    ]


def figure_3_3(ctx: FigureContext) -> dict:
    """Figure 3.3: the capped ramps of Definition 3.3, each drawn as the 3-layer relu unit of
    the library that realizes it (Theorem 3.4, Lemma 3.7), checked against the definition."""
    x = np.array([-1.0, 0.0, 1.0, 3.0, 4.0])
    a1, a2 = 1.0, 3.0
    t = np.linspace(-2.5, 5.5, 801)
    fig = Figure(figsize=(12, 3.4))
    axes = fig.subplots(1, 4, sharey=True)
    out = []
    for ax, (name, f, (lo, hi, sign)) in zip(axes, capped_ramp_features(x, a1, a2)):
        err = float(np.abs(f(t) - capped_ramp(t, lo, hi, sign)).max())
        ax.plot(t, capped_ramp(t, lo, hi, sign), color="#ffbf00", lw=5, alpha=0.5,
                label="Definition 3.3")
        _draw_feature(ax, f, t, x, name.replace("_{a1,a2}", f"_{{{a1:g},{a2:g}}}")
                      .replace("{a2}", f"{{{a2:g}}}").replace("{a1}", f"{{{a1:g}}}")
                      .replace("a2,inf", f"{a2:g},inf").replace("-inf,a1", f"-inf,{a1:g}"))
        u = f.unit
        ax.text(0.02, 0.97, f"W = ({u.weights[0].item():+g}, {u.weights[1].item():+g})\n"
                f"max |unit - definition| = {err:.1e}", transform=ax.transAxes, fontsize=7,
                va="top")
        out.append({"name": name, "max_error": err} | _describe(f))
    axes[0].legend(fontsize=7, loc="center left")
    fig.suptitle(f"Figure 3.3: capped ramps (Definition 3.3) are 3-layer relu library features "
                 f"(a1 = {a1:g}, a2 = {a2:g} training points)", fontsize=10)
    fig.tight_layout()
    ctx.save(fig)
    return {"x": x, "a1": a1, "a2": a2, "features": out}


def symmetrized_reflection_features(x: np.ndarray, k: int = 3) -> list[Feature]:
    """``k`` features of the 3-layer symmetrized relu library whose breakpoints include a
    generalized reflection x_j2 + x_j3 - x_j1 that is no training point (Theorem 3.5), the
    most breakpoints first."""
    d = build_dictionary(x, "relu", 3, "symmetrized")
    grid = np.linspace(x.min() - 1.0, x.max() + 1.0, 401)
    found = []
    for f in d.features:
        prov = f.provenance
        if any(b.kind in ("generalized reflection", "reflection")
               and not np.isclose(x, b.position).any() for b in prov):
            steep = float(np.abs(np.diff(f(grid)) / np.diff(grid)).max()) > 1.5
            found.append((-steep, -len(prov), f.index, f))
    found.sort(key=lambda r: r[:3])
    out, shapes = [], set()
    for steep, _, _, f in found:  # one feature per (slope 2 or not, weights) pattern
        u = f.unit
        key = (steep, tuple(u.weights[0].ravel()), tuple(u.weights[1].ravel()))
        if key not in shapes:
            shapes.add(key)
            out.append(f)
    return (out + [f for *_, f in found if f not in out])[:k]


def figure_3_4(ctx: FigureContext) -> dict:
    """Figure 3.4: relu features.  Top: a 2-layer ramp and a 3-layer deep narrow capped ramp;
    bottom: 3-layer symmetrized features with breakpoints at generalized reflections
    x_j2 + x_j3 - x_j1 (Theorems 3.5 and 3.13; slopes 0, +-1, +-2)."""
    x = np.array([-1.0, 0.0, 1.0, 3.0, 4.0])
    t = np.linspace(-3.5, 6.5, 1001)
    ramp = build_dictionary(x, "relu", 2).unit_feature((1.0,), (1,))
    capped = capped_ramp_features(x, 0.0, 3.0)[0][1]
    sym = symmetrized_reflection_features(x, 3)
    fig = Figure(figsize=(12, 6.5))
    gs = fig.add_gridspec(2, 6)
    top = [fig.add_subplot(gs[0, 0:3]), fig.add_subplot(gs[0, 3:6])]
    bottom = [fig.add_subplot(gs[1, 2 * i:2 * i + 2]) for i in range(3)]
    seen: set = set()
    _draw_feature(top[0], ramp, t, x, "2 layers: ramp (x - 1)+", seen=seen)
    _draw_feature(top[1], capped, t, x, "3 layers, deep narrow: capped ramp Ramp+_{0,3}",
                  seen=seen)
    out = [{"title": "2-layer ramp"} | _describe(ramp),
           {"title": "3-layer capped ramp"} | _describe(capped)]
    for ax, f in zip(bottom, sym):
        u = f.unit
        w1 = ", ".join(f"{v:+g}" for v in u.weights[0].ravel())
        w2 = ", ".join(f"{v:+g}" for v in u.weights[1].ravel())
        _draw_feature(ax, f, t, x, f"3-layer symmetrized: W1 = ({w1}), W2 = ({w2})", seen=seen)
        out.append({"title": "3-layer symmetrized", "W1": u.weights[0].ravel(),
                    "W2": u.weights[1].ravel()} | _describe(f))
    handles, labels = [], []
    for ax in top + bottom:
        h, lab = ax.get_legend_handles_labels()
        handles += h
        labels += lab
    top[0].legend(handles, labels, fontsize=8, loc="upper left")
    fig.suptitle("Figure 3.4: relu features (reverse directions omitted); bottom row: "
                 "generalized reflections of the symmetrized network", fontsize=10)
    fig.tight_layout()
    ctx.save(fig)
    return {"x": x, "features": out}


def figure_b_1(ctx: FigureContext) -> dict:
    """Figure B.1: every 3-layer symmetrized relu unit of Definition 3.10 on x = {-1, 0, 2}:
    rows are the weights W1 in {-1, 1}^2, W2 in {-1, 1}^2, columns the orderings of the data
    feature biases (x_j1, x_j2, x_j3).  Distinct functions are counted: the enumeration is
    redundant (Theorem 3.13's count is an upper bound)."""
    x = np.array([-1.0, 0.0, 2.0])
    d = build_dictionary(x, "relu", 3, "symmetrized")
    signs = list(itertools.product((-1, 1), repeat=4))
    orders = list(itertools.permutations(x))
    t = np.linspace(-4.5, 5.5, 401)
    fig = Figure(figsize=(13, 26))
    axes = fig.subplots(len(signs), len(orders), sharex=True)
    seen: set = set()
    functions: dict[tuple, int] = {}
    kinds: dict[str, int] = {}
    for r, sg in enumerate(signs):
        for c, anchors in enumerate(orders):
            f = d.unit_feature(anchors, sg)
            ax = axes[r, c]
            _draw_feature(ax, f, t, x, "", annotate=False, seen=seen)
            key = tuple(np.round(f(t), 9))
            if not any(key):  # the zero unit
                ax.set_ylim(-0.1, 1.0)
            functions[key] = functions.get(key, 0) + 1
            for b in f.provenance:
                kinds[b.kind] = kinds.get(b.kind, 0) + 1
            ax.tick_params(labelsize=6)
            if r == 0:
                ax.set_title("(x_j1, x_j2, x_j3) =\n(" + ", ".join(f"{v:g}" for v in anchors)
                             + ")", fontsize=8)
            if c == 0:
                ax.set_ylabel(f"W1 = ({sg[0]:+d}, {sg[1]:+d})\nW2 = ({sg[2]:+d}, {sg[3]:+d})",
                              fontsize=7)
    handles = [axes[0, 0].scatter([], [], color=PROVENANCE_COLORS[k], label=k)
               for k in PROVENANCE_COLORS if k in kinds]
    fig.legend(handles=handles, loc="upper center", ncol=len(handles), fontsize=9,
               bbox_to_anchor=(0.5, 0.985))
    n_units = len(signs) * len(orders)
    nonzero = sum(cnt for k, cnt in functions.items() if any(v != 0 for v in k))
    fig.suptitle(f"Figure B.1: all {n_units} 3-layer symmetrized relu units on x = (-1, 0, 2): "
                 f"{len(functions)} distinct functions ({nonzero} nonzero units); the library "
                 f"keeps {d.n_features} distinct columns", fontsize=11, y=0.997)
    # fixed margins: tight_layout and a tight crop each measured the 96 axes' ticks and
    # labels by one more full draw (14 s and 6 s of the figure's 39 s, profiled)
    fig.subplots_adjust(left=0.07, right=0.99, bottom=0.02, top=0.955, hspace=0.35,
                        wspace=0.25)
    ctx.save(fig, tight=False)
    return {"x": x, "units": n_units, "distinct_functions": len(functions),
            "library_columns": d.n_features, "breakpoint_kinds": kinds}


def figure_3_6(ctx: FigureContext) -> dict:
    """Figure 3.6: the 2-layer dictionary A_+ (Corollary 3.15), f_n(x) = sigma(x - x_n): one
    relu feature, all relu features, all threshold features."""
    x = np.sort(ctx.rng("figure 3.6").uniform(-2.0, 2.0, 6)).round(2)
    t = np.linspace(-2.6, 2.6, 1041)
    relu = build_dictionary(x, "relu", 2)
    thr = build_dictionary(x, "threshold", 2)
    fig = Figure(figsize=(13, 3.8))
    axes = fig.subplots(1, 3)
    n = 2
    f = relu.unit_feature((x[n],), (1,))
    _draw_feature(axes[0], f, t, x, f"one relu feature f_{n + 1}(x) = (x - x_{n + 1})+")
    axes[0].legend(fontsize=7, loc="upper left")
    A = np.empty((x.shape[0], x.shape[0]))
    for k, v in enumerate(x):
        g = relu.unit_feature((v,), (1,))
        axes[1].plot(t, g(t), lw=1.3, label=f"f_{k + 1}")
        h = thr.unit_feature((v,), (1,))
        axes[2].plot(t, h(t) + 0.03 * k, lw=1.3, drawstyle="steps-post", label=f"f_{k + 1}")
        A[:, k] = g(x)
    for ax, name in ((axes[1], "relu: f_1, ..., f_N"), (axes[2], "threshold: f_1, ..., f_N "
                                                                 "(offset for visibility)")):
        ax.plot(x, np.zeros_like(x), "^", color="0.45", ms=5,
                transform=ax.get_xaxis_transform(), clip_on=False)
        ax.set_title(name, fontsize=9)
        ax.legend(fontsize=7, loc="upper left", ncol=2)
    fig.suptitle("Figure 3.6: 2-layer dictionaries A+_{i,n} = sigma(x_i - x_n) (Corollary 3.15)"
                 f"; data x = {', '.join(f'{v:g}' for v in x)}", fontsize=10)
    fig.tight_layout()
    ctx.save(fig)
    return {"x": x, "A_plus_relu": A}


__all__ = ["capped_ramp", "capped_ramp_features", "figure_3_1", "figure_3_3", "figure_3_4",
           "figure_3_6", "figure_b_1", "symmetrized_reflection_features"]
