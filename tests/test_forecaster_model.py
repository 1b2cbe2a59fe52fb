"""The forecaster's model: transforms, the skip connection that nests AR(p), lag sets,
time-ordered selection, the recursion envelope and conformal bands.

Oracles: cvxpy on the explicit additive problem with free skip weights and bias; numpy least
squares for the AR(p) limit; forecasts iterated by hand; errors recomputed at an origin by a
separate fit; pandas' own date arithmetic."""

import cvxpy as cp
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.model_selection import KFold, TimeSeriesSplit

import library_of_mirrors as lom
from library_of_mirrors.timeseries.forecaster import conformal_bounds, lag_rows
from library_of_mirrors.timeseries.transforms import TRANSFORMS, forward, invert, one_step


def _ar_series(n=160, seed=0):
    rng = np.random.default_rng(seed)
    v = np.zeros(n)
    for t in range(2, n):
        v[t] = 0.6 * v[t - 1] + 0.25 * v[t - 2] + np.tanh(2 * v[t - 1]) * 0.3 + rng.normal()
    return v + 50.0


@pytest.mark.parametrize("kind", TRANSFORMS)
def test_transforms_invert_forecasts(kind):
    rng = np.random.default_rng(1)
    v = np.exp(np.cumsum(0.05 * rng.normal(size=40))) * 10
    u = forward(v, kind, 4)
    future = invert(u[-6:], v[:-6], kind, 4)  # the last 6 values from their transforms
    np.testing.assert_allclose(future, v[-6:], rtol=1e-12)
    k = v.shape[0] - u.shape[0]
    times = np.arange(k + 5, v.shape[0])
    np.testing.assert_allclose(one_step(u[times - k], v, times, kind, 4), v[times], rtol=1e-12)


def test_skip_model_is_the_exact_optimum_with_free_linear_terms():
    v = _ar_series(90)
    fc = lom.ARForecaster(lags=2, beta=0.05, transform="none", intervals="none",
                          tol=1e-10).fit(v)
    assert fc.lags_ == (1, 2) and fc.result_.converged
    A = fc.dictionary_.matrix()
    X, y = fc.X_, fc.y_
    z, c, b = cp.Variable(A.shape[1]), cp.Variable(2), cp.Variable()
    prob = cp.Problem(cp.Minimize(0.5 * cp.sum_squares(y - A @ z - X @ c - b)
                                  + 0.05 * cp.norm1(z)))
    prob.solve(solver="CLARABEL")
    assert fc.objective_ == pytest.approx(prob.value, rel=1e-6)
    assert fc.objective_ - fc.result_.gap <= prob.value + 1e-8


def test_large_beta_is_the_least_squares_ar_model():
    """AR(p) is nested: above beta_max the network is the least-squares linear AR(p)."""
    v = _ar_series(120, seed=3)
    fc = lom.ARForecaster(lags=3, beta=1e3, transform="none", intervals="none",
                          envelope=None).fit(v)
    assert fc.result_.active.size == 0
    s = (v - v.mean()) / v.std()
    X, y = lag_rows(s, (1, 2, 3))
    coef, *_ = np.linalg.lstsq(np.column_stack([X, np.ones(len(y))]), y, rcond=None)
    np.testing.assert_allclose(fc.result_.linear, coef[:3], rtol=1e-8)
    path = list(s)
    for _ in range(5):
        path.append(coef[:3] @ [path[-1], path[-2], path[-3]] + coef[3])
    np.testing.assert_allclose(fc.predict(5), np.array(path[-5:]) * v.std() + v.mean(),
                               rtol=1e-9)


def test_lag_sets_and_recursion_by_hand():
    v = _ar_series(150, seed=4) + 3 * np.sin(np.arange(150) * 2 * np.pi / 12)
    fc = lom.ARForecaster(lags=[1, 12], beta=0.1, transform="none", intervals="none").fit(v)
    assert fc.lags_ == (1, 12)
    X, y = lag_rows(np.arange(20.0), (1, 12))
    np.testing.assert_array_equal(X[0], [11, 0])
    np.testing.assert_array_equal(y[:2], [12, 13])
    path = list(v)
    for _ in range(14):
        path.append(fc.predict_function(np.array([[path[-1], path[-12]]]))[0])
    np.testing.assert_allclose(fc.predict(14), path[-14:], rtol=1e-10)


def test_selection_is_time_ordered_and_consistent():
    v = _ar_series(140, seed=5)
    with pytest.raises(ValueError, match="leaks the future"):
        lom.ARForecaster(lags=1, cv=KFold(4, shuffle=True, random_state=0)).fit(v)
    fc = lom.ARForecaster(cv=TimeSeriesSplit(4), intervals="none").fit(v)
    table = pd.DataFrame(fc.cv_results_)
    assert np.isinf(table["beta"]).any()  # the first round: the linear AR models
    table = table[np.isfinite(table["beta"])]
    best = table.loc[table["mean"].idxmin()]
    assert (fc.transform_, fc.lags_, fc.beta_) == (best["transform"], best["lags"],
                                                    best["beta"])
    one_se = lom.ARForecaster(selection="1se", lags=2, transform="none",
                              intervals="none").fit(v)
    t = pd.DataFrame(one_se.cv_results_)
    i = t["mean"].idxmin()
    assert one_se.beta_ == t.loc[t["mean"] <= t.loc[i, "mean"] + t.loc[i, "se"], "beta"].max()


def test_envelope_stops_runaway_recursion():
    rng = np.random.default_rng(6)
    v = np.cumsum(np.cumsum(rng.normal(size=80)))  # an accelerating series
    fc = lom.ARForecaster(lags=2, beta=1e-3, transform="none", intervals="none").fit(v)
    path = fc.predict(200)
    env = fc.envelope_bounds(200)
    assert np.all(path >= env[:, 0] - 1e-9) and np.all(path <= env[:, 1] + 1e-9)
    span = v.max() - v.min()
    assert np.all(env[:, 1] <= v.max() + 0.5 * span + 1e-9)


def test_conformal_bands_contain_the_point_and_use_rolling_origin_errors():
    v = _ar_series(130, seed=7)
    fc = lom.ARForecaster(lags=1, beta=0.05, transform="none", n_calibration=10).fit(v)
    point, band = fc.predict(4), fc.predict_interval(4, coverage=0.8)
    assert np.all(band[:, 0] <= point) and np.all(point <= band[:, 1])
    errors = fc._calibration(4)
    # the errors at one origin are those of a model refitted on the series before it
    origin = v.shape[0] - 3
    twin = lom.ARForecaster(lags=1, beta=0.05, transform="none", intervals="none")
    twin.fit(v[:origin])
    np.testing.assert_allclose(errors[2, :3], v[origin:] - twin.predict(3), rtol=1e-8)
    assert np.isnan(errors[2, 3])
    lo, hi = conformal_bounds(errors[:, 0][~np.isnan(errors[:, 0])], 0.8)
    np.testing.assert_allclose(band[0], [point[0] + min(lo, 0), point[0] + max(hi, 0)])


def test_conformal_bounds_by_hand():
    e = np.arange(1.0, 20.0)  # 19 errors: ranks floor(20 * 0.1) = 2 and ceil(20 * 0.9) = 18
    assert conformal_bounds(e, 0.8) == (2.0, 18.0)
    assert conformal_bounds(np.array([1.0, 2.0]), 0.8) == (1.0, 2.0)


def test_log_transform_keeps_a_positive_series_positive():
    rng = np.random.default_rng(8)
    v = np.exp(np.cumsum(0.1 + 0.3 * rng.normal(size=120)))
    fc = lom.ARForecaster(lags=1, beta=0.1, transform="log-diff").fit(v)
    band = fc.predict_interval(10, coverage=0.9)
    assert np.all(band[:, 0] > 0) and np.all(fc.predict(10) > 0)


def test_pandas_in_pandas_out_with_the_future_dates():
    idx = pd.date_range("2015-01-31", periods=108, freq="ME")
    v = pd.Series(_ar_series(108, seed=9) + 5 * np.sin(np.arange(108) * np.pi / 6), index=idx,
                  name="sales")
    fc = lom.ARForecaster(lags=[1, 12], beta=0.1, transform="none").fit(v)
    assert fc.period_ == 12
    pred = fc.predict(3)
    assert isinstance(pred, pd.Series) and pred.name == "sales"
    assert list(pred.index) == list(pd.to_datetime(["2024-01-31", "2024-02-29", "2024-03-31"]))
    band = fc.predict_interval(3)
    assert list(band.columns) == ["lower", "upper"] and band.index.equals(pred.index)
    np.testing.assert_allclose(pred.to_numpy(), fc._forecast(3))


@pytest.mark.parametrize("kwargs,match", [
    ({"beta": "0.1"}, "beta must be 'auto' or a positive number, got '0.1'"),
    ({"lags": "many"}, "lags must be 'auto', a positive int or a list"),
    ({"transform": "boxcox"}, "transform must be 'auto', None or one of"),
    ({"intervals": "quantile", "transform": "diff"}, "intervals='quantile' models the series"),
    ({"skip": True, "loss": "huber"}, "skip=True .* needs loss='squared'"),
    ({"transform": "log"}, "needs a positive series"),
    ({"transform": "seasonal-diff"}, "needs a period of at least 2"),
])
def test_parameter_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        lom.ARForecaster(**kwargs).fit(_ar_series(60) - 50)


def test_intervals_none_and_clone():
    v = _ar_series(60)
    fc = lom.ARForecaster(lags=1, beta=0.1, transform="none", intervals="none").fit(v)
    with pytest.raises(ValueError, match="intervals='none'"):
        fc.predict_interval(2)
    twin = clone(fc).set_params(lags=[1, 2])
    assert twin.lags == [1, 2] and not hasattr(twin, "result_")


def test_forecast_horizon_lists_and_pipelines():
    from sklearn.pipeline import Pipeline

    idx = pd.period_range("1990Q1", periods=80, freq="Q")
    v = pd.Series(_ar_series(80, seed=10), index=idx)
    pipe = Pipeline([("forecaster", lom.ARForecaster(lags=2, beta=0.1, transform="none"))])
    pipe.fit(v)
    fc = pipe.named_steps["forecaster"]
    full = fc.predict(6)
    some = fc.predict([2, 6])
    assert list(some.index) == [full.index[1], full.index[5]]
    assert str(some.index[1]) == "2011Q2"
    np.testing.assert_allclose(some.to_numpy(), full.to_numpy()[[1, 5]])
    band = fc.predict_interval([1, 6], coverage=0.5)
    assert band.shape == (2, 2)
    with pytest.raises(ValueError, match="forecast horizon must be positive ints"):
        fc.predict([0, 1])
    with pytest.raises(TypeError, match="forecast horizon must be an int or a list"):
        fc.predict(2.5)
    clone(pipe).set_params(forecaster__lags=3)


def test_network_reads_recent_lags_unless_values_repeat():
    v = _ar_series(120, seed=11)
    fc = lom.ARForecaster(lags=6, beta=0.1, transform="none", intervals="none").fit(v)
    assert fc.model_.k == 3 and fc.result_.linear.shape == (6,)
    # rounded values: rows equal on the 3 recent lags but not on all 6; the linear terms must
    # be a function of the units' inputs, so the units read all 6 lags
    r = np.round(v / 2) * 2
    X, _ = lag_rows(r, tuple(range(1, 7)))
    assert np.unique(X[:, :3], axis=0).shape[0] < np.unique(X, axis=0).shape[0]
    fc = lom.ARForecaster(lags=6, beta=0.1, transform="none", intervals="none").fit(r)
    assert fc.model_.k == 6 and fc.result_.converged


def test_kpss_statistic_is_statsmodels_and_gates_differencing():
    """kpss_level is the KPSS statistic with the automatic bandwidth (statsmodels' kpss with
    nlags="auto" is the oracle); transform="auto" keeps the differencing candidates only for a
    series whose stationary level it rejects at 5%."""
    import warnings

    from statsmodels.tsa.stattools import kpss

    from library_of_mirrors.timeseries.transforms import KPSS_5PCT, kpss_level

    rng = np.random.default_rng(3)
    walk = np.cumsum(rng.normal(0.3, 1.0, size=200)) + 20  # a walk with drift
    for x in (rng.normal(size=40), walk, _ar_series(300, seed=2),
              np.sin(np.arange(500) / 7) + rng.normal(size=500)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # statsmodels' p-value table warnings
            expected = kpss(x, regression="c", nlags="auto")[0]
        assert kpss_level(x) == pytest.approx(expected, rel=1e-10)
    e = rng.normal(size=150)
    stationary = np.array([0.5 ** np.arange(t + 1)[::-1] @ e[:t + 1] for t in range(150)]) + 30
    assert kpss_level(stationary) <= KPSS_5PCT < kpss_level(walk)
    kinds = {r["transform"] for r in lom.ARForecaster(max_lags=2, intervals="none")
             .fit(stationary).cv_results_}
    assert kinds == {"none"}
    kinds = {r["transform"] for r in lom.ARForecaster(max_lags=2, intervals="none")
             .fit(walk).cv_results_}
    assert kinds == {"none", "diff"}


def _best(rows: pd.DataFrame, k: int, step: int) -> list[tuple]:
    """The k (transform, lags, beta) of lowest CV error over steps 1..step, each
    configuration at its own best beta, best first, among the 3 configurations whose linear
    AR models (beta = inf) score best over those steps."""
    rows = rows.copy()
    rows["score"] = [m[step - 1] for m in rows["mean_by_step"]]
    linear = rows[~np.isfinite(rows["beta"])].nsmallest(3, "score")
    rows = rows[np.isfinite(rows["beta"])]
    if len(linear):
        rows = rows[[(t, g) in set(zip(linear["transform"], linear["lags"]))
                     for t, g in zip(rows["transform"], rows["lags"])]]
    best = rows.loc[rows.groupby(["transform", "lags"])["score"].idxmin()].nsmallest(k, "score")
    return list(zip(best["transform"], best["lags"], best["beta"]))


def _alone(c, values):
    """An independent forecaster with the configuration c fixed."""
    return lom.ARForecaster(lags=list(c[1]), transform=c[0], beta=c[2],
                            intervals="none").fit(values)


def test_point_forecast_combines_the_best_configurations():
    """combine=k, stepwise=False: the k configurations of lowest CV error over the whole
    horizon, each refitted alone at its beta, averaged at every step; the conformal errors are
    those of the same mean refitted before an origin."""
    v = _ar_series(120, seed=8)
    fc = lom.ARForecaster(max_lags=3, combine=2, stepwise=False, n_calibration=6).fit(v)
    rows = pd.DataFrame(fc.cv_results_)
    assert all(m[-1] == r for m, r in zip(rows["mean_by_step"], rows["mean"]))
    chosen = _best(rows, 2, fc.horizon)
    assert [(c["transform"], c["lags"], c["beta"]) for c in fc.combination_] == chosen
    assert fc.step_combinations_ == [[0, 1]] * fc.horizon
    twins = [_alone(c, v) for c in chosen]
    np.testing.assert_allclose(fc.predict(7), np.mean([t.predict(7) for t in twins], axis=0),
                               rtol=1e-9)
    assert fc.objective_ == twins[0].objective_  # the attributes are the lead member's
    errors = fc._calibration(3)
    origin = v.shape[0] - 2
    paths = [_alone(c, v[:origin]).predict(2) for c in chosen]
    np.testing.assert_allclose(errors[1, :2], v[origin:] - np.mean(paths, axis=0), rtol=1e-8)
    point, band = fc.predict(3), fc.predict_interval(3)
    env = fc.envelope_bounds(3)
    assert np.all(band[:, 0] <= point) and np.all(point <= band[:, 1])
    assert np.all(env[:, 0] <= band[:, 0]) and np.all(band[:, 1] <= env[:, 1])
    one = lom.ARForecaster(max_lags=3, combine=1, stepwise=False, intervals="none").fit(v)
    np.testing.assert_allclose(one.predict(5), twins[0].predict(5), rtol=1e-9)


def test_stepwise_combination_forecasts_each_step_with_its_best_configurations():
    """stepwise=True (the default): the forecast h steps ahead is the mean of the independent
    forecasts of the configurations of lowest CV error over steps 1..h (steps beyond the
    horizon: the whole horizon's), and its conformal errors are those of that mean, refitted
    at every second origin and forecast by the latest refit in between."""
    v = _ar_series(150, seed=4)
    fc = lom.ARForecaster(max_lags=4, combine=2, horizon=3, n_calibration=6).fit(v)
    rows = pd.DataFrame(fc.cv_results_)
    per_step = [_best(rows, 2, h) for h in (1, 2, 3)]
    assert len(set(map(tuple, per_step))) > 1  # the data make the steps' choices differ
    members = [(c["transform"], c["lags"], c["beta"]) for c in fc.combination_]
    assert members[:2] == per_step[-1]  # the whole horizon's combination leads
    assert [[members[j] for j in use] for use in fc.step_combinations_] == per_step
    assert all(c["steps"] == [h + 1 for h in range(3) if j in fc.step_combinations_[h]]
               for j, c in enumerate(fc.combination_))
    twins = {c: _alone(c, v).predict(5) for c in members}
    expected = [np.mean([twins[c][s] for c in per_step[min(s, 2)]]) for s in range(5)]
    np.testing.assert_allclose(fc.predict(5), expected, rtol=1e-9)
    # 7 origins n-1 .. n-7 (n_calibration + 2 - 1); refits at the oldest and every second
    # after it (refit_every=2): at n-3, whose models also forecast from origin n-2
    errors = fc._calibration(2)
    n = v.shape[0]
    refit = {c: _alone(c, v[:n - 3]).members_[0] for c in members}
    for i, origin in ((2, n - 3), (1, n - 2)):
        alone = {c: m.forecast(v[:origin], 2) for c, m in refit.items()}
        path = [np.mean([alone[c][s] for c in per_step[s]]) for s in range(2)]
        np.testing.assert_allclose(errors[i], v[origin:origin + 2] - path, rtol=1e-8)


def test_a_series_never_negative_is_not_forecast_below_zero():
    """The sunspots (counts, minimum 0): without the floor the 80% band of this model reaches
    about -44; with it every band, quantile, point and envelope bound is >= 0.  The same
    series lowered by 1 (one negative value) or with envelope=None has no floor."""
    from library_of_mirrors.timeseries import load_sunspots

    v = load_sunspots().to_numpy()
    kw = {"lags": 9, "transform": "none", "beta": 3.5, "n_calibration": 10}
    fc = lom.ARForecaster(**kw).fit(v)
    band, env = fc.predict_interval(12), fc.envelope_bounds(12)
    assert band.min() == 0.0 and np.all(env[:, 0] == 0.0)
    assert np.all(fc.predict(12) >= 0) and fc.predict_quantiles(12, [0.05]).min() >= 0
    lowered = lom.ARForecaster(**kw).fit(v - 1.0)
    off = lom.ARForecaster(**kw, envelope=None).fit(v)
    assert lowered.predict_interval(12).min() < -10 and off.predict_interval(12).min() < -10
    # the floor moves the band only where it binds: above it the two fits agree
    np.testing.assert_allclose(band[:, 1], off.predict_interval(12)[:, 1], rtol=1e-12)
