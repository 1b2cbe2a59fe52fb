"""Figures 4.1, 4.2 and 4.4 (section 4: autoregression, training time, regularization path):
files, finite numbers, and the properties the figures rest on (no Adam run beats the certified
optimum, the plotted exact loss is the reconstructed network's objective, 4.1 and 4.2 share
their Adam runs)."""

import json
import math

import cvxpy as cp
import numpy as np
import pytest

from library_of_mirrors.figures import FIGURES, FigureContext, make_figures
from library_of_mirrors.figures import autoregression as ar
from library_of_mirrors.timeseries import load_sunspots

SMALL = {"adam_runs": 2, "adam_epochs": 50, "path_betas": 3, "max_T": 120}
IDS = ["4.1", "4.2", "4.4"]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("figs")
    results = make_figures(out, only=IDS, quick=True, progress=False, counts=SMALL,
                           log=lambda *a: None)
    return out, results


def _numbers(v):
    """Every number inside a JSON value."""
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return
    if isinstance(v, (int, float)):
        yield v
    elif isinstance(v, dict):
        for w in v.values():
            yield from _numbers(w)
    elif isinstance(v, list):
        for w in v:
            yield from _numbers(w)


def test_files_exist_and_numbers_are_finite(run):
    out, results = run
    for fid in IDS:
        png, js = FIGURES[fid].files
        assert (out / png).stat().st_size > 10_000
        numbers = json.loads((out / js).read_text())
        assert numbers["figure"] == fid
        values = list(_numbers(numbers))
        assert len(values) > 10
        assert all(math.isfinite(v) for v in values), fid
        assert results[fid]["seconds"] >= 0


def test_adam_never_beats_the_certified_optimum(run):
    _, results = run
    r = results["4.1"]
    opt = r["convex"]["objective"]
    diffs = np.array(r["adam_final_objective"]) - opt
    assert len(diffs) == SMALL["adam_runs"]
    assert diffs.min() >= -1e-9 * abs(opt)
    p = results["4.4"]
    conv = np.array(p["convex_objective"])
    adam = np.array(p["adam_objective"])
    assert adam.shape == (SMALL["adam_runs"], SMALL["path_betas"])
    assert np.all(adam - conv[None] >= -1e-9 * np.abs(conv)[None])


def test_exact_training_loss_is_the_reconstructed_networks_objective(run, tmp_path):
    _, results = run
    r = results["4.1"]
    cv = r["convex"]
    assert cv["train_loss"] == pytest.approx(cv["reconstructed_train_loss"], rel=1e-9)
    # independently: cvxpy (Clarabel) on the dense 2-layer abs matrix |x_i - x_j| of the same
    # lag pairs reaches the same optimum
    ctx = FigureContext(tmp_path, quick=True, progress=False, overrides=dict(SMALL))
    x, y = ctx.ar_data(ar.MAX_T_REAL).xy_train
    assert y.shape[0] == r["T"]
    u = np.unique(x)
    A = np.abs(x[:, None] - u[None, :])
    z, xi = cp.Variable(u.shape[0]), cp.Variable()
    prob = cp.Problem(cp.Minimize(0.5 * cp.sum_squares(A @ z + xi - y)
                                  + r["beta"] * cp.norm1(z)))
    prob.solve(solver=cp.CLARABEL, tol_gap_abs=1e-12, tol_gap_rel=1e-12, tol_feas=1e-12)
    ref = 0.5 * np.sum((A @ z.value + xi.value - y) ** 2) + r["beta"] * np.abs(z.value).sum()
    assert cv["objective"] == pytest.approx(ref, rel=1e-7)
    assert cv["objective"] <= ref * (1 + 1e-9)
    assert cv["gap"] <= 1e-6 * abs(cv["objective"])
    p = results["4.4"]
    np.testing.assert_allclose(p["reconstructed_train_loss"], p["convex_train_loss"],
                               rtol=1e-9)


def test_exact_path_properties(run, tmp_path):
    """The optimal value is nondecreasing in beta, and at beta_max (z = 0) it is the best
    constant fit: 0.5 var(y)."""
    _, results = run
    p = results["4.4"]
    fine = np.array(p["convex_train_loss_fine"])
    betas = np.array(p["convex_betas_fine"])
    assert np.all(np.diff(betas) > 0)
    assert np.all(np.diff(fine) >= -1e-8 * fine.max())
    assert betas[-1] == pytest.approx(p["beta_max"])
    ctx = FigureContext(tmp_path, quick=True, progress=False, overrides=dict(SMALL))
    y = ar.planted_data(ctx).train[1:]
    assert y.shape[0] == p["T"]
    assert fine[-1] == pytest.approx(0.5 * np.var(y), rel=1e-8)
    # the Adam grid is part of the exact grid
    idx = np.searchsorted(betas, p["betas"])
    np.testing.assert_allclose(fine[idx], p["convex_train_loss"], rtol=1e-12)


def test_exact_optimum_is_below_the_ar1_fit_as_a_network(run):
    """On the data range a x + b is one abs unit a|x - c| (c <= min x) plus the external bias,
    whose penalty (beta/2)(w^2 + alpha^2) is at least beta |a|, so the optimum (1.1) is at most
    0.5 SSE(AR(1)) + beta |a|."""
    _, results = run
    r = results["4.1"]
    a1 = r["ar1"]
    bound = 0.5 * r["T"] * a1["train_mse"] + r["beta"] * abs(a1["a"])
    assert r["convex"]["objective"] <= bound * (1 + 1e-9)
    assert a1["train_loss"] == pytest.approx(0.5 * a1["train_mse"])


def test_figures_4_1_and_4_2_share_one_experiment(run, tmp_path, monkeypatch):
    _, results = run
    r1, r2 = results["4.1"], results["4.2"]
    assert r2["adam_final_objective"] == r1["adam_final_objective"]
    # trained once: the two figures together call Adam adam_runs times
    calls = []
    real = ar.train_adam

    def counting(*args, **kwargs):
        calls.append(kwargs.get("seed"))
        return real(*args, **kwargs)

    monkeypatch.setattr(ar, "train_adam", counting)
    ctx = FigureContext(tmp_path, quick=True, progress=False, overrides=dict(SMALL))
    n1 = FIGURES["4.1"].draw(ctx)
    n2 = FIGURES["4.2"].draw(ctx)
    assert len(calls) == SMALL["adam_runs"]
    assert n1["adam_final_objective"] == n2["adam_final_objective"]
    # Figure 4.2's times are the runs' cumulative seconds: nondecreasing per trial
    assert all(np.all(np.diff(s) >= 0) for s in ctx.cached("ar_adam", None).adam_seconds)
    assert (tmp_path / "figure_4_1.png").is_file() and (tmp_path / "figure_4_2.png").is_file()


def test_data_label_names_the_bundled_series(run):
    _, results = run
    s = load_sunspots()
    for fid in ("4.1", "4.2"):
        assert s.name in results[fid]["data"]
        assert s.attrs["source"] in results[fid]["data"]
        assert results[fid]["series"] == s.name
    assert "planted" in results["4.4"]["data"]


def test_planted_test_series_comes_from_the_same_network(tmp_path):
    """Training and test series follow x_t = f(x_{t-1}) + N(0, sigma^2) with the same planted
    f: the residuals of f on each have mean ~ 0 and standard deviation ~ sigma (a test series
    from another planted network typically fails this)."""
    ctx = FigureContext(tmp_path, quick=True, progress=False, overrides={"max_T": 1000})
    p = ar.planted_data(ctx)
    assert p.train.shape == p.test.shape == (1001,)
    for series in (p.train, p.test):
        raw = series * p.std + p.mean
        resid = raw[1:] - p.net(raw[:-1])
        n = resid.shape[0]  # 4 standard errors of the mean and of the standard deviation
        assert abs(resid.mean()) < 4 * ar.PLANTED_SIGMA / np.sqrt(n)
        assert resid.std() == pytest.approx(ar.PLANTED_SIGMA, rel=4 / np.sqrt(2 * n))
    assert not np.allclose(p.train, p.test)
