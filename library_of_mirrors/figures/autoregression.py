"""Section 4 of the paper: autoregression ``x_t = f(x_{t-1}; theta) + eps_t`` (4.1) with the
2-layer absolute-value network (4.2), trained exactly (the Lasso (1.2) over the 2-layer abs
dictionary) and by Adam from random starts, against the linear AR(1)+bias baseline.

* Figure 4.1: training and test loss per Adam epoch on the real series, with the certified
  optimum and AR(1)+bias as horizontal lines;
* Figure 4.2: Adam's cumulative training time per epoch vs the exact solve's wall time
  (the same Adam runs as Figure 4.1: one shared experiment, ``_ar_experiment``);
* Figure 4.4: the regularization path on planted data (Appendix E.2): exact loss vs beta
  (smooth) and the Adam trials' losses vs beta (jagged).

Conventions (ours, not the paper's (4.3)).  The paper's training problem (4.3) is
``(1/T) sum_t (f(x_t) - x_{t+1})^2 + (beta_p/2) ||theta_w||^2``.  Multiplied by ``T/2`` it is
the objective (1.1) ``0.5 ||f(x) - y||^2 + (beta/2) ||theta_w||^2`` with ``beta = beta_p T / 2``
(2-layer network, L~ = 2).  Every beta here is the beta of (1.1) on the standardized series;
the JSON also gives ``beta_p = 2 beta / T``.  The plotted *training loss* is objective (1.1)
divided by T, i.e. ``0.5 MSE + (beta/T) penalty`` (half the paper's (4.3) value); the *test
loss* is the plain mean squared error on the test pairs, without regularization (as in the
paper).  AR(1)+bias is unregularized: its training line is ``0.5 MSE`` (its (1.1) objective at
beta = 0, divided by T).

Adam: full-batch, cosine learning-rate schedule, width m = 200 (Appendix E.2), learning rate
0.05 (Figures 4.1, 4.2) and 0.1 (Figure 4.4) as in Appendix E.2; epochs and trials from
:data:`~library_of_mirrors.figures.COUNTS` (``adam_epochs``, ``adam_runs``).  The paper trains
SGD for 100 epochs; full-batch Adam needs more to approach the optimum.  By the equivalence
theorem (Theorem 3.11) no network of any width has an objective below the Lasso optimum: the
returned numbers include ``min_adam_minus_convex`` (>= 0 up to the solver's certified gap).
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass

import numpy as np
from matplotlib import colormaps

from ..dictionary import build_dictionary
from ..nn.parallel import ParallelNetwork
from ..nn.training import train_adam
from ..reconstruct import reconstruct
from ..solvers import beta_max, solve_lasso
from ..timeseries.synthetic import planted_series, simulate
from .context import FigureContext, note_figure

#: beta of (1.1) on the standardized series for Figures 4.1 and 4.2: the default of the
#: library's ``ARForecaster`` (the paper's beta_p = 1 of (4.3) is on unstandardized prices;
#: on a standardized series beta = beta_p T / 2 would be a large fraction of beta_max)
BETA_AR = 1e-2
WIDTH = 200  # m, Appendix E.2
ACTIVATION = "abs"
LR_REAL = 0.05  # Figures 4.1, 4.2 (Appendix E.2)
LR_PLANTED = 0.1  # Figure 4.4 (Appendix E.2)
MAX_T_REAL = 2000  # Figure 4.1: T = 2000
MAX_T_PLANTED = 1000  # Figure 4.4: T = 1000
PLANTED_NEURONS = 5  # p (caption of Figure 4.4)
PLANTED_SIGMA = 1.0  # sigma^2 = 1 (caption of Figure 4.4)
#: Figure 4.4's beta grid: log-spaced from PATH_LOW * beta_max up to beta_max (z = 0 there)
PATH_LOW = 1e-4
#: the exact path is drawn on a grid this many times finer than Adam's (it is cheap)
PATH_REFINE = 6
TIME_REPEATS = 3  # timings of the exact solve (Figure 4.2 shows their median)
N_ERRORBARS = 10  # epochs (or betas) with +-1 std error bars on the mean curve
LOSS_NOTE = ("training loss = objective (1.1) / T = 0.5 MSE + (beta/T) penalty "
             "(= half the paper's (4.3) with beta_p = 2 beta / T); test loss = MSE, "
             "no regularization")


# ----------------------------------------------------------------------------------------------
# shared pieces


def _fit_ar1(x: np.ndarray, y: np.ndarray, x_test: np.ndarray, y_test: np.ndarray) -> dict:
    """AR(1)+bias ``x_t = a x_{t-1} + b`` by least squares (Appendix E.2's baseline)."""
    (a, b), *_ = np.linalg.lstsq(np.column_stack([x, np.ones_like(x)]), y, rcond=None)
    train_mse = float(np.mean((a * x + b - y) ** 2))
    return {"a": float(a), "b": float(b), "train_mse": train_mse,
            "train_loss": 0.5 * train_mse,
            "test_mse": float(np.mean((a * x_test + b - y_test) ** 2))}


def _mse(pred: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean((np.asarray(pred, dtype=float) - y) ** 2))


def _trial_colors(n: int) -> list:
    cmap = colormaps["tab20"]
    return [cmap(i % 20) for i in range(n)]


def _trials(ax, x: np.ndarray, curves: np.ndarray, label: str, *, log_x: bool = False) -> None:
    """Each trial (row of ``curves``) as a thin coloured curve, their mean in black with +-1
    standard deviation error bars at a few points (the paper's style)."""
    for k, (c, col) in enumerate(zip(curves, _trial_colors(curves.shape[0]))):
        ax.plot(x, c, color=col, lw=0.9, alpha=0.8,
                label=f"{label}: each of {curves.shape[0]} trials" if k == 0 else None)
    mean, std = curves.mean(axis=0), curves.std(axis=0)
    ax.plot(x, mean, color="black", lw=1.8, label=f"{label}: mean, bars = +-1 std")
    n = x.shape[0]
    idx = np.unique(np.linspace(0, n - 1, min(N_ERRORBARS, n)).round().astype(int))
    if not log_x and n > N_ERRORBARS:  # skip the first points, where the spread is huge
        idx = idx[idx >= max(1, n // (2 * N_ERRORBARS))]
    ax.errorbar(x[idx], mean[idx], yerr=std[idx], fmt="none", ecolor="black", elinewidth=1.2,
                capsize=3, zorder=5)


def _focus_ylim(ax, curves: np.ndarray, lines: list[float]) -> None:
    """A linear y-range around the reference lines and where the trials end (Adam's first
    epochs start far above and are clipped; the title says so)."""
    lo = min([*lines, float(curves.min())])
    hi = max([*lines, float(curves[:, -1].max())])
    span = max(hi - lo, 1e-3 * max(abs(hi), 1e-12))
    ax.set_ylim(lo - 0.1 * span, hi + 1.5 * span)


def _log_ylim(ax, values: np.ndarray, floor: float) -> None:
    """A log y-range from ``floor`` to the largest value (for times)."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values) & (values > 0)]
    hi = float(values.max()) if values.size else 1.0
    lo = min(floor, float(values.min()) if values.size else floor)
    ax.set_ylim(lo / 1.3, max(hi, lo * 1.5) * 1.3)


# ----------------------------------------------------------------------------------------------
# Figures 4.1 and 4.2: the real series


@dataclass
class ARExperiment:
    """The shared experiment of Figures 4.1 and 4.2: the exact network, the Adam trials and
    AR(1)+bias on the standardized real series."""

    label: str
    series_name: str
    T: int  # training pairs
    n_test: int
    beta: float
    convex: dict
    ar1: dict
    epochs: np.ndarray  # epochs trained at each record (1, ..., adam_epochs)
    adam_train_loss: np.ndarray  # (runs, records) objective (1.1) / T
    adam_test_mse: np.ndarray  # (runs, records)
    adam_seconds: np.ndarray  # (runs, records) cumulative training seconds
    adam_objective: np.ndarray  # (runs,) final objective (1.1)
    seeds: list
    lr: float
    n_epochs: int


def _timed_exact(x: np.ndarray, y: np.ndarray, beta: float, repeats: int = TIME_REPEATS):
    """Build the 2-layer abs dictionary and solve the Lasso, timed with ``perf_counter`` after
    a warm-up solve on a few points (numba compilation is not counted); the median of
    ``repeats`` timings (the machine may be shared).  Returns the dictionary, the result, and
    the build and solve seconds of every repeat."""
    with warnings.catch_warnings():  # the warm-up's own data: any series may start flat
        warnings.simplefilter("ignore")
        t = np.linspace(-1.0, 1.0, 20)
        solve_lasso(build_dictionary(t, ACTIVATION, 2), np.sin(3 * t), beta)
    build, solve = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        d = build_dictionary(x, ACTIVATION, 2)
        t1 = time.perf_counter()
        res = solve_lasso(d, y, beta)
        t2 = time.perf_counter()
        build.append(t1 - t0)
        solve.append(t2 - t1)
    return d, res, build, solve


def _compute_ar(ctx: FigureContext) -> ARExperiment:
    data = ctx.ar_data(MAX_T_REAL)
    x, y = data.xy_train
    xt, yt = data.xy_test
    T = int(y.shape[0])
    beta = BETA_AR
    d, res, build_s, solve_s = _timed_exact(x, y, beta)
    total_s = [b + s for b, s in zip(build_s, solve_s)]
    net = reconstruct(d, res)
    convex = {"objective": float(res.objective), "gap": float(res.gap),
              "converged": bool(res.converged), "train_loss": float(res.objective) / T,
              "reconstructed_train_loss": float(net.objective(x, y, beta)) / T,
              "train_mse": _mse(res.predict(d, x), y), "test_mse": _mse(res.predict(d, xt), yt),
              "n_features": int(d.n_features), "n_neurons": int(np.count_nonzero(res.z)),
              "seconds": float(np.median(total_s)), "seconds_repeats": total_s,
              "build_seconds": float(np.median(build_s)),
              "solve_seconds": float(np.median(solve_s))}
    ar1 = _fit_ar1(x, y, xt, yt)
    runs, epochs = ctx.count("adam_runs"), ctx.count("adam_epochs")
    record_every = max(1, epochs // 100)
    seeds = ctx.seeds("ar_adam", runs)
    done = ctx.map(_adam_ar_task, seeds, "Adam, Figure 4.1",
                   shared={"x": x, "y": y, "x_test": xt, "y_test": yt, "beta": beta,
                           "epochs": epochs, "record_every": record_every})
    train_loss, test_mse, seconds, objective = (list(v) for v in zip(*[r[:4] for r in done]))
    rec_epochs = done[0][4] if done else []
    return ARExperiment(
        label=data.label, series_name=data.series.name, T=T, n_test=int(yt.shape[0]),
        beta=beta, convex=convex, ar1=ar1, epochs=np.asarray(rec_epochs),
        adam_train_loss=np.array(train_loss), adam_test_mse=np.array(test_mse),
        adam_seconds=np.array(seconds), adam_objective=np.array(objective), seeds=seeds,
        lr=LR_REAL, n_epochs=epochs)


def _adam_ar_task(seed: int, *, x, y, x_test, y_test, beta: float, epochs: int,
                  record_every: int) -> tuple[list, list, list, float, list]:
    """One Adam run of Figure 4.1 (one task): training loss (1.1) / T, test MSE and wall time
    every ``record_every`` epochs, and the final objective."""
    T = int(y.shape[0])
    tl, te, sec, ep = [], [], [], []

    def record(epoch: int, net: ParallelNetwork, s: float) -> None:
        ep.append(epoch + 1)
        tl.append(net.history[-1][1] / T)
        te.append(_mse(net(x_test), y_test))
        sec.append(s)

    net = train_adam(x, y, beta, ACTIVATION, 2, "deep_narrow", WIDTH, epochs=epochs,
                     lr=LR_REAL, seed=seed, lr_schedule="cosine", record_every=record_every,
                     callback=record)
    return tl, te, sec, float(net.objective(x, y, beta)), ep


def _ar_experiment(ctx: FigureContext) -> ARExperiment:
    """The experiment of Figures 4.1 and 4.2, computed once per run."""
    return ctx.cached("ar_adam", lambda: _compute_ar(ctx))


def _ar_common(ex: ARExperiment) -> dict:
    return {"data": ex.label, "series": ex.series_name, "T": ex.T, "n_test": ex.n_test,
            "activation": ACTIVATION, "depth": 2, "width": WIDTH, "beta": ex.beta,
            "beta_paper_4_3": 2.0 * ex.beta / ex.T, "loss_convention": LOSS_NOTE,
            "adam": {"runs": len(ex.seeds), "epochs": ex.n_epochs, "lr": ex.lr,
                     "lr_schedule": "cosine (lr -> lr/100)", "full_batch": True,
                     "seeds": ex.seeds}}


def _loss_panel(ax, epochs, values, convex: tuple[float, str], ar1: tuple[float, str],
                ylabel: str, title: str) -> None:
    """Adam trials per epoch against the exact optimum and AR(1)+bias (horizontal lines)."""
    _trials(ax, epochs, values, "NN (Adam)")
    ax.axhline(convex[0], color="#d62728", ls="--", lw=1.8, label=convex[1])
    ax.axhline(ar1[0], color="#1f77b4", ls=":", lw=1.8, label=ar1[1])
    _focus_ylim(ax, values, [convex[0], ar1[0]])
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    ax.set_title(f"{title}\nfirst epochs above the axis", fontsize=10)
    ax.legend(fontsize=8, loc="upper right")


def figure_4_1(ctx: FigureContext) -> dict:
    """Figure 4.1: autoregression (4.1) with the 2-layer abs network (4.2): training loss
    (objective (1.1)/T, the scaled (4.3)) and test MSE per Adam epoch for every trial, against
    the certified Lasso optimum (1.2) and the AR(1)+bias baseline."""
    ex = _ar_experiment(ctx)
    cv, ar1 = ex.convex, ex.ar1
    fig = note_figure(13.0, 5.2)
    ax1, ax2 = fig.subplots(1, 2)
    _loss_panel(ax1, ex.epochs, ex.adam_train_loss,
                (cv["train_loss"], f"cvxNN (exact Lasso): {cv['train_loss']:.4g} "
                                   f"(gap {cv['gap']:.1e})"),
                (ar1["train_loss"], f"AR(1)+bias: 0.5 MSE = {ar1['train_loss']:.4g}"),
                "training loss: objective (1.1) / T = 0.5 MSE + (beta/T) penalty",
                f"training loss (beta = {ex.beta:g} in (1.1); beta_p = "
                f"{2 * ex.beta / ex.T:.2g} in (4.3))")
    _loss_panel(ax2, ex.epochs, ex.adam_test_mse,
                (cv["test_mse"], f"cvxNN (exact Lasso): {cv['test_mse']:.4g}"),
                (ar1["test_mse"], f"AR(1)+bias: {ar1['test_mse']:.4g}"),
                "test loss: MSE on the test pairs (no regularization)",
                f"test loss ({ex.n_test} test pairs)")
    fig.suptitle(f"Figure 4.1: autoregression x_t = f(x_{{t-1}}) with 2-layer abs networks "
                 f"(m = {WIDTH}) on {ex.series_name}, T = {ex.T}: exact Lasso (cvxNN) vs "
                 f"{len(ex.seeds)} Adam trials (NN) vs AR(1)+bias", fontsize=11)
    ctx.save(fig, note=ex.label)
    diff = ex.adam_objective - cv["objective"]
    return _ar_common(ex) | {
        "convex": cv, "ar1": ar1,
        "adam_final_objective": ex.adam_objective.tolist(),
        "adam_final_train_loss": (ex.adam_objective / ex.T).tolist(),
        "adam_final_test_mse": ex.adam_test_mse[:, -1].tolist(),
        "min_adam_minus_convex": float(diff.min()),
        "min_adam_minus_convex_relative": float(diff.min() / abs(cv["objective"])),
        "epochs": ex.epochs.tolist(),
        "adam_train_loss_mean": ex.adam_train_loss.mean(axis=0).tolist(),
        "adam_train_loss_std": ex.adam_train_loss.std(axis=0).tolist(),
        "adam_test_mse_mean": ex.adam_test_mse.mean(axis=0).tolist(),
        "adam_test_mse_std": ex.adam_test_mse.std(axis=0).tolist()}


def figure_4_2(ctx: FigureContext) -> dict:
    """Figure 4.2: cumulative training time per epoch of the Adam trials of Figure 4.1 (the
    same runs), against the wall time of the exact solve (dictionary + Lasso (1.2), numba
    compiled beforehand)."""
    ex = _ar_experiment(ctx)
    cv = ex.convex
    fig = note_figure(8.5, 5.2)
    ax = fig.add_subplot()
    _trials(ax, ex.epochs, ex.adam_seconds, "NN (Adam)")
    ax.axhline(cv["seconds"], color="#d62728", ls="--", lw=1.8,
               label=f"cvxNN: build dictionary + exact Lasso = {cv['seconds']:.3g} s "
               f"(median of {len(cv['seconds_repeats'])})")
    ax.set_yscale("log")
    _log_ylim(ax, ex.adam_seconds, cv["seconds"])
    ax.set_xlabel("epoch")
    ax.set_ylabel("cumulative training time [s] (log scale)")
    ax.set_title(f"Figure 4.2: training time, 2-layer abs networks (m = {WIDTH}) on "
                 f"{ex.series_name}, T = {ex.T}\n(full-batch Adam, the runs of Figure 4.1; "
                 "recording excluded)", fontsize=10.5)
    ax.legend(fontsize=8.5, loc="lower right")
    ctx.save(fig, note=ex.label)
    mean = ex.adam_seconds.mean(axis=0)
    slower = np.nonzero(mean > cv["seconds"])[0]
    gap_final = ex.adam_objective - cv["objective"]
    return _ar_common(ex) | {
        "convex_seconds": cv["seconds"], "convex_build_seconds": cv["build_seconds"],
        "convex_solve_seconds": cv["solve_seconds"],
        "adam_total_seconds": ex.adam_seconds[:, -1].tolist(),
        "adam_mean_total_seconds": float(mean[-1]),
        "adam_mean_over_convex_time": float(mean[-1] / cv["seconds"]),
        "first_epoch_adam_mean_slower_than_convex": (int(ex.epochs[slower[0]]) if slower.size
                                                     else -1),
        "adam_final_objective": ex.adam_objective.tolist(),
        "convex_objective": cv["objective"],
        "min_adam_minus_convex": float(gap_final.min()),
        "epochs": ex.epochs.tolist(), "adam_seconds_mean": mean.tolist(),
        "adam_seconds_std": ex.adam_seconds.std(axis=0).tolist()}


# ----------------------------------------------------------------------------------------------
# Figure 4.4: planted data


@dataclass
class PlantedData:
    """Planted training and test series (T + 1 values each, so T lag pairs), standardized with
    the training mean and standard deviation, and the planted network (original scale)."""

    train: np.ndarray
    test: np.ndarray
    net: ParallelNetwork
    mean: float
    std: float
    label: str

    def oracle(self, x: np.ndarray) -> np.ndarray:
        """The planted network's prediction on the standardized scale."""
        return (self.net(np.asarray(x) * self.std + self.mean) - self.mean) / self.std


def _exact_path(d, y: np.ndarray, betas: np.ndarray) -> list:
    """The exact regularization path: the certified Lasso optimum (1.2) at every beta.

    Each beta is solved from a cold start rather than with ``lasso_path``'s warm starts: at
    the small end of the grid a warm-started solve was seen to take 30-400 times longer than a
    cold one (same optimum); the path is the same either way."""
    return [solve_lasso(d, y, b) for b in betas]


def _adam_planted_task(job: tuple[int, float], *, x, y, x_test, y_test,
                       epochs: int) -> tuple[float, float]:
    """One Adam run of Figure 4.4 (one task): ``job = (seed, beta)``; its objective (1.1)
    and test MSE."""
    seed, beta = job
    net = train_adam(x, y, beta, ACTIVATION, 2, "deep_narrow", WIDTH, epochs=epochs,
                     lr=LR_PLANTED, seed=seed, lr_schedule="cosine", record_every=epochs)
    return float(net.objective(x, y, beta)), _mse(net(x_test), y_test)


def planted_data(ctx: FigureContext) -> PlantedData:
    """Training series from :func:`planted_series` and an independent test series from the
    same planted network (its own noise and start), as in section 4."""
    T = min(MAX_T_PLANTED, ctx.count("max_T"))
    s_train, s_test = ctx.seeds("planted_data", 2)
    series, net = planted_series(T + 1, PLANTED_NEURONS, PLANTED_SIGMA, ACTIVATION,
                                 seed=s_train)
    train = np.asarray(series.values, dtype=float)
    test = simulate(net, T + 1, PLANTED_SIGMA, np.random.default_rng(s_test))
    mu, sd = float(train.mean()), float(train.std())
    label = (f"data: planted 2-layer abs network, p = {PLANTED_NEURONS} neurons, sigma^2 = "
             f"{PLANTED_SIGMA ** 2:g}; independent training and test series of {T + 1} values "
             f"(T = {T} pairs each), standardized with the training mean and std")
    return PlantedData((train - mu) / sd, (test - mu) / sd, net, mu, sd, label)


def figure_4_4(ctx: FigureContext) -> dict:
    """Figure 4.4: the regularization path on planted data (sigma^2 = 1, p = 5 planted
    neurons, T = 1000 in the full run): training loss (objective (1.1)/T) and test MSE vs beta
    for the exact Lasso path (1.2) (smooth) and for Adam trials at each beta
    (a trial keeps its seed across betas: one jagged curve per trial)."""
    pdata = planted_data(ctx)
    x, y = pdata.train[:-1], pdata.train[1:]
    xt, yt = pdata.test[:-1], pdata.test[1:]
    T = int(y.shape[0])
    d = build_dictionary(x, ACTIVATION, 2)
    bmax = beta_max(d, y)
    n_betas = ctx.count("path_betas")
    betas = bmax * np.geomspace(PATH_LOW, 1.0, n_betas)
    fine = np.union1d(bmax * np.geomspace(PATH_LOW, 1.0, PATH_REFINE * max(n_betas - 1, 1) + 1),
                      betas)
    fine_b = np.sort(fine)
    results = _exact_path(d, y, fine_b)
    conv_obj = np.array([r.objective for r in results])
    conv_train = conv_obj / T
    conv_test = np.array([_mse(r.predict(d, xt), yt) for r in results])
    at = np.searchsorted(fine_b, betas)  # the Adam grid is part of the exact grid
    recon = [reconstruct(d, results[i]).objective(x, y, fine_b[i]) / T for i in at]

    runs, epochs = ctx.count("adam_runs"), ctx.count("adam_epochs")
    seeds = ctx.seeds("planted_adam", runs)
    adam_obj = np.empty((runs, n_betas))
    adam_test = np.empty((runs, n_betas))
    jobs = [(seeds[k], betas[j]) for k in range(runs) for j in range(n_betas)]
    done = ctx.map(_adam_planted_task, jobs, "Adam, Figure 4.4",
                   shared={"x": x, "y": y, "x_test": xt, "y_test": yt, "epochs": epochs})
    adam_obj[:], adam_test[:] = (np.array(v).reshape(runs, n_betas) for v in zip(*done))
    adam_train = adam_obj / T
    diff = adam_obj - conv_obj[at][None]

    oracle_test = _mse(pdata.oracle(xt), yt)
    oracle_train = _mse(pdata.oracle(x), y)
    ar1 = _fit_ar1(x, y, xt, yt)
    best = int(np.argmin(conv_test))

    fig = note_figure(13.0, 5.4)
    ax1, ax2 = fig.subplots(1, 2)
    for ax, conv, adam, what in ((ax1, conv_train, adam_train, "train"),
                                 (ax2, conv_test, adam_test, "test")):
        _trials(ax, betas, adam, "NN (Adam)", log_x=True)
        ax.plot(fine_b, conv, color="#d62728", lw=2.2, label="cvxNN: exact Lasso path", zorder=6)
        ax.plot(betas, conv[at], "o", color="#d62728", ms=4, zorder=7)
        ax.set_xscale("log")
        ax.set_xlabel("beta of (1.1) on the standardized series (log scale)")
        top = ax.secondary_xaxis("top", functions=(lambda b: 2.0 * b / T,
                                                   lambda bp: bp * T / 2.0))
        top.set_xlabel("beta_p of the paper's (4.3) = 2 beta / T", fontsize=8.5)
        ax.axvline(bmax, color="0.5", lw=0.8, ls="-.")
        ax.text(bmax, 0.98, "beta_max (z = 0) ", rotation=90, fontsize=7.5, color="0.4",
                transform=ax.get_xaxis_transform(), ha="right", va="top")
        if what == "test":
            ax.axhline(oracle_test, color="0.3", ls="--", lw=1.3,
                       label=f"planted network (oracle): {oracle_test:.3g}")
            ax.axhline(ar1["test_mse"], color="#1f77b4", ls=":", lw=1.6,
                       label=f"AR(1)+bias: {ar1['test_mse']:.3g}")
            ax.plot(fine_b[best], conv[best], "*", color="#d62728", ms=12, zorder=8,
                    label=f"oracle beta (chosen on the test series): {fine_b[best]:.3g}, "
                          f"MSE {conv[best]:.3g}")
    ax1.set_ylabel("training loss: objective (1.1) / T = 0.5 MSE + (beta/T) penalty")
    ax1.set_title("training loss vs beta", fontsize=10)
    ax1.legend(fontsize=8, loc="upper left")
    ax2.set_ylabel("test loss: MSE on the independent test series")
    ax2.set_title("test loss vs beta", fontsize=10)
    ax2.legend(fontsize=8, loc="upper right", bbox_to_anchor=(0.94, 1.0))  # clear of beta_max
    fig.suptitle(f"Figure 4.4: regularization path on planted data (sigma^2 = "
                 f"{PLANTED_SIGMA ** 2:g}, p = {PLANTED_NEURONS} neurons, T = {T}): exact Lasso "
                 f"(cvxNN) vs {runs} Adam trials (NN, m = {WIDTH}, {epochs} epochs)",
                 fontsize=11)
    ctx.save(fig, note=pdata.label)
    return {
        "data": pdata.label, "T": T, "n_test": int(yt.shape[0]), "activation": ACTIVATION,
        "depth": 2, "width": WIDTH, "planted_neurons": PLANTED_NEURONS,
        "sigma": PLANTED_SIGMA, "loss_convention": LOSS_NOTE,
        "adam": {"runs": runs, "epochs": epochs, "lr": LR_PLANTED,
                 "lr_schedule": "cosine (lr -> lr/100)", "full_batch": True, "seeds": seeds},
        "beta_max": bmax, "betas": betas.tolist(),
        "betas_paper_4_3": (2.0 * betas / T).tolist(),
        "convex_betas_fine": fine_b.tolist(), "convex_train_loss_fine": conv_train.tolist(),
        "convex_test_mse_fine": conv_test.tolist(),
        "convex_objective": conv_obj[at].tolist(), "convex_train_loss": conv_train[at].tolist(),
        "reconstructed_train_loss": recon, "convex_test_mse": conv_test[at].tolist(),
        "convex_gaps": [float(results[i].gap) for i in at],
        "convex_converged": bool(all(r.converged for r in results)),
        "convex_n_neurons": [int(np.count_nonzero(results[i].z)) for i in at],
        "adam_objective": adam_obj.tolist(), "adam_train_loss": adam_train.tolist(),
        "adam_test_mse": adam_test.tolist(),
        "adam_train_loss_mean": adam_train.mean(axis=0).tolist(),
        "adam_train_loss_std": adam_train.std(axis=0).tolist(),
        "adam_test_mse_mean": adam_test.mean(axis=0).tolist(),
        "adam_test_mse_std": adam_test.std(axis=0).tolist(),
        "min_adam_minus_convex": float(diff.min()),
        "min_adam_minus_convex_relative": float(np.min(diff / np.abs(conv_obj[at])[None])),
        "oracle_convex_beta_on_test": float(fine_b[best]),
        "oracle_convex_test_mse": float(conv_test[best]),
        "oracle_train_mse": oracle_train, "oracle_test_mse": oracle_test, "ar1": ar1}


__all__ = ["ARExperiment", "PlantedData", "figure_4_1", "figure_4_2",
           "figure_4_4", "planted_data"]
