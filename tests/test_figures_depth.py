"""Figures 4.3, 4.5, 4.6, 4.7 and E.2 (sampled deep narrow abs libraries, section 4).

Small counts keep this fast; no expected numbers are hard-coded: every reported loss is checked
against an independent recomputation (numpy on the dense matrix, cvxpy for the optimum)."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest

from library_of_mirrors import build_dictionary
from library_of_mirrors.figures import FIGURES, FigureContext, make_figures
from library_of_mirrors.figures import depth as dp

COUNTS = {"samples": 2, "timed": 2, "features": 40, "max_T": 80}
IDS = ["4.3", "4.5", "4.6", "4.7", "E.2"]


@pytest.fixture(scope="module")
def ctx(tmp_path_factory):
    return FigureContext(tmp_path_factory.mktemp("ctx"), quick=True, progress=False,
                         overrides=dict(COUNTS))


@pytest.fixture(scope="module")
def ex(ctx):
    return dp.sampled_depths(ctx)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("figs")
    calls = []
    original = dp._compute

    def counting(c):
        calls.append(1)
        return original(c)

    mp = pytest.MonkeyPatch()
    mp.setattr(dp, "_compute", counting)
    try:
        results = make_figures(out, only=IDS, quick=True, progress=False, counts=COUNTS,
                               log=lambda *a: None)
    finally:
        mp.undo()
    return out, results, len(calls)


def _lasso_objective(A, z, xi, y, beta):
    r = A @ z + xi - y
    return 0.5 * float(r @ r) + beta * float(np.abs(z).sum())


def _rebuild(ex, fit):
    n = fit.n_requested
    return build_dictionary(ex.x_train, "abs", fit.depth, n_features=n, random_state=fit.seed)


def _full_z(fit, n):
    z = np.zeros(n)
    z[fit.active] = fit.coef
    return z


# ----------------------------------------------------------------------------------------------
# the experiment


def test_setup_follows_the_paper(ex, ctx):
    assert ex.T == ex.x_train.shape[0] == ex.y_train.shape[0]
    assert ex.beta == pytest.approx(1.0 / ex.T)
    assert sorted(ex.fits) == [2, 3, 4, 5]
    assert len(ex.fits[2]) == 1 and ex.fits[2][0].seed is None  # the full 2-layer library
    for L in (3, 4, 5):
        assert len(ex.fits[L]) == COUNTS["samples"]
        assert [f.seed for f in ex.fits[L]] == ctx.seeds(f"depth{L}", COUNTS["samples"])
        assert all(f.n_requested == COUNTS["features"] for f in ex.fits[L])
        assert all(f.n_features <= COUNTS["features"] for f in ex.fits[L])
    # lag-1 pairs of the standardized series
    np.testing.assert_array_equal(ex.x_train[1:], ex.y_train[:-1])
    np.testing.assert_array_equal(ex.x_test[1:], ex.y_test[:-1])


def test_losses_equal_independent_recomputation(ex):
    for L in (2, 3, 4, 5):
        for fit in ex.fits[L]:
            d = _rebuild(ex, fit)
            assert d.n_features == fit.n_features
            A = d.matrix()
            z = _full_z(fit, d.n_features)
            obj = _lasso_objective(A, z, fit.xi, ex.y_train, ex.beta)
            assert fit.objective == pytest.approx(obj, rel=1e-9, abs=1e-12)
            assert fit.train_loss == pytest.approx(obj / ex.T, rel=1e-9)
            r = A @ z + fit.xi - ex.y_train
            assert fit.train_mse == pytest.approx(float(np.mean(r**2)), rel=1e-9)
            # test MSE from the kink forms (evaluate at new points), independent of predict()
            pt = d.evaluate(ex.x_test) @ z + fit.xi
            assert fit.test_mse == pytest.approx(float(np.mean((pt - ex.y_test) ** 2)),
                                                 rel=1e-8)
            inside = (ex.x_test >= ex.x_train.min()) & (ex.x_test <= ex.x_train.max())
            assert fit.test_mse_in_range == pytest.approx(
                float(np.mean((pt[inside] - ex.y_test[inside]) ** 2)), rel=1e-8)
            assert fit.nonzeros == int(np.count_nonzero(z))
            assert fit.l1 == pytest.approx(float(np.abs(z).sum()), rel=1e-12)
            assert fit.converged and 0.0 <= fit.gap <= 1e-6 * max(1.0, fit.objective)
            assert fit.seconds > 0.0


def test_optimum_against_cvxpy(ex):
    """The L = 2 optimum (full library) and the first sampled library of each deeper depth
    against Clarabel on the dense matrix."""
    cp = pytest.importorskip("cvxpy")
    for L in (2, 3, 4, 5):
        fit = ex.fits[L][0]
        A = _rebuild(ex, fit).matrix()
        z = cp.Variable(A.shape[1])
        xi = cp.Variable()
        prob = cp.Problem(cp.Minimize(0.5 * cp.sum_squares(A @ z + xi - ex.y_train)
                                      + ex.beta * cp.norm1(z)))
        prob.solve(solver=cp.CLARABEL)
        assert prob.status == cp.OPTIMAL
        ref = _lasso_objective(A, z.value, float(xi.value), ex.y_train, ex.beta)
        assert fit.objective <= ref * (1 + 1e-7) + 1e-9  # never worse than Clarabel
        assert fit.objective == pytest.approx(ref, rel=1e-5)


def test_same_seed_same_library_and_loss(ex):
    fit = ex.fits[4][1]
    d1, d2 = _rebuild(ex, fit), _rebuild(ex, fit)
    np.testing.assert_array_equal(d1.matrix(), d2.matrix())
    again, pred = dp.fit_depth(ex.x_train, ex.y_train, ex.x_test, ex.y_test, 4, ex.beta,
                               fit.n_requested, fit.seed)
    assert again.objective == pytest.approx(fit.objective, rel=1e-10)
    assert again.test_mse == pytest.approx(fit.test_mse, rel=1e-10)
    assert again.n_features == fit.n_features


def test_same_run_seed_same_experiment(ex, tmp_path):
    other = dp.sampled_depths(FigureContext(tmp_path, quick=True, progress=False,
                                            overrides=dict(COUNTS)))
    for L in (2, 3, 4, 5):
        assert [f.seed for f in other.fits[L]] == [f.seed for f in ex.fits[L]]
        np.testing.assert_allclose([f.objective for f in other.fits[L]],
                                   [f.objective for f in ex.fits[L]], rtol=1e-10)


def test_computed_once_per_run(ctx, ex, run):
    assert dp.sampled_depths(ctx) is ex  # ctx.cached returns the identical object
    assert run[2] == 1  # five figures, one experiment


def test_small_library_is_recorded_not_fatal():
    """Asking for more features than a tiny library has warns inside the sampler; the fit
    records it instead of failing."""
    x = np.array([0.0, 1.0, 2.5, 4.0])
    y = np.array([1.0, 0.0, 2.0, 1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing escapes but what the fit passes on
        fit, pred = dp.fit_depth(x[:-1], x[1:], x, y, 3, 0.1, n_features=500, seed=1)
    assert fit.short and fit.n_features < 500
    assert any("sampling found only" in m for m in fit.warnings)
    assert np.all(np.isfinite(pred)) and math.isfinite(fit.train_loss)


# ----------------------------------------------------------------------------------------------
# the figures


def _finite(v):
    if isinstance(v, dict):
        return all(_finite(x) for x in v.values())
    if isinstance(v, list):
        return all(_finite(x) for x in v)
    if isinstance(v, float):
        return math.isfinite(v)
    return True


def test_files_and_numbers(run):
    out, results, _ = run
    assert set(results) == set(IDS)
    for fid in IDS:
        png, js = FIGURES[fid].files
        assert (out / png).stat().st_size > 10_000
        data = json.loads((out / js).read_text())
        assert data["figure"] == fid
        assert _finite(data), fid
        assert "sunspots" in data["data"] and data["series"] == "sunspots"
        assert data["beta"] == pytest.approx(1.0 / data["T"])
        assert data["samples_per_depth"] == COUNTS["samples"]
        assert data["features_per_library"] == COUNTS["features"]


def test_figure_numbers_match_the_experiment(run, ex):
    _, res, _ = run
    for L in (2, 3, 4, 5):
        k = str(L)
        assert res["4.3"]["train_mse"][k] == pytest.approx(ex.example(L).train_mse)
        assert res["4.3"]["test_mse"][k] == pytest.approx(ex.example(L).test_mse)
        np.testing.assert_allclose(res["4.6"]["train_loss"][k], ex.values(L, "train_loss"))
        np.testing.assert_allclose(res["4.7"]["test_mse"][k], ex.values(L, "test_mse"))
        assert len(res["E.2"]["milliseconds"][k]) == (1 if L == 2 else COUNTS["timed"])
        assert np.all(np.asarray(res["E.2"]["milliseconds"][k]) > 0)
    p = res["4.5"]
    assert len(p["observed"]) == len(p["test_index"]) == ex.T
    for k in p["predictions"]:
        assert len(p["predictions"][k]) == ex.T
        mse = float(np.mean((np.asarray(p["predictions"][k]) - np.asarray(p["observed"])) ** 2))
        assert mse == pytest.approx(p["test_mse"][k], rel=1e-10)
    r = res["4.7"]  # the title's "shown" fractions are those of the values below the clip
    for k, vals in r["test_mse"].items():
        assert r["fraction_shown"][k] == pytest.approx(np.mean(np.asarray(vals)
                                                               <= r["clip_upper"]))


def test_label_names_the_series(ctx, ex):
    assert "sunspots" in ex.label and ex.label == ctx.ar_data(dp.MAX_T).label
