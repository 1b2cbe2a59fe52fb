"""The autoregressive forecaster (section 4), its baselines and the backtest.

Oracles: the Lasso optimum against the non-convex network trained by Adam on the same problem
(never beaten, on the bundled sunspots and on a planted-network series), cvxpy on the explicit
quantile problem, the quantile property of pinball fits, and metrics recomputed by hand."""

import numpy as np
import pytest
from convex_reference import cvx_lasso

import library_of_mirrors as lom
from library_of_mirrors.timeseries import (
    AR1,
    AdamNetwork,
    RandomWalk,
    backtest,
    lag_matrix,
    load_sunspots,
    planted_series,
)

#: the paper's model of section 4: the network alone on the standardized series
PAPER = {"transform": "none", "skip": False, "intervals": "none"}


@pytest.fixture(scope="module")
def sunspots():
    return load_sunspots()


@pytest.fixture(scope="module")
def planted():
    return planted_series(200, neurons=5, sigma=1.0, seed=0)[0]


def test_lag_matrix():
    X, y = lag_matrix(np.arange(6.0), 2)
    np.testing.assert_array_equal(X, [[1, 0], [2, 1], [3, 2], [4, 3]])
    np.testing.assert_array_equal(y, [2, 3, 4, 5])


@pytest.mark.parametrize("lags", [1, 2])
@pytest.mark.parametrize("which", ["sunspots", "planted"])
def test_exact_model_is_never_above_adam(which, lags, request):
    """Acceptance: on the bundled series and a planted-network series the exact model's
    training objective is never above the Adam network's (same architecture and beta)."""
    series = request.getfixturevalue(which)
    fc = lom.ARForecaster(lags=lags, depth=2, activation="abs", beta=1e-2, **PAPER).fit(series)
    assert fc.result_.converged
    # Theorem 3.11: the rebuilt network attains the Lasso optimum
    assert fc.objective() == pytest.approx(fc.objective_, rel=1e-9)
    for seed in range(2):
        adam = AdamNetwork.like(fc, seed=seed, epochs=800).fit(series)
        assert adam.objective_ >= fc.objective_ - fc.result_.gap - 1e-9
        assert fc.objective(adam.network_) == pytest.approx(adam.objective_, rel=1e-12)


def test_recursive_forecast_iterates_the_fitted_map(sunspots):
    fc = lom.ARForecaster(lags=2, beta=1e-2, transform="none", intervals="none").fit(sunspots)
    v = sunspots.values
    path = list(v[-2:])
    for _ in range(4):
        path.append(fc.predict_function(np.array([[path[-1], path[-2]]]))[0])
    np.testing.assert_allclose(fc.predict(4), path[2:], rtol=1e-12)
    # in-sample one-step predictions are the fitted map at the lag rows
    X, _ = lag_matrix(v, 2)
    np.testing.assert_allclose(fc.fitted_, fc.predict_function(X), rtol=1e-12)


def test_breakpoints_carry_provenance_in_series_units(sunspots):
    fc = lom.ARForecaster(lags=1, beta=1e-2, **PAPER).fit(sunspots)
    v = sunspots.values
    assert fc.breakpoints_
    for lag, b in fc.breakpoints_:
        assert lag == 1
        # every breakpoint is the stated affine combination of the (unscaled) data points
        assert b.position == pytest.approx(
            sum(c * t for c, t in zip(b.coefficients, b.points))
            + (1 - sum(b.coefficients)) * fc.center_, abs=1e-7)
        if b.kind == "data":
            assert np.min(np.abs(v - b.position)) < 1e-9


def test_quantile_fits_are_exact_and_ordered(planted):
    fc = lom.ARForecaster(lags=1, beta=0.05, quantiles=(0.2, 0.8), transform="none", skip=False,
                          intervals="quantile").fit(planted)
    q = fc.predict_quantiles(3)
    assert q.shape == (3, 2) and np.all(q[:, 0] <= q[:, 1])
    X, y = fc.X_, fc.y_
    A = fc.dictionary_.matrix()
    for (h, tau), fit in fc._quantile_fits.items():
        res = fit.result
        w = np.zeros_like(y)
        w[:y.shape[0] - h + 1] = 1.0
        target = np.zeros_like(y)
        target[:y.shape[0] - h + 1] = y[h - 1:]
        # an independent solver on the explicit matrix
        ref = cvx_lasso(A, target, 0.05, "quantile", tau, w=w)
        assert res.objective == pytest.approx(ref, rel=1e-6, abs=1e-8)
        # the quantile property of a pinball fit with a free bias
        r = (target - A @ res.z - res.xi)[w > 0]
        assert np.mean(r < -1e-9) <= tau + 1e-9 and np.mean(r <= 1e-9) >= tau - 1e-9
    # horizon h > 1: the dictionary of all lag rows gives the optimum of the dictionary of the
    # rows that have a target (it contains that library; every feature is a network unit)
    res2 = fc._quantile_fits[(2, 0.8)].result
    d_sub = lom.build_dictionary(X[:-1, 0], "abs", 2)
    sub = lom.solve_lasso(d_sub, y[1:], 0.05, "quantile", 0.8)
    assert res2.objective == pytest.approx(sub.objective, rel=1e-7)


def test_baselines(sunspots):
    v = sunspots.values
    rw = RandomWalk().fit(v)
    np.testing.assert_array_equal(rw.predict(3), np.full(3, v[-1]))
    q = rw.predict_quantiles(4, (0.1, 0.9))
    np.testing.assert_allclose(q[3] - v[-1], 2 * (q[0] - v[-1]))  # sqrt(h) spread
    ar = AR1().fit(v)
    a, b = np.polyfit(v[:-1], v[1:], 1)
    np.testing.assert_allclose(ar.predict(2), [a * v[-1] + b, a * (a * v[-1] + b) + b],
                               rtol=1e-9)
    q = ar.predict_quantiles(1, (0.5,))
    np.testing.assert_allclose(q[0, 0], ar.predict(1)[0], rtol=1e-12)


def test_backtest_rows_and_metrics(sunspots):
    v = sunspots.values
    fc = lom.ARForecaster(lags=1, beta=1e-2, transform="none", quantiles=(0.1, 0.9))
    bt = backtest(sunspots, fc, horizon=2, initial=280, step=10, window="sliding",
                  window_size=100, adam_options={"epochs": 100})
    cutoffs = list(range(280, len(v) - 2 + 1, 10))
    assert bt.models == ["exact network", "random walk", "AR(1)+bias", "Adam network"]
    assert len(bt.rows) == 4 * len(cutoffs)
    rw = [r for r in bt.rows if r["model"] == "random walk"]
    for r, c in zip(rw, cutoffs):
        assert r["train_size"] == 100
        assert r["cutoff"] == str(sunspots.index[c - 1])  # the year of the last training value
        err = v[c:c + 2] - v[c - 1]
        scale = np.mean(np.abs(np.diff(v[c - 100:c])))
        assert r["mae"] == pytest.approx(np.mean(np.abs(err)))
        assert r["rmse"] == pytest.approx(np.sqrt(np.mean(err**2)))
        assert r["mase"] == pytest.approx(np.mean(np.abs(err)) / scale)
    summary = {r["model"]: r for r in bt.summary()}
    assert summary["random walk"]["folds"] == len(cutoffs)
    assert "exact network" in bt.table()
    expanding = backtest(v, lom.ARForecaster(lags=1, beta=1e-2, **PAPER), initial=300,
                         baselines=())
    assert [r["train_size"] for r in expanding.rows] == list(range(300, len(v)))


def test_backtest_csv_refuses_to_overwrite(tmp_path, sunspots):
    bt = backtest(sunspots, lom.ARForecaster(lags=1, beta=1e-2, **PAPER), horizon=1, initial=300,
                  baselines=("random_walk",))
    path = bt.to_csv(tmp_path / "bt.csv")
    assert path.read_text().splitlines()[0].startswith("model,fold,cutoff")
    with pytest.raises(FileExistsError, match="exists"):
        bt.to_csv(path)
    bt.to_csv(path, force=True)


@pytest.mark.parametrize("kwargs,exc,match", [
    ({"lags": 0}, ValueError, "lags must be an integer >= 1"),
    ({"beta": 0.0}, ValueError, "beta must be a positive finite number"),
    ({"loss": "quantile"}, ValueError, "loss must be one of"),
    ({"quantiles": (0.5, 1.5)}, ValueError, "quantiles must be levels strictly between"),
])
def test_forecaster_parameter_errors(kwargs, exc, match, sunspots):
    with pytest.raises(exc, match=match):
        lom.ARForecaster(**kwargs).fit(sunspots)


def test_forecaster_data_errors():
    with pytest.raises(ValueError, match="needs at least 5 points, got 4"):
        lom.ARForecaster(lags=2).fit([1.0, 2.0, 3.0, 4.0])
    with pytest.raises(ValueError, match="1 NaN or infinite value"):
        lom.ARForecaster().fit([1.0, 2.0, np.nan, 4.0, 5.0])
    with pytest.raises(ValueError, match="the series is constant"):
        lom.ARForecaster().fit(np.ones(10))
    with pytest.raises(ValueError, match="not fitted yet"):
        lom.ARForecaster().predict(3)
    fc = lom.ARForecaster(lags=1, beta=1e-2, transform="none", intervals="quantile").fit(
        np.sin(np.arange(12.0)))
    with pytest.raises(ValueError, match="steps must be an integer >= 1"):
        fc.predict(0)
    with pytest.raises(ValueError, match="too far ahead"):
        fc.predict_quantiles(20)
    huber = lom.ARForecaster(lags=1, beta=1e-2, loss="huber", delta=0.5, **PAPER).fit(
        np.sin(np.arange(12.0)))
    # the objective (1.1) under the forecaster's own loss is the certified optimum
    assert huber.objective() == pytest.approx(huber.objective_, rel=1e-9)


def test_backtest_errors(sunspots):
    with pytest.raises(ValueError, match="window must be one of"):
        backtest(sunspots, window="rolling")
    with pytest.raises(ValueError, match="unknown baseline"):
        backtest(sunspots, baselines=("prophet",))
    with pytest.raises(ValueError, match="leaves too few training points"):
        backtest(sunspots, initial=3)
    with pytest.raises(ValueError, match="no fold fits"):
        backtest(sunspots, initial=300, horizon=20)
    with pytest.raises(TypeError, match="forecaster must be an ARForecaster"):
        backtest(sunspots, AR1())


def test_forecaster_is_a_scikit_learn_estimator(sunspots):
    """get_params / set_params / clone by scikit-learn's introspection, and the fit goes
    through the estimators' own pipeline (the same certified result as ConvexNetRegressor on
    the lag pairs)."""
    from sklearn.base import clone

    fc = lom.ARForecaster(lags=1, depth=3, activation="abs", beta=0.05, quantiles=(0.2, 0.8),
                          **PAPER)
    twin = clone(fc)
    assert twin.get_params() == fc.get_params() and twin is not fc
    assert twin.set_params(lags=2).lags == 2 and fc.lags == 1 and twin.transform == "none"
    fc.fit(sunspots)
    assert not hasattr(clone(fc), "result_")
    assert "ARForecaster(" in repr(fc) and "depth=3" in repr(fc)
    X, y = fc.X_, fc.y_
    reg = lom.ConvexNetRegressor("abs", 3, beta=0.05, standardize=False).fit(X[:, 0], y)
    assert fc.result_.objective == pytest.approx(reg.result_.objective, rel=1e-10)
    np.testing.assert_allclose(fc.fitted_, reg.predict(X[:, 0]) * fc.scale_ + fc.center_,
                               rtol=1e-9)
