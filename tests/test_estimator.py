"""ConvexNetRegressor: scikit-learn conventions, the certified optimum, JSON persistence.

scikit-learn's generic checks run with the exemptions declared in
``estimator.EXPECTED_FAILED_CHECKS`` (their data have several columns; the model is 1-D); the
properties those checks would test are asserted here on one-column data."""

import json

import numpy as np
import pytest
from convex_reference import cvx_lasso
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

import library_of_mirrors as lom
from library_of_mirrors.models import EXPECTED_FAILED_CHECKS, ConvexNetRegressor


def _data(n=40, seed=0):
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(-2, 2, n))
    return x, np.sin(2 * x) + 0.1 * rng.standard_normal(n)


@parametrize_with_checks([ConvexNetRegressor(beta=1.0)],
                         expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS)
def test_sklearn_checks(estimator, check):
    check(estimator)


@pytest.mark.parametrize("act,L,arch", [("relu", 2, "deep_narrow"), ("abs", 3, "deep_narrow"),
                                        ("relu", 3, "symmetrized")])
def test_fit_is_the_lasso_optimum_and_the_network(act, L, arch):
    x, y = _data(15, 1)
    m = ConvexNetRegressor(act, L, arch, beta=0.05, standardize=False).fit(
        x.reshape(-1, 1), y)
    d = m.dictionary_
    assert m.result_.objective == pytest.approx(
        cvx_lasso(d.matrix(), y, 0.05 * d.beta_scale), rel=1e-6)
    assert m.objective(x, y) == pytest.approx(m.result_.objective, rel=1e-9)
    t = np.linspace(-3, 3, 17)
    np.testing.assert_allclose(m.predict(t), m.network_(t), atol=1e-10)
    np.testing.assert_allclose(m.predict(t.reshape(-1, 1)), m.predict(t), atol=0)
    assert m.n_neurons_ == m.network_.width == m.result_.active.shape[0]
    assert m.n_features_in_ == 1
    pos = [b.position for b in m.breakpoints_]
    assert pos == sorted(pos) and all(b.kind for b in m.breakpoints_)
    kinks = np.unique(np.concatenate([d.features[int(j)].breakpoints for j in m.result_.active]))
    np.testing.assert_allclose(np.unique(np.round(pos, 12)), kinks, atol=1e-12)


def test_clone_pipeline_cross_validation_and_grid_search():
    x, y = _data(60, 2)
    X = x.reshape(-1, 1)
    m = ConvexNetRegressor(beta=0.1)
    c = clone(m).set_params(beta=0.2)
    assert c.get_params()["beta"] == 0.2 and m.beta == 0.1
    pipe = make_pipeline(StandardScaler(), ConvexNetRegressor("abs", 3, beta=0.05)).fit(X, y)
    assert pipe.score(X, y) > 0.9
    scores = cross_val_score(ConvexNetRegressor(beta=0.05), X, y, cv=3)
    assert scores.shape == (3,) and np.all(np.isfinite(scores))
    cv = KFold(3, shuffle=True, random_state=0)  # x is sorted: interpolation folds
    gs = GridSearchCV(ConvexNetRegressor(), {"beta": [1e-3, 0.1, 10.0]}, cv=cv).fit(X, y)
    assert gs.best_params_["beta"] in (1e-3, 0.1)  # beta = 10 kills the fit
    assert gs.cv_results_["mean_test_score"][2] < gs.best_score_


def test_quantile_fit_obeys_the_intercept_kkt_condition():
    """With a free xi, optimality in xi gives #{y < f} <= tau n and #{y > f} <= (1 - tau) n
    for the pinball loss, whatever beta (residuals within 1e-8 count as zero)."""
    x, y = _data(50, 3)
    for tau in (0.1, 0.5, 0.9):
        for beta in (0.01, 0.3):
            f = ConvexNetRegressor(beta=beta, loss="quantile", quantile=tau).fit(x, y).predict(x)
            assert np.sum(y < f - 1e-8) <= tau * 50 + 1e-9
            assert np.sum(y > f + 1e-8) <= (1 - tau) * 50 + 1e-9


def test_bad_inputs_are_clear_errors():
    x, y = _data(10, 4)
    m = ConvexNetRegressor()
    with pytest.raises(ValueError, match="one input feature.*got 2 columns"):
        m.fit(np.column_stack([x, x]), y)
    with pytest.raises(ValueError, match="NaN"):
        m.fit(np.where(x > 0, np.nan, x), y)
    with pytest.raises(ValueError, match="unsupported combination"):
        ConvexNetRegressor("sign", 3).fit(x, y)
    m.set_params(beta=0.1).fit(x, y)
    with pytest.raises(ValueError, match="X has 2 features, but ConvexNetRegressor is "
                                         "expecting 1 features"):
        m.predict(np.column_stack([x, x]))
    with pytest.raises(Exception, match="not fitted"):
        ConvexNetRegressor().predict(x)


def test_save_load_round_trips_predictions_exactly(tmp_path):
    x, y = _data(30, 5)
    for params in [dict(activation="abs", depth=3), dict(activation="relu", depth=3,
                                                          architecture="symmetrized"),
                   dict(activation="sign", depth=2, loss="huber", delta=0.3),
                   dict(activation="relu", depth=3, n_features=200, random_state=7)]:
        m = ConvexNetRegressor(beta=0.02, **params).fit(x, y)
        p = m.save(tmp_path / "m.json", force=True)
        back = ConvexNetRegressor.load(p)
        t = np.linspace(-3, 3, 101)
        np.testing.assert_array_equal(back.predict(t), m.predict(t))
        assert back.get_params() == m.get_params()
        assert back.n_neurons_ == m.n_neurons_
        np.testing.assert_allclose(back.network_(t), m.network_(t), atol=1e-12)
    with pytest.raises(FileExistsError, match="exists"):
        m.save(p)


def test_load_rejects_foreign_malformed_and_tampered_files(tmp_path):
    x, y = _data(20, 6)
    p = ConvexNetRegressor(beta=0.05).fit(x, y).save(tmp_path / "m.json")
    body = json.loads(p.read_text())
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ValueError, match="bad.json is not a JSON model file"):
        ConvexNetRegressor.load(bad)
    bad.write_text(json.dumps({"format": "sklearn", "coef": [1]}))
    with pytest.raises(ValueError, match="is not a library_of_mirrors.ConvexNetRegressor file"):
        ConvexNetRegressor.load(bad)
    tampered = dict(body, coef=[c * 1.001 for c in body["coef"]])
    bad.write_text(json.dumps(tampered))
    with pytest.raises(ValueError, match="failed its checksum"):
        ConvexNetRegressor.load(bad)
    with pytest.raises(FileNotFoundError, match="no such file"):
        ConvexNetRegressor.load(tmp_path / "missing.json")


def test_public_name():
    assert lom.ConvexNetRegressor is ConvexNetRegressor
