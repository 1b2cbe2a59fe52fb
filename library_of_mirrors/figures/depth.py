"""Section 4's sampled deep libraries: Figures 4.3, 4.5, 4.6, 4.7 and E.2 of the paper.

The experiment (section 4, lines 475-493; Appendix E.2): autoregression x_{t-1} -> x_t on the
real series of section 4 (the bundled yearly sunspots unless the user gave a CSV; the paper's
BTC-2017min prices are not available offline), first T values train, next T test, with deep
narrow ``abs`` networks of depth L = 2, 3, 4, 5 trained to their global optimum through the
Lasso (1.2) with beta = 1/T in (1.1) at every depth (T = number of training pairs).  The
paper's caption of Figure 4.5 puts beta = 1/T into (4.3) for L = 2, which is beta = 1/2 in
(1.1) (multiply (4.3) by T/2), and into (1.1) for L >= 3; we keep one beta for every depth so
that depth is the only difference between the networks compared.

* L = 2 uses the full 2-layer dictionary (it is small and deterministic): solved once.
* L >= 3 uses ``ctx.count("samples")`` (paper: 200) libraries per depth, each of
  ``ctx.count("features")`` (paper: 10^3) features drawn with the sequential sampling of
  section 4 (``build_dictionary(..., n_features=..., random_state=seed)``), seeds from
  ``ctx.seeds(f"depth{L}", n)``.

Reported per trained network: the *training loss* = ``res.objective / T``, i.e. the objective
(1.1) (= the Lasso objective ``0.5 ||A z + xi - y||^2 + beta ||z||_1``) per training sample;
the training and test mean squared errors (no regularization term); nonzeros; the certified
duality gap; and the wall time of build + solve (after an untimed warm-up so that numba
compilation is not counted).  The experiment runs once per figures run
(``ctx.cached("sampled_depths", ...)``) and feeds all five figures.

Sampled deeper libraries are not supersets of each other (section 4, lines 494-499): the
training loss need not decrease with depth.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..dictionary import build_dictionary
from ..plotting import MODEL_COLORS
from ..solvers import LibraryOnlyWarning, solve_lasso
from .context import FigureContext, note_figure

#: network depths compared in section 4
DEPTHS = (2, 3, 4, 5)
#: depths whose example predictions Figure 4.5 shows (the paper shows 2, 3, 4; we add 5)
PREDICTION_DEPTHS = (2, 3, 4, 5)
ACTIVATION = "abs"
#: the paper's T = 10^3 training (and test) values for Figures 4.3-4.7 (capped by max_T)
MAX_T = 1000
#: Figure 4.7 x-range: at least this fraction of every sampled depth's test losses is shown
#: (the paper: >= 80% of the 4-layer and >= 90% of the 3-layer samples, all of the 2-layer one)
CLIP_FRACTION = 0.9
DEPTH_COLORS = {2: "black", 3: MODEL_COLORS[2], 4: MODEL_COLORS[3], 5: MODEL_COLORS[0]}


@dataclass
class DepthFit:
    """One deep narrow abs network trained to its global optimum on one (sampled) library."""

    depth: int
    seed: int | None  # None: the full (deterministic) 2-layer dictionary
    n_requested: int | None  # features asked for (None: full dictionary)
    n_features: int  # features the library actually has
    objective: float  # Lasso objective = objective (1.1), summed over the T training pairs
    train_loss: float  # objective / T
    train_mse: float
    test_mse: float
    test_mse_in_range: float  # test MSE over the test inputs inside the training range
    l1: float  # ||z||_1
    nonzeros: int
    gap: float
    converged: bool
    seconds: float  # build + solve wall time (numba already compiled)
    short: bool = False  # the sampler found fewer distinct features than asked
    warnings: list[str] = field(default_factory=list)
    active: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64), repr=False)
    coef: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    xi: float = 0.0

    def numbers(self) -> dict:
        """The JSON-able scalars of this fit."""
        keys = ("depth", "seed", "n_requested", "n_features", "objective", "train_loss",
                "train_mse", "test_mse", "test_mse_in_range", "l1", "nonzeros", "gap",
                "converged", "seconds", "short")
        out = {k: getattr(self, k) for k in keys}
        return {k: None if isinstance(v, float) and not np.isfinite(v) else v
                for k, v in out.items()}  # NaN (no test input inside the range) -> null


@dataclass
class DepthExperiment:
    """Everything Figures 4.3, 4.5-4.7 and E.2 draw: fits per depth and the example networks'
    predictions (the first sample of each depth; the full library for L = 2)."""

    label: str
    series_name: str
    T: int  # number of training pairs (x_{t-1}, x_t)
    beta: float
    n_samples: int
    n_features: int
    n_timed: int
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    test_index: np.ndarray  # time index of the test targets y_test
    fits: dict[int, list[DepthFit]]
    predictions: dict[int, np.ndarray]  # example network's one-step predictions of y_test

    @property
    def in_range(self) -> np.ndarray:
        """Which test inputs x_{t-1} lie inside the training range."""
        return _inside(self.x_train, self.x_test)

    def example(self, depth: int) -> DepthFit:
        return self.fits[depth][0]

    def values(self, depth: int, name: str, timed: bool = False) -> np.ndarray:
        fits = self.fits[depth][: self.n_timed] if timed else self.fits[depth]
        return np.array([getattr(f, name) for f in fits], dtype=float)


# ----------------------------------------------------------------------------------------------
# the experiment


def fit_depth(x_train, y_train, x_test, y_test, depth: int, beta: float,
              n_features: int | None = None, seed: int | None = None
              ) -> tuple[DepthFit, np.ndarray]:
    """Build the (sampled, if ``n_features``) deep narrow abs library of ``depth`` on
    ``x_train``, solve the Lasso with ``beta``, and return the fit with its predictions on
    ``x_test``.  Only build + solve are timed."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        t0 = time.perf_counter()
        d = build_dictionary(x_train, ACTIVATION, depth, n_features=n_features,
                             random_state=seed)
        res = solve_lasso(d, y_train, beta)
        seconds = time.perf_counter() - t0
    messages = [str(w.message) for w in caught]
    short = any("sampling found only" in m for m in messages)
    # pass on anything but what the experiment expects: a library smaller than asked, and
    # certificates of sampled (and, at depth >= 4, incomplete) libraries
    for w in caught:
        if "sampling found only" not in str(w.message) and \
                not issubclass(w.category, LibraryOnlyWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    T = int(np.asarray(y_train).shape[0])
    pred_train = res.predict(d, x_train)
    pred_test = res.predict(d, x_test)
    inside = _inside(x_train, x_test)
    err = (pred_test - y_test) ** 2
    active = res.active
    fit = DepthFit(
        depth=int(depth), seed=None if seed is None else int(seed),
        n_requested=None if n_features is None else int(n_features),
        n_features=int(d.n_features), objective=float(res.objective),
        train_loss=float(res.objective) / T,
        train_mse=float(np.mean((pred_train - y_train) ** 2)),
        test_mse=float(np.mean(err)),
        test_mse_in_range=float(np.mean(err[inside])) if inside.any() else float("nan"),
        l1=float(np.abs(res.z).sum()), nonzeros=int(active.shape[0]), gap=float(res.gap),
        converged=bool(res.converged), seconds=float(seconds), short=short,
        warnings=messages, active=active.copy(), coef=np.asarray(res.z)[active].copy(),
        xi=float(res.xi),
    )
    return fit, pred_test


def _inside(x_train, x_test) -> np.ndarray:
    """Which test inputs lie inside the training inputs' range."""
    x_train = np.asarray(x_train, dtype=float)
    x_test = np.asarray(x_test, dtype=float)
    return (x_test >= x_train.min()) & (x_test <= x_train.max())


def warm_up(x, y, beta: float, n_features: int) -> None:
    """Compile (numba) every code path once, on problems of the timed size, so that no timed
    problem pays for it (the warm-up's seed is not one of the experiment's); once per process
    (a worker of a parallel executor warms up before its first timed task)."""
    if _WARM:
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for L in DEPTHS:
            d = build_dictionary(x, ACTIVATION, L, n_features=None if L == 2 else n_features,
                                 random_state=12345)
            res = solve_lasso(d, y, beta)
            res.predict(d, x)
    _WARM.append(True)


#: whether this process has run :func:`warm_up`
_WARM: list[bool] = []


def sampled_task(job: tuple[int, int], *, x_train, y_train, x_test, y_test, beta: float,
                  n_features: int) -> tuple[DepthFit, np.ndarray]:
    """One sampled library of the experiment (one task): ``job = (depth, seed)``."""
    warm_up(x_train, y_train, beta, n_features)
    L, seed = job
    return fit_depth(x_train, y_train, x_test, y_test, L, beta, n_features, seed)


def _test_index(ctx: FigureContext, T_values: int, n_test: int) -> np.ndarray:
    """Time stamps of the test targets (years / dates if the series has them)."""
    index = ctx.series().index
    if isinstance(index, pd.PeriodIndex):  # years stay numbers, other periods become dates
        index = index.year if index.freqstr.startswith("Y") else index.to_timestamp()
    idx = np.asarray(index)[T_values + 1: T_values + n_test]
    if idx.shape[0] == n_test - 1 and idx.dtype.kind in "iufM":
        return idx
    return np.arange(T_values + 1, T_values + n_test)


def _compute(ctx: FigureContext) -> DepthExperiment:
    data = ctx.ar_data(MAX_T)
    x_train, y_train = data.xy_train
    x_test, y_test = data.xy_test
    T = int(y_train.shape[0])
    beta = 1.0 / T
    n_samples, n_features = ctx.count("samples"), ctx.count("features")
    n_timed = min(ctx.count("timed"), n_samples)
    warm_up(x_train, y_train, beta, n_features)
    fits: dict[int, list[DepthFit]] = {}
    predictions: dict[int, np.ndarray] = {}
    fit, pred = fit_depth(x_train, y_train, x_test, y_test, 2, beta)  # full 2-layer library
    fits[2], predictions[2] = [fit], pred
    jobs = [(L, s) for L in DEPTHS[1:] for s in ctx.seeds(f"depth{L}", n_samples)]
    done = ctx.map(sampled_task, jobs, "sampled libraries",
                   shared={"x_train": x_train, "y_train": y_train, "x_test": x_test,
                           "y_test": y_test, "beta": beta, "n_features": n_features})
    for (L, _), (fit, pred) in zip(jobs, done):
        if L not in fits:
            fits[L], predictions[L] = [], pred  # the first sample of each depth is the example
        fits[L].append(fit)
    return DepthExperiment(
        label=data.label, series_name=data.series.name, T=T, beta=beta, n_samples=n_samples,
        n_features=n_features, n_timed=n_timed, x_train=x_train, y_train=y_train,
        x_test=x_test, y_test=y_test,
        test_index=_test_index(ctx, data.train.shape[0], data.test.shape[0]),
        fits=fits, predictions=predictions)


def sampled_depths(ctx: FigureContext) -> DepthExperiment:
    """The shared experiment of Figures 4.3, 4.5-4.7 and E.2, computed once per run."""
    return ctx.cached("sampled_depths", lambda: _compute(ctx))


# ----------------------------------------------------------------------------------------------
# helpers


def _summary(v: np.ndarray) -> dict:
    v = np.asarray(v, dtype=float)
    return {"n": int(v.shape[0]), "mean": float(v.mean()), "median": float(np.median(v)),
            "std": float(v.std()), "min": float(v.min()), "max": float(v.max())}


def _common(ex: DepthExperiment) -> dict:
    short = {L: sum(f.short for f in ex.fits[L]) for L in DEPTHS}
    return {"data": ex.label, "series": ex.series_name, "activation": ACTIVATION,
            "architecture": "deep_narrow", "T": ex.T, "beta": ex.beta,
            "beta_rule": "beta = 1/T in (1.1) at every depth (T = number of training pairs); "
                         "the paper's caption of Figure 4.5 uses 1/T in (4.3) for L = 2, i.e. "
                         "beta = 1/2 in (1.1)",
            "loss_convention": "training loss = objective (1.1) / T = (0.5 ||A z + xi - y||^2 "
                               "+ beta ||z||_1) / T; MSE = mean squared error without the "
                               "regularization term",
            "samples_per_depth": ex.n_samples, "features_per_library": ex.n_features,
            "full_library_features_L2": ex.fits[2][0].n_features,
            "libraries_smaller_than_asked": {str(L): short[L] for L in DEPTHS},
            "max_gap": max(f.gap for L in DEPTHS for f in ex.fits[L]),
            "all_converged": all(f.converged for L in DEPTHS for f in ex.fits[L]),
            "test_inputs_outside_training_range": int((~ex.in_range).sum())}


def _depth_label(ex: DepthExperiment, L: int, n: int | None = None) -> str:
    if L == 2:
        return f"L = 2 (full library, {ex.fits[2][0].n_features} features)"
    return f"L = {L} ({len(ex.fits[L]) if n is None else n} sampled libraries)"


def _histograms(fig: Figure, ex: DepthExperiment, name: str, xlabel: str, *,
                timed: bool = False, upper: float | None = None, scale: float = 1.0) -> dict:
    """One histogram panel per sampled depth (common bins, shared x axis), with the L = 2
    value (full library) as a dashed vertical line in every panel; values above ``upper`` are
    left out of the bins and counted in the legend."""
    vals = {L: ex.values(L, name, timed and L != 2) * scale for L in DEPTHS}
    pooled = np.concatenate([vals[L] for L in DEPTHS])
    lo = float(pooled.min())
    hi = float(pooled.max()) if upper is None else float(upper)
    if hi <= lo:
        hi = lo + max(abs(lo), 1.0) * 1e-3
    n_bins = int(np.clip(np.sqrt(max(len(v) for v in vals.values())) * 2.5, 8, 40))
    bins = np.linspace(lo, hi, n_bins + 1)
    sampled = DEPTHS[1:]
    axes = fig.subplots(len(sampled), 1, sharex=True, squeeze=False)[:, 0]
    v2 = float(vals[2][0])
    beyond = {}
    for ax, L in zip(axes, sampled):
        v = vals[L]
        out = int(np.sum(v > hi))
        beyond[str(L)] = out
        label = f"{_depth_label(ex, L, len(v))}: median {np.median(v):.4g}, mean {np.mean(v):.4g}"
        if out:
            label += f"\n{out} value(s) above {hi:.4g} not shown (max {np.max(v):.4g})"
        ax.hist(v[v <= hi], bins=bins, color=DEPTH_COLORS[L], alpha=0.75, label=label,
                edgecolor="white", linewidth=0.6)
        ax.axvline(v2, color=DEPTH_COLORS[2], ls="--", lw=1.5,
                   label=f"{_depth_label(ex, 2)}: {v2:.4g}")
        ax.set_ylabel("networks", fontsize=9)
        ax.legend(fontsize=7.5, loc="best")
        ax.grid(alpha=0.25)
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.set_ylim(0, ax.get_ylim()[1] * 1.35)  # headroom for the legend
    pad = 0.02 * (hi - lo)
    axes[-1].set_xlim(min(lo, v2) - pad, max(hi, v2) + pad)
    axes[-1].set_xlabel(xlabel)
    return {"values": {str(L): vals[L].tolist() for L in DEPTHS},
            "summary": {str(L): _summary(vals[L]) for L in DEPTHS},
            "beyond_axis": beyond, "bins": bins.tolist()}


def _finish(fig: Figure, title: str) -> None:
    fig.suptitle(title, fontsize=10.5)


# ----------------------------------------------------------------------------------------------
# the figures


def figure_4_3(ctx: FigureContext) -> dict:
    """Figure 4.3: training and test mean squared error of one example network per depth
    (L = 2: the full library; L >= 3: the first sampled library).  A third bar gives the test
    MSE over the test targets whose input x_{t-1} lies inside the training range (the networks
    extrapolate outside it)."""
    ex = sampled_depths(ctx)
    fig = note_figure(8, 4.8)
    ax = fig.add_subplot()
    pos = np.arange(len(DEPTHS))
    w = 0.27
    train = [ex.example(L).train_mse for L in DEPTHS]
    test = [ex.example(L).test_mse for L in DEPTHS]
    inside = [ex.example(L).test_mse_in_range for L in DEPTHS]
    n_in = int(ex.in_range.sum())
    bars = [ax.bar(pos - w, train, w, label="training MSE", color=MODEL_COLORS[2]),
            ax.bar(pos, test, w, label="test MSE", color=MODEL_COLORS[0]),
            ax.bar(pos + w, inside, w, color=MODEL_COLORS[0], alpha=0.45, hatch="//",
                   edgecolor="white",
                   label=f"test MSE, {n_in} of {ex.in_range.shape[0]} test inputs inside the "
                         "training range")]
    for b in bars:
        ax.bar_label(b, fmt="%.3g", fontsize=7.5, padding=2)
    ax.set_yscale("log")
    ax.set_xticks(pos, [f"L = 2\nfull library\n({ex.fits[2][0].n_features} features)"]
                  + [f"L = {L}\nsampled library\n({ex.example(L).n_features} features)"
                     for L in DEPTHS[1:]], fontsize=8.5)
    ax.set_xlabel("depth L of the deep narrow abs network")
    ax.set_ylabel("mean squared error (standardized units, log scale)")
    allv = np.array(train + test + inside)
    ax.set_ylim(np.nanmin(allv) / 2, np.nanmax(allv) * 25)  # headroom for the legend (log scale)
    ax.legend(loc="upper left", fontsize=8)
    ax.grid(axis="y", alpha=0.25, which="both")
    _finish(fig, f"Figure 4.3: one example network per depth ({ex.series_name}, T = {ex.T}, "
                 "beta = 1/T)")
    ctx.save(fig, note=ex.label)
    return _common(ex) | {
        "depths": list(DEPTHS),
        "example": {str(L): ex.example(L).numbers() for L in DEPTHS},
        "train_mse": {str(L): ex.example(L).train_mse for L in DEPTHS},
        "test_mse": {str(L): ex.example(L).test_mse for L in DEPTHS},
        "test_mse_in_range": {str(L): ex.example(L).numbers()["test_mse_in_range"]
                              for L in DEPTHS},
        "train_loss": {str(L): ex.example(L).train_loss for L in DEPTHS}}


def figure_4_5(ctx: FigureContext) -> dict:
    """Figure 4.5: one-step-ahead predictions x_t from x_{t-1} of the example networks (one
    per depth; the paper shows L = 2, 3, 4, we add L = 5) against the observed test series.
    The y-range is that of the observed series (padded); predictions beyond it are drawn as
    triangles on the edge and their extreme value is given in the legend."""
    ex = sampled_depths(ctx)
    depths = PREDICTION_DEPTHS
    fig = note_figure(12, 2.3 * len(depths) + 0.8)
    axes = fig.subplots(len(depths), 1, sharex=True, squeeze=False)[:, 0]
    t = ex.test_index
    lo, hi = float(ex.y_test.min()), float(ex.y_test.max())
    pad = 0.3 * (hi - lo)
    ylo, yhi = lo - pad, hi + pad
    off_scale = {}
    for ax, L in zip(axes, depths):
        f = ex.example(L)
        p = ex.predictions[L]
        color = DEPTH_COLORS[L]
        if not ex.in_range.all():
            ax.fill_between(t, 0, 1, where=~ex.in_range, step="mid", color="gold", alpha=0.3,
                            transform=ax.get_xaxis_transform(), lw=0,
                            label="input x_(t-1) outside\nthe training range")
        ax.plot(t, ex.y_test, color="0.6", lw=1.0, marker="o", ms=2.2, label="observed x_t")
        ax.plot(t, np.clip(p, ylo, yhi), color=color, lw=1.4,
                label=f"prediction of x_t from x_(t-1),\nL = {L} network")
        above, below = p > yhi, p < ylo
        off_scale[str(L)] = int(above.sum() + below.sum())
        label = (f"{off_scale[str(L)]} prediction(s) off scale\n"
                 f"(predictions range {p.min():.3g} .. {p.max():.3g})")
        for mask, edge, marker in ((above, yhi, "^"), (below, ylo, "v")):
            if mask.any():  # (an empty unclipped line would break the layout)
                ax.plot(t[mask], np.full(int(mask.sum()), edge), marker, color=color, ms=6,
                        ls="none", clip_on=False, label=label)
                label = "_nolegend_"
        ax.set_ylim(ylo, yhi)
        kind = "full library" if L == 2 else "first sampled library"
        ax.set_title(f"L = {L} ({kind}, {f.n_features} features, {f.nonzeros} units): "
                     f"test MSE {f.test_mse:.4g} (inside training range {f.test_mse_in_range:.4g})"
                     f", training MSE {f.train_mse:.4g}", fontsize=8.5)
        ax.set_ylabel("standardized value", fontsize=8)
        ax.legend(fontsize=7.5, loc="center left", bbox_to_anchor=(1.01, 0.5))
        ax.grid(alpha=0.25)
    axes[-1].set_xlabel("time of the predicted test value x_t")
    _finish(fig, f"Figure 4.5: one-step-ahead predictions on the test series ({ex.series_name}, "
                 f"T = {ex.T}, beta = 1/T)")
    ctx.save(fig, note=ex.label)
    return _common(ex) | {
        "depths": list(depths), "test_index": ex.test_index, "observed": ex.y_test,
        "input_in_training_range": ex.in_range,
        "predictions": {str(L): ex.predictions[L] for L in depths},
        "predictions_off_scale": off_scale,
        "test_mse": {str(L): ex.example(L).test_mse for L in depths},
        "test_mse_in_range": {str(L): ex.example(L).numbers()["test_mse_in_range"]
                              for L in depths}}


def figure_4_6(ctx: FigureContext) -> dict:
    """Figure 4.6: histogram of the training loss (objective (1.1) per sample) over the
    sampled libraries, per depth; L = 2 (full library) is a single value."""
    ex = sampled_depths(ctx)
    fig = note_figure(8.5, 6.5)
    nums = _histograms(fig, ex, "train_loss",
                       "training loss = objective (1.1) / T = (0.5 ||f(x) - y||^2 + beta "
                       "||z||_1) / T")
    _finish(fig, f"Figure 4.6: training loss of {ex.n_samples} networks per depth, each on a "
                 f"sampled library of {ex.n_features} features ({ex.series_name}, T = {ex.T})")
    ctx.save(fig, note=ex.label)
    return _common(ex) | {"train_loss": nums["values"], "summary": nums["summary"],
                          "bins": nums["bins"]}


def figure_4_7(ctx: FigureContext) -> dict:
    """Figure 4.7: histogram of the test loss (MSE) over the sampled libraries, per depth.
    As in the paper the x-range is clipped for visual clarity: it shows every value up to the
    largest :data:`CLIP_FRACTION` quantile over the sampled depths (so at least that fraction
    of every depth, and the L = 2 value); the rest are counted in the legends."""
    ex = sampled_depths(ctx)
    vals = {L: ex.values(L, "test_mse") for L in DEPTHS}
    upper = max([float(vals[2][0])]
                + [float(np.quantile(vals[L], CLIP_FRACTION)) for L in DEPTHS[1:]])
    shown = {str(L): float(np.mean(vals[L] <= upper)) for L in DEPTHS}
    fig = note_figure(8.5, 6.5)
    nums = _histograms(fig, ex, "test_mse",
                       "test loss = mean squared error of the one-step predictions on the test "
                       "series", upper=upper)
    frac = ", ".join(f"L = {L}: {100 * shown[str(L)]:.0f}%" for L in DEPTHS[1:])
    _finish(fig, f"Figure 4.7: test loss of {ex.n_samples} networks per depth, each on a sampled "
                 f"library of {ex.n_features} features\nx-axis clipped at {upper:.4g} (largest "
                 f"{100 * CLIP_FRACTION:.0f}% quantile over depths); shown: {frac}, L = 2: 100%")
    ctx.save(fig, note=ex.label)
    return _common(ex) | {"test_mse": nums["values"], "summary": nums["summary"],
                          "test_mse_in_range": {str(L): [f.numbers()["test_mse_in_range"]
                                                         for f in ex.fits[L]] for L in DEPTHS},
                          "clip_upper": upper, "clip_quantile": CLIP_FRACTION,
                          "fraction_shown": shown, "beyond_axis": nums["beyond_axis"],
                          "bins": nums["bins"]}


def figure_e_2(ctx: FigureContext) -> dict:
    """Figure E.2: histogram of the training time (dictionary build + Lasso solve, numba
    warmed up) of the first ``ctx.count("timed")`` sampled problems per depth; L = 2 (full
    library, one problem) is a vertical line."""
    ex = sampled_depths(ctx)
    fig = note_figure(8.5, 6.5)
    nums = _histograms(fig, ex, "seconds", "training time: build library + solve Lasso "
                       "[milliseconds, wall clock]", timed=True, scale=1000.0)
    _finish(fig, f"Figure E.2: training time of the first {ex.n_timed} sampled problems per "
                 f"depth ({ex.n_features} features each; {ex.series_name}, T = {ex.T})")
    ctx.save(fig, note=ex.label)
    return _common(ex) | {"timed_per_depth": ex.n_timed, "milliseconds": nums["values"],
                          "summary_ms": nums["summary"], "numba_threads": _threads(),
                          "nonzeros": {str(L): ex.values(L, "nonzeros", L != 2).tolist()
                                       for L in DEPTHS}}


def _threads() -> int | None:
    try:
        import numba  # noqa: PLC0415

        return int(numba.get_num_threads())
    except Exception:  # pragma: no cover - numba is a dependency
        return None


__all__ = ["DepthExperiment", "DepthFit", "figure_4_3", "figure_4_5", "figure_4_6",
           "figure_4_7", "figure_e_2", "fit_depth", "sampled_depths"]
