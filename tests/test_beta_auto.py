"""One beta convention for the estimators: ``standardize=True`` (beta of (1.1) on standardized
x and y) and ``beta="auto"`` (cross-validation of the warm-started Lasso path (1.2), then the
fit on all data).

The standardized fit is checked against the absolute fit of the standardized data and an
independent solver (cvxpy); the cross-validation against scikit-learn's ``GridSearchCV`` over
the same grid, with fixed betas and the same folds (every fold refits from scratch there)."""

import json
import warnings

import numpy as np
import pytest
from convex_reference import cvx_lasso
from sklearn.base import clone
from sklearn.metrics import make_scorer, mean_pinball_loss
from sklearn.model_selection import GridSearchCV, KFold, StratifiedKFold, TimeSeriesSplit
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

import library_of_mirrors as lom
from library_of_mirrors.model_selection import cross_validate_path
from library_of_mirrors.models import (
    CLASSIFIER_EXPECTED_FAILED_CHECKS,
    EXPECTED_FAILED_CHECKS,
    ConvexNetClassifier,
    ConvexNetRegressor,
)
from library_of_mirrors.models.estimators import model_digest

# the short grids of these tests often end above the best beta (test_smallest_beta_..._warns)
pytestmark = pytest.mark.filterwarnings("ignore:beta='auto' chose the smallest beta")


def _data(n=60, seed=0, noise=0.3):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2, 2, n) * 40 + 900  # not standardized: units matter
    y = 5 * np.sin((x - 900) / 20) + noise * 5 * rng.standard_normal(n) + 100
    return x, y


def _std(v):
    return (v - v.mean()) / v.std()


@parametrize_with_checks([ConvexNetRegressor(), ConvexNetClassifier()],
                         expected_failed_checks=lambda est: CLASSIFIER_EXPECTED_FAILED_CHECKS
                         if isinstance(est, ConvexNetClassifier) else EXPECTED_FAILED_CHECKS)
def test_sklearn_checks_with_beta_auto(estimator, check):
    check(estimator)


# ----------------------------------------------------------------------------------------------
# standardize=True


@pytest.mark.parametrize("act,L", [("relu", 2), ("abs", 3)])
def test_standardized_fit_is_the_absolute_fit_of_the_standardized_data(act, L):
    x, y = _data(25, 1)
    beta = 0.3
    m = ConvexNetRegressor(act, L, beta=beta).fit(x, y)
    ref = ConvexNetRegressor(act, L, beta=beta, standardize=False).fit(_std(x), _std(y))
    assert (m.x_center_, m.x_scale_) == pytest.approx((x.mean(), x.std()), rel=1e-12)
    assert (m.y_center_, m.y_scale_) == pytest.approx((y.mean(), y.std()), rel=1e-12)
    assert m.beta_ == beta and m.result_.beta == beta
    # the same convex problem: the optimum (1.2) of the standardized data, also by cvxpy
    d = m.dictionary_
    assert m.result_.objective == pytest.approx(ref.result_.objective, rel=1e-9)
    assert m.result_.objective == pytest.approx(
        cvx_lasso(d.matrix(), _std(y), beta * d.beta_scale), rel=1e-6)
    assert m.objective(x, y) == pytest.approx(m.result_.objective, rel=1e-9)
    # predictions in the data's units: the standardized network mapped back
    t = np.linspace(x.min() - 20, x.max() + 20, 101)
    np.testing.assert_allclose(
        m.predict(t), y.mean() + y.std() * ref.predict((t - x.mean()) / x.std()),
        rtol=1e-9, atol=1e-9 * y.std())
    np.testing.assert_allclose(m.predict(t), y.mean() + y.std() * m.network_(
        (t - x.mean()) / x.std()), rtol=1e-9, atol=1e-9 * y.std())
    # breakpoints (positions and the data points they come from) in the data's units
    assert [b.kind for b in m.breakpoints_] == [b.kind for b in ref.breakpoints_]
    np.testing.assert_allclose([b.position for b in m.breakpoints_],
                               [x.mean() + x.std() * b.position for b in ref.breakpoints_],
                               rtol=1e-12)
    for b in m.breakpoints_:
        assert all(np.any(np.isclose(p, x, rtol=1e-12)) for p in b.points)
        assert b.position == pytest.approx(
            sum(c * p for c, p in zip(b.coefficients, b.points)), rel=1e-9)


def test_standardized_beta_does_not_depend_on_the_units():
    x, y = _data(30, 2)
    m = ConvexNetRegressor("abs", 3, beta=0.2).fit(x, y)
    a, b, c, e = 1e-3, -7.0, 250.0, 3e4  # new units for x and y
    u = ConvexNetRegressor("abs", 3, beta=0.2).fit(a * x + b, c * y + e)
    assert u.result_.objective == pytest.approx(m.result_.objective, rel=1e-9)
    t = np.linspace(x.min(), x.max(), 77)
    np.testing.assert_allclose(u.predict(a * t + b), c * m.predict(t) + e, rtol=1e-9)
    assert u.n_neurons_ == m.n_neurons_


def test_absolute_beta_is_the_raw_problem():
    x, y = _data(20, 3)
    m = ConvexNetRegressor(beta=0.5, standardize=False).fit(x, y)
    d = m.dictionary_
    assert (m.x_center_, m.x_scale_, m.y_center_, m.y_scale_) == (0.0, 1.0, 0.0, 1.0)
    assert m.result_.objective == pytest.approx(cvx_lasso(d.matrix(), y, 0.5), rel=1e-6)
    np.testing.assert_allclose(m.predict(x), m.network_(x), atol=1e-9)


def test_classifier_standardizes_x_only():
    rng = np.random.default_rng(4)
    x = rng.uniform(0, 1000, 40)
    s = np.where(np.sin(x / 150) + 0.4 * rng.standard_normal(40) > 0, 1, -1)
    m = ConvexNetClassifier("relu", 2, beta=0.1).fit(x, s)
    ref = ConvexNetClassifier("relu", 2, beta=0.1, standardize=False).fit(_std(x), s)
    assert (m.y_center_, m.y_scale_) == (0.0, 1.0)
    assert m.result_.objective == pytest.approx(ref.result_.objective, rel=1e-9)
    t = np.linspace(0, 1000, 51)
    np.testing.assert_allclose(m.decision_function(t),
                               ref.decision_function((t - x.mean()) / x.std()), atol=1e-9)
    assert m.objective(x, s) == pytest.approx(m.result_.objective, rel=1e-9)


def test_constant_targets_fit_the_constant():
    x, _ = _data(15, 5)
    y = np.full(15, 42.0)
    for beta in ("auto", 0.1):
        m = ConvexNetRegressor(beta=beta).fit(x, y)
        assert m.y_scale_ == 1.0 and m.y_center_ == 42.0 and m.n_neurons_ == 0
        np.testing.assert_allclose(m.predict(np.linspace(800, 1000, 9)), 42.0)
    assert m.cv_results_ is None and m.beta_ == 0.1
    auto = ConvexNetRegressor().fit(x, y)
    assert auto.beta_ == 1.0 and auto.cv_results_ is None and auto.cv_path_ is None


def test_weighted_standardization():
    x, y = _data(20, 6)
    w = np.arange(1.0, 21.0)
    m = ConvexNetRegressor(beta=0.2).fit(x, y, sample_weight=w)
    mean = np.average(x, weights=w)
    assert m.x_center_ == pytest.approx(mean, rel=1e-12)
    assert m.x_scale_ == pytest.approx(np.sqrt(np.average((x - mean) ** 2, weights=w)))
    d = m.dictionary_
    yt = (y - m.y_center_) / m.y_scale_
    assert m.result_.objective == pytest.approx(
        cvx_lasso(d.matrix(), yt, 0.2 * d.beta_scale, w=w), rel=1e-6)


# ----------------------------------------------------------------------------------------------
# beta="auto"


def test_auto_is_the_grid_search_minimum_over_the_same_grid_and_folds():
    """GridSearchCV refits ConvexNetRegressor(beta=b) (standardize=True: each fold
    standardized by its own training statistics) from scratch per fold and beta; the auto
    model's warm-started path gives the same held-out losses and the same choice."""
    x, y = _data(60, 7)
    X = x.reshape(-1, 1)
    folds = KFold(4, shuffle=True, random_state=3)
    m = ConvexNetRegressor(cv=folds, n_betas=8, eps=1e-3).fit(X, y)
    res = m.cv_results_
    grid = res["beta"]
    assert grid.shape == (8,) and np.all(np.diff(grid) < 0)
    assert grid[-1] == pytest.approx(1e-3 * grid[0], rel=1e-12)
    gs = GridSearchCV(ConvexNetRegressor(), {"beta": list(grid)}, cv=folds,
                      scoring="neg_mean_squared_error").fit(X, y)
    np.testing.assert_allclose(res["mean_test_score"], gs.cv_results_["mean_test_score"],
                               rtol=1e-6)
    for k in range(4):
        np.testing.assert_allclose(res[f"split{k}_test_score"],
                                   gs.cv_results_[f"split{k}_test_score"], rtol=1e-6)
    np.testing.assert_allclose(res["std_test_score"], gs.cv_results_["std_test_score"],
                               rtol=1e-5)
    assert m.beta_ == gs.best_params_["beta"]
    np.testing.assert_array_equal(res["rank_test_score"], gs.cv_results_["rank_test_score"])
    # the refit is the fit at the chosen beta
    ref = ConvexNetRegressor(beta=m.beta_).fit(X, y)
    assert m.result_.objective == pytest.approx(ref.result_.objective, rel=1e-9)
    np.testing.assert_allclose(m.predict(X), gs.predict(X), rtol=1e-7)
    # the first beta is beta_max: the constant fit in every fold
    assert np.all(m.cv_path_.n_active[:, 0] == 0)
    # an int cv is the shuffled K-fold seeded by random_state
    same = ConvexNetRegressor(cv=4, random_state=3, n_betas=8, eps=1e-3).fit(X, y)
    np.testing.assert_array_equal(same.cv_results_["mean_test_loss"], res["mean_test_loss"])


def test_one_standard_error_rule_by_hand():
    x, y = _data(60, 8, noise=0.6)
    folds = KFold(5, shuffle=True, random_state=0)
    best = ConvexNetRegressor("abs", 2, cv=folds, n_betas=12, eps=1e-3).fit(x, y)
    one = ConvexNetRegressor("abs", 2, cv=folds, n_betas=12, eps=1e-3, selection="1se").fit(x, y)
    res = one.cv_results_
    losses = np.array([res[f"split{k}_test_loss"] for k in range(5)])
    mean, se = losses.mean(axis=0), losses.std(axis=0, ddof=1) / np.sqrt(5)
    np.testing.assert_allclose(res["mean_test_loss"], mean, rtol=1e-12)
    np.testing.assert_allclose(res["se_test_loss"], se, rtol=1e-12)
    i = int(np.argmin(mean))
    within = [b for b, mu in zip(res["beta"], mean) if mu <= mean[i] + se[i]]
    assert one.beta_ == max(within) and best.beta_ == res["beta"][i]
    assert one.beta_ >= best.beta_ and one.n_neurons_ <= best.n_neurons_
    assert one.result_.beta == one.beta_


def test_time_series_split_and_explicit_pairs():
    rng = np.random.default_rng(9)
    v = np.cumsum(rng.standard_normal(80)) + 10 * np.sin(np.arange(80) / 6)
    x, y = v[:-1], v[1:]
    m = ConvexNetRegressor(cv=TimeSeriesSplit(3), n_betas=6, eps=1e-3).fit(x, y)
    expected = list(TimeSeriesSplit(3).split(x.reshape(-1, 1)))
    for (train, test), t, tr in zip(expected, m.cv_path_.folds, m.cv_path_.train):
        np.testing.assert_array_equal(t, test)
        np.testing.assert_array_equal(tr, train)
        assert tr.max() < t.min()  # trained on the past only
    # the same path from cross_validate_path with the same splitter and grid
    path = cross_validate_path(x, y, m.cv_results_["beta"], cv=TimeSeriesSplit(3),
                               standardize=True)
    np.testing.assert_allclose(path.errors, m.cv_path_.errors, rtol=1e-12)
    # the folds given as (train, test) pairs
    pairs = ConvexNetRegressor(cv=expected, n_betas=6, eps=1e-3).fit(x, y)
    assert pairs.beta_ == m.beta_


def test_auto_for_the_quantile_loss_and_the_classifier():
    x, y = _data(50, 10)
    tau = 0.8
    folds = KFold(3, shuffle=True, random_state=1)
    q = ConvexNetRegressor(loss="quantile", quantile=tau, cv=folds, n_betas=6,
                           eps=1e-2).fit(x, y)
    res = q.cv_results_
    assert np.all(q.cv_path_.n_active[:, 0] == 0)  # the LP's beta_max bounds the threshold
    pinball = make_scorer(mean_pinball_loss, alpha=tau, greater_is_better=False)
    gs = GridSearchCV(ConvexNetRegressor(loss="quantile", quantile=tau),
                      {"beta": list(res["beta"])}, cv=folds, scoring=pinball).fit(x[:, None], y)
    np.testing.assert_allclose(res["mean_test_score"], gs.cv_results_["mean_test_score"],
                               rtol=1e-6)
    assert q.beta_ == gs.best_params_["beta"]
    f = q.predict(x)  # the refit is the quantile network: KKT of the free bias
    assert np.sum(y < f - 1e-8) <= tau * 50 + 1e-9 and np.sum(y > f + 1e-8) <= (1 - tau) * 50
    rng = np.random.default_rng(11)
    xc = rng.uniform(-2, 2, 60)
    labels = np.where(np.sin(2 * xc) + 0.5 * rng.standard_normal(60) > 0, "a", "b")
    c = ConvexNetClassifier(cv=3, random_state=0, n_betas=6, eps=1e-2).fit(xc, labels)
    gs = GridSearchCV(ConvexNetClassifier(), {"beta": list(c.cv_results_["beta"])},
                      cv=StratifiedKFold(3, shuffle=True, random_state=0),
                      scoring="neg_log_loss").fit(xc[:, None], labels)
    np.testing.assert_allclose(c.cv_results_["mean_test_score"],
                               gs.cv_results_["mean_test_score"], rtol=1e-6)
    assert c.beta_ == gs.best_params_["beta"]


def test_cv_results_follow_scikit_learn():
    x, y = _data(40, 12)
    m = ConvexNetRegressor(cv=3, n_betas=5, eps=1e-2).fit(x, y)
    res = m.cv_results_
    assert [p["beta"] for p in res["params"]] == list(res["beta"])
    splits = np.array([res[f"split{k}_test_loss"] for k in range(3)])
    np.testing.assert_allclose(res["mean_test_loss"], splits.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(res["std_test_loss"], splits.std(axis=0), rtol=1e-12)
    np.testing.assert_array_equal(res["mean_test_score"], -res["mean_test_loss"])
    assert res["rank_test_score"][np.argmin(res["mean_test_loss"])] == 1
    np.testing.assert_allclose(res["n_active"], m.cv_path_.n_active.mean(axis=0))
    assert np.all(res["max_gap"] >= 0) and m.cv_path_.n_splits == 3


def test_smallest_beta_of_the_grid_warns():
    x = np.linspace(-2, 2, 30)
    y = np.abs(x) + 0.5 * x  # noiseless: the least beta fits best
    with pytest.warns(UserWarning, match="smallest beta of the grid"):
        m = ConvexNetRegressor(n_betas=4, eps=0.1).fit(x, y)
    assert m.beta_ == m.cv_results_["beta"][-1]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ConvexNetRegressor(n_betas=4, eps=0.1, selection="1se").fit(x, y)


@pytest.mark.parametrize("params, msg", [
    ({"beta": "0.1"}, "beta must be \"auto\" or a positive number, got '0.1'"),
    ({"beta": -1.0}, 'beta must be "auto" or a positive number, got -1.0'),
    ({"beta": "Auto"}, "beta must be \"auto\" or a positive number, got 'Auto'"),
    ({"cv": 1}, "cv must be an integer >= 2, got 1"),
    ({"cv": "5"}, "cv must be an integer >= 2, a scikit-learn splitter or an iterable of "
                  "(train, test) index pairs, got '5'"),
    ({"cv": 100}, "cv=100 is more than the 20 samples"),
    ({"selection": "max"}, "selection must be one of ('min', '1se'), got 'max'"),
    ({"n_betas": 0}, "n_betas must be a positive integer, got 0"),
    ({"eps": 1.0}, "eps must lie strictly between 0 and 1, got 1.0"),
    ({"standardize": "yes"}, "standardize must be True or False, got 'yes'"),
])
def test_bad_parameters_are_refused_by_name(params, msg):
    x, y = _data(20, 13)
    with pytest.raises((ValueError, TypeError)) as err:
        ConvexNetRegressor(**params).fit(x, y)
    assert str(err.value) == msg


# ----------------------------------------------------------------------------------------------
# scikit-learn composition and persistence


def test_clone_set_params_and_pipeline():
    x, y = _data(50, 14)
    X = x.reshape(-1, 1)
    m = ConvexNetRegressor("abs", 2, cv=TimeSeriesSplit(3), n_betas=6, eps=1e-2)
    c = clone(m)
    assert c.beta == "auto" and c.standardize and isinstance(c.cv, TimeSeriesSplit)
    assert c.get_params()["n_betas"] == 6 and c is not m
    m.fit(X, y)
    assert not hasattr(clone(m), "beta_")
    assert m.set_params(beta=0.5).beta == 0.5 and m.beta_ != 0.5  # fitted state untouched
    m.fit(X, y)
    assert m.beta_ == 0.5 and m.cv_results_ is None and m.cv_path_ is None
    # a scaler in front changes nothing: the model standardizes x again (to rounding)
    auto = ConvexNetRegressor(cv=3, n_betas=6, eps=1e-2)
    pipe = make_pipeline(StandardScaler(), clone(auto)).fit(X, y)
    alone = clone(auto).fit(X, y)
    assert pipe[-1].beta_ == pytest.approx(alone.beta_, rel=1e-12)  # the same grid point
    np.testing.assert_allclose(pipe.predict(X), alone.predict(X), rtol=1e-7)


def test_save_load_round_trip_of_an_auto_model(tmp_path):
    x, y = _data(40, 15)
    for cv in (3, TimeSeriesSplit(3), KFold(3, shuffle=True, random_state=2)):
        m = ConvexNetRegressor("abs", 3, cv=cv, n_betas=6, eps=1e-2,
                               selection="1se").fit(x, y)
        p = m.save(tmp_path / "m.json", force=True)
        back = ConvexNetRegressor.load(p)
        t = np.linspace(x.min() - 10, x.max() + 10, 101)
        np.testing.assert_array_equal(back.predict(t), m.predict(t))
        assert back.beta == "auto" and back.beta_ == m.beta_ and back.result_.beta == m.beta_
        assert (back.x_center_, back.x_scale_, back.y_center_, back.y_scale_) == (
            m.x_center_, m.x_scale_, m.y_center_, m.y_scale_)
        assert repr(back.get_params()) == repr(m.get_params())
        assert type(back.cv) is type(m.cv)
        for k, v in m.cv_results_.items():
            if k != "params":
                np.testing.assert_array_equal(back.cv_results_[k], v)
        assert [b.position for b in back.breakpoints_] == [b.position for b in m.breakpoints_]
        assert back.objective(x, y) == pytest.approx(m.result_.objective, rel=1e-9)
    # folds given as a list cannot be saved; as an int they can
    m = ConvexNetRegressor(cv=list(KFold(3).split(x[:, None])), n_betas=4, eps=1e-2).fit(x, y)
    with pytest.raises(ValueError, match=r"cannot be saved: give cv as an int or a "
                                         r"scikit-learn splitter"):
        m.save(tmp_path / "pairs.json")
    assert not (tmp_path / "pairs.json").exists()
    m.set_params(cv=3).save(tmp_path / "pairs.json")
    assert ConvexNetRegressor.load(tmp_path / "pairs.json").beta_ == m.beta_


def test_files_written_before_standardization_load_as_absolute_beta(tmp_path):
    x, y = _data(20, 16)
    m = ConvexNetRegressor(beta=0.05, standardize=False).fit(x, y)
    body = json.loads(m.save(tmp_path / "m.json").read_text())
    for key in ("scaling", "beta_", "cv_results", "sha256"):
        body.pop(key)
    for key in ("standardize", "cv", "n_betas", "eps", "selection"):
        body["params"].pop(key)
    body["sha256"] = model_digest(body)
    old = tmp_path / "old.json"
    old.write_text(json.dumps(body))
    back = ConvexNetRegressor.load(old)
    assert back.standardize is False and back.beta_ == 0.05
    np.testing.assert_array_equal(back.predict(x), m.predict(x))


def test_public_names():
    assert lom.ConvexNetRegressor().beta == "auto"
    assert lom.ConvexNetClassifier().get_params()["cv"] == 5


def test_grid_continues_while_its_end_is_best():
    """A grid that stops above the best beta goes on with its own step (two betas at a time,
    warm-started) until the least held-out loss is inside it; the continued path equals the
    cold path over the whole grid with the same folds, and beta_ is its argmin."""
    x, y = _data(n=80, noise=0.1)
    folds = list(KFold(4, shuffle=True, random_state=1).split(x[:, None]))
    m = ConvexNetRegressor(cv=folds, n_betas=4, eps=0.1).fit(x, y)
    path = m.cv_path_
    betas = path.betas
    assert betas.shape[0] > 4 and path.best_index < betas.shape[0] - 1
    np.testing.assert_allclose(betas[1:] / betas[:-1], betas[1] / betas[0], rtol=1e-9)
    whole = cross_validate_path(x, y, betas, cv=folds, standardize=True)
    np.testing.assert_allclose(path.errors, whole.errors, rtol=1e-6)
    assert m.beta_ == betas[int(np.argmin(whole.mean))]
    assert list(m.cv_results_["beta"]) == list(betas)
    none = cross_validate_path(x, y, betas[:4], cv=folds, standardize=True)
    assert none.betas.shape[0] == 4 and none.best_index == 3  # extend=0: the grid as given


def test_continued_path_needs_the_same_folds():
    x, y = _data(n=40)
    a = cross_validate_path(x, y, [1.0, 0.5], cv=KFold(3), standardize=True)
    b = cross_validate_path(x, y, [0.2], cv=KFold(3, shuffle=True, random_state=0),
                            standardize=True)
    with pytest.raises(ValueError, match="^the paths to join were cross-validated over "
                                         "different folds$"):
        a.extend(b)
    with pytest.raises(ValueError, match="^extend must be a finite number >= 0 and <= 12, "
                                         "got -1.0$"):
        cross_validate_path(x, y, [1.0], cv=3, extend=-1)
