"""Implicit libraries (priced by structure, never listed) against the explicit library, cvxpy on
the explicit matrix and the reconstructed network's objective (1.1)."""

import numpy as np
import pytest
from convex_reference import cvx_lasso

import library_of_mirrors as lom
from library_of_mirrors.dictionary import ImplicitDictionary
from library_of_mirrors.dictionary import build as dbuild

IMPLICIT = [("relu", 2, "deep_narrow", None), ("relu", 3, "deep_narrow", None),
            ("relu", 4, "deep_narrow", None),
            ("relu", 3, "symmetrized", None), ("leaky_relu", 3, "symmetrized", 0.25)]
IDS = [f"{a}{'' if s is None else s}-L{L}-{arch}" for a, L, arch, s in IMPLICIT]


def _data(n, seed):
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(-2, 2, n))
    return x, np.sin(2 * x) + 0.3 * rng.standard_normal(n)


def _pair(combo, x):
    a, L, arch, s = combo
    return (lom.build_dictionary(x, a, L, arch, leaky_slope=s),
            lom.build_dictionary(x, a, L, arch, leaky_slope=s, implicit=True))


@pytest.mark.parametrize("combo", IMPLICIT, ids=IDS)
@pytest.mark.parametrize("centered", [True, False])
def test_pricing_is_exact_and_finds_the_most_correlated_units(combo, centered):
    x, _ = _data(23, 1)
    d, imp = _pair(combo, x)
    rng = np.random.default_rng(2)
    theta = rng.standard_normal(x.shape[0])
    if centered:
        theta -= theta.mean()
    corr = np.abs(d.batch.grid_rmatvec(theta))
    price = imp.price(theta, 40, centered=centered)
    # the exact maximum over the whole library (it scales the dual point: the certificate)
    assert price.corr_max == pytest.approx(corr.max(), rel=1e-12)
    # the priced units are library units whose correlations are the reported scores
    cols = imp.materialize(price.codes)
    assert np.allclose(np.abs(cols.batch.grid_rmatvec(theta)), price.scores, rtol=1e-11,
                       atol=1e-12 * corr.max())
    assert price.scores.max() == pytest.approx(corr.max(), rel=1e-12)
    # every priced unit's column is a column of the explicit library (up to sign)
    A = d.batch.evaluate(d.x_unique)
    B = cols.batch.evaluate(d.x_unique)
    for j in range(B.shape[1]):
        if np.abs(B[:, j]).max() == 0:
            continue
        err = np.minimum(np.abs(A - B[:, [j]]).max(axis=0), np.abs(A + B[:, [j]]).max(axis=0))
        assert err.min() <= 1e-12 * max(1.0, np.abs(B[:, j]).max())


@pytest.mark.parametrize("combo", IMPLICIT, ids=IDS)
@pytest.mark.parametrize("frac", [0.1, 0.003])
def test_implicit_solve_equals_explicit_solve_cvxpy_and_the_network(combo, frac):
    x, y = _data(20 if combo[2] == "symmetrized" else 30, 3)  # cvxpy on ~10^4 columns
    d, imp = _pair(combo, x)
    beta = frac * lom.beta_max(d, y)
    assert lom.beta_max(imp, y) == pytest.approx(beta / frac, rel=1e-12)
    ref = lom.solve_lasso(d, y, beta, tol=1e-10)
    res = lom.solve_lasso(imp, y, beta, tol=1e-10)
    assert res.converged and res.dictionary is not None
    assert res.z.shape == (res.dictionary.n_features,) == res.codes.shape
    lam = beta * d.beta_scale
    cvx = cvx_lasso(d.matrix(), y, lam)
    assert res.objective == pytest.approx(ref.objective, rel=1e-9, abs=1e-12)
    assert abs(res.objective - cvx) <= 1e-7 * max(1.0, abs(cvx))
    # the certificate bounds the optimum of the full library from below
    assert res.objective - res.gap <= min(ref.objective, cvx) + 1e-9
    # second oracle: the reconstructed network's objective (1.1)
    net = lom.reconstruct(imp, res, beta)
    assert net.objective(x, y, beta) == pytest.approx(res.objective, rel=1e-9)
    assert np.allclose(net(x), res.predict(imp, x), atol=1e-10)


@pytest.mark.parametrize("bias", [True, False])
def test_implicit_with_duplicates_weights_and_bias_choice(bias):
    rng = np.random.default_rng(5)
    x = np.round(rng.uniform(-2, 2, 40), 1)  # duplicates
    y = np.cos(2 * x) + 0.2 * rng.standard_normal(40)
    w = rng.uniform(0.2, 2.0, 40)
    for arch in ("deep_narrow", "symmetrized"):
        d = lom.build_dictionary(x, "relu", 3, arch)
        imp = lom.build_dictionary(x, "relu", 3, arch, implicit=True)
        res = lom.solve_lasso(imp, y, 0.05, sample_weight=w, bias=bias, tol=1e-10)
        ref = cvx_lasso(d.matrix(), y, 0.05 * d.beta_scale, w=w, bias=bias)
        assert res.converged
        assert abs(res.objective - ref) <= 1e-7 * max(1.0, abs(ref))


@pytest.mark.parametrize("combo", [IMPLICIT[0], IMPLICIT[2]], ids=[IDS[0], IDS[2]])
@pytest.mark.parametrize("loss,tau", [("quantile", 0.2), ("absolute", None)])
def test_implicit_linear_programs_reach_the_cvxpy_optimum(combo, loss, tau):
    """Quantile / absolute loss: column generation on the LP over the whole library."""
    x, y = _data(20 if combo[2] == "symmetrized" else 30, 11)
    d, imp = _pair(combo, x)
    res = lom.solve_lasso(imp, y, 0.05, loss, tau)
    ref = cvx_lasso(d.matrix(), y, 0.05 * d.beta_scale, loss, tau)
    assert res.converged
    assert abs(res.objective - ref) <= 1e-7 * max(1.0, abs(ref))
    assert res.objective - res.gap <= ref + 1e-9
    assert res.gap <= 1e-8 * max(1.0, abs(ref))


def test_flow_decomposition_is_the_cheapest_representation():
    """Deep narrow relu units in slope-change coordinates: a ramp is e_t, a capped ramp
    e_b - e_a; the decomposition reaches the lower bound max(sum v+, sum v-) of any
    representation, with the same fit up to a constant."""
    x, _ = _data(25, 7)
    imp = lom.build_dictionary(x, "relu", 3, implicit=True)
    rng = np.random.default_rng(8)
    v = np.zeros(25)
    v[rng.choice(24, 9, replace=False)] = rng.standard_normal(9)
    codes, coef = imp.flow_decomposition(v)
    cols = imp.materialize(codes)
    assert np.abs(coef).sum() == pytest.approx(max(v[v > 0].sum(), -v[v < 0].sum()), rel=1e-12)
    assert codes.shape[0] <= np.count_nonzero(v)
    fit = cols.batch.evaluate(x) @ coef
    target = np.maximum(x[:, None] - np.sort(x)[None, :], 0) @ v
    diff = fit - target
    assert np.ptp(diff) <= 1e-12 * np.abs(target).max()


def test_warm_start_over_an_implicit_library():
    x, y = _data(40, 9)
    imp = lom.build_dictionary(x, "relu", 3, implicit=True)
    bmax = lom.beta_max(imp, y)
    first = lom.solve_lasso(imp, y, 0.05 * bmax, tol=1e-10)
    warm = lom.solve_lasso(imp, y, 0.01 * bmax, tol=1e-10, warm_start=first)
    cold = lom.solve_lasso(imp, y, 0.01 * bmax, tol=1e-10)
    assert warm.converged
    assert warm.objective == pytest.approx(cold.objective, rel=1e-9)
    other = lom.build_dictionary(x + 1.0, "relu", 3, implicit=True)
    with pytest.raises(ValueError, match="different library"):
        lom.solve_lasso(other, y, 0.01 * bmax, warm_start=first)
    with pytest.raises(ValueError, match="LassoResult of an implicit solve"):
        lom.solve_lasso(imp, y, 0.01 * bmax, warm_start=np.zeros(3))


def test_implicit_errors():
    x, y = _data(20, 4)
    with pytest.raises(ValueError, match="no implicit .structured. pricing for "
                                         "activation='leaky_relu', depth=3"):
        lom.build_dictionary(x, "leaky_relu", 3, leaky_slope=0.2, implicit=True)
    with pytest.raises(ValueError, match="cannot be combined with n_features"):
        lom.build_dictionary(x, "relu", 3, implicit=True, n_features=10)
    with pytest.raises(ValueError, match="implicit must be True, False or 'auto'"):
        lom.build_dictionary(x, "relu", 3, implicit="yes")
    imp = lom.build_dictionary(x, "relu", 3, implicit=True)
    with pytest.raises(MemoryError, match="never stored"):
        imp.matrix()
    with pytest.raises(ValueError, match="lasso_path needs an explicit dictionary"):
        lom.lasso_path(imp, y)
    with pytest.raises(ValueError, match="pass the LassoResult"):
        lom.reconstruct(imp, np.zeros(3))
    with pytest.raises(ValueError, match="one value per distinct point"):
        imp.price(np.zeros(3), 5)


@pytest.mark.parametrize("combo", [IMPLICIT[0], IMPLICIT[2]], ids=[IDS[0], IDS[2]])
def test_every_loss_runs_over_an_implicit_library(combo):
    """The engine is one loop for every loss and library kind: Huber and logistic over an
    implicit library reach the explicit library's optimum (checked by cvxpy), and a warm start
    from another loss's result over the same library is accepted."""
    x, y = _data(16 if combo[2] == "symmetrized" else 24, 9)
    d, imp = _pair(combo, x)
    lam = 0.02 * d.beta_scale
    A = d.matrix()
    res = lom.solve_lasso(imp, y, 0.02, loss="huber", delta=0.3)
    assert res.converged
    assert res.objective == pytest.approx(cvx_lasso(A, y, lam, "huber", delta=0.3), rel=1e-7)
    assert res.objective == pytest.approx(
        lom.solve_lasso(d, y, 0.02, loss="huber", delta=0.3).objective, rel=1e-9)
    labels = (y > np.median(y)).astype(float)
    lg = lom.solve_lasso(imp, labels, 0.02, loss="logistic")
    assert lg.objective == pytest.approx(
        lom.solve_lasso(d, labels, 0.02, loss="logistic").objective, rel=1e-8)
    warm = lom.solve_lasso(imp, y, 0.02, loss="absolute", warm_start=res)
    assert warm.objective == pytest.approx(cvx_lasso(A, y, lam, "absolute"), rel=1e-7)


def test_auto_goes_implicit_above_the_candidate_limit():
    x, _ = _data(30, 6)
    assert isinstance(lom.build_dictionary(x, "relu", 3, implicit="auto", max_candidates=100),
                      ImplicitDictionary)
    assert not isinstance(lom.build_dictionary(x, "relu", 3, implicit="auto"),
                          ImplicitDictionary)
    # no structured pricer: the limit still applies, and the message says what to do
    with pytest.raises(ValueError, match="pass n_features=... to sample"):
        lom.build_dictionary(x, "leaky_relu", 3, leaky_slope=0.2, implicit="auto",
                             max_candidates=100)
    with pytest.raises(ValueError, match="pass implicit=True to solve over the full library"):
        lom.build_dictionary(x, "relu", 3, max_candidates=100)


def test_estimator_and_forecaster_go_implicit_when_the_library_is_too_large(monkeypatch,
                                                                           tmp_path):
    x, y = _data(60, 10)
    ref = lom.ConvexNetRegressor(activation="relu", depth=3, beta=0.05, tol=1e-10).fit(
        x[:, None], y)
    monkeypatch.setattr(dbuild, "MAX_CANDIDATES", 1000)
    est = lom.ConvexNetRegressor(activation="relu", depth=3, beta=0.05, tol=1e-10).fit(
        x[:, None], y)
    assert est.implicit_
    assert est.result_.objective == pytest.approx(ref.result_.objective, rel=1e-9)
    assert np.allclose(est.predict(x[:, None]), ref.predict(x[:, None]), atol=1e-6)
    # candidate units (j1, j2, w1, w2) of the implicit library vs merged distinct columns
    assert est.n_library_features_ == 4 * 60**2 > ref.n_library_features_
    # saved by unit codes, rebuilt without listing the library
    est.save(tmp_path / "m.json")
    back = lom.ConvexNetRegressor.load(tmp_path / "m.json")
    assert back.implicit_ and np.array_equal(back.predict(x[:, None]), est.predict(x[:, None]))
    series = np.sin(np.arange(80) / 5.0) + 0.1 * np.random.default_rng(0).standard_normal(80)
    monkeypatch.setattr(dbuild, "MAX_CANDIDATES", 10**9)
    paper = {"lags": 1, "depth": 3, "activation": "relu", "beta": 0.05, "tol": 1e-10,
             "transform": "none", "skip": False, "intervals": "quantile"}
    fc_ref = lom.ARForecaster(**paper).fit(series)
    monkeypatch.setattr(dbuild, "MAX_CANDIDATES", 1000)
    fc = lom.ARForecaster(**paper).fit(series)
    assert isinstance(fc.library_, ImplicitDictionary)
    assert fc.result_.objective == pytest.approx(fc_ref.result_.objective, rel=1e-9)
    assert np.allclose(fc.predict(5), fc_ref.predict(5), atol=1e-6)
    # quantile forecasts over the implicit library: the same optima as over the explicit one
    assert np.allclose(fc.predict_quantiles(2, [0.2, 0.8]),
                       fc_ref.predict_quantiles(2, [0.2, 0.8]), atol=1e-6)


def test_two_layer_solutions_are_canonical_one_unit_per_kink():
    """The 2-layer relu library's optimal face is large (R_a + L_b fits like R_b + L_a); the
    solver re-expresses its iterates by the flow decomposition: at most one unit per kink plus
    the linear unit, at the cvxpy optimum (a noisy case that stalled for 500 iterations
    without it)."""
    rng = np.random.default_rng(0)
    x = np.sort(rng.uniform(-2, 2, 200))
    y = np.sin(3 * x) + 0.3 * rng.standard_normal(200)
    d = lom.build_dictionary(x, "relu", 2)
    res = lom.solve_lasso(d, y, 1e-3, tol=1e-10)
    assert res.converged
    v = d.batch.slope_changes(res.z)
    kinks = np.count_nonzero(np.abs(v[1:]) > 1e-13 * np.abs(v).max())
    assert res.active.shape[0] <= kinks + 1
    ref = cvx_lasso(d.matrix(), y, 1e-3)
    assert abs(res.objective - ref) <= 1e-7 * max(1.0, abs(ref))


@pytest.mark.parametrize("loss,tau", [("squared", None), ("quantile", 0.3), ("absolute", None)])
def test_implicit_zero_solutions(loss, tau):
    """z = 0 optimal (constant targets, beta above beta_max): certified with zero gap, and the
    network is the constant xi."""
    x = np.linspace(-1, 1, 20)
    imp = lom.build_dictionary(x, "relu", 3, implicit=True)
    y = np.sin(3 * x)
    big = 2 * lom.beta_max(imp, y) if loss == "squared" else 100.0
    for target, beta in ((np.full(20, 1.5), 0.1), (y, big)):
        res = lom.solve_lasso(imp, target, beta, loss, tau)
        assert res.converged and res.active.shape[0] == 0
        assert res.gap <= 1e-12 * max(1.0, res.objective)
        net = lom.reconstruct(imp, res)
        assert np.allclose(net(x), res.xi)


def test_screened_pricing_reprices_its_first_layers_exactly(monkeypatch):
    """The symmetrized library's screen: the first layers (anchor pairs) of largest correlation
    in an exact round; a screened round re-prices exactly those, every sign pattern, for a new
    dual vector (what the full kernel gives on those rows), and bounds nothing."""
    from library_of_mirrors.dictionary import implicit as im
    from library_of_mirrors.dictionary.symmetrized import price_symmetrized_pairs

    monkeypatch.setattr(im, "SCREEN_PAIRS", 25)
    x, _ = _data(30, 4)
    imp = lom.build_dictionary(x, "relu", 3, "symmetrized", implicit=True)
    rng = np.random.default_rng(6)
    t1, t2 = rng.standard_normal(30), rng.standard_normal(30)
    t1, t2 = t1 - t1.mean(), t2 - t2.mean()
    j1, j2 = np.triu_indices(30)

    def table(theta):
        """every first layer priced exactly (the screened rounds' kernel on all pairs)"""
        full = np.full((30, 30, 16), -1.0)
        arg = np.zeros((j1.shape[0], 16), dtype=np.int64)
        rows = np.empty((j1.shape[0], 16))
        price_symmetrized_pairs(imp.x_unique, theta, 0.0, 1.0, j1, j2, rows, arg)
        full[j1, j2] = rows
        return full

    full = table(t1)
    p1 = imp.price(t1, 10)
    pair_best = full.max(axis=2)
    assert p1.screen.shape == (25, 2)
    assert np.all(p1.screen[:, 0] <= p1.screen[:, 1])
    # the screen holds first layers of the largest correlations, the maximum's among them
    assert pair_best[p1.screen[:, 0], p1.screen[:, 1]].max() == full.max() == p1.corr_max
    full = table(t2)
    p2 = imp.price_screened(t2, 10, p1.screen)
    rows = full[p1.screen[:, 0], p1.screen[:, 1]]
    assert p2.corr_max == rows.max() <= full.max()
    assert np.allclose(np.sort(p2.scores)[::-1], np.sort(rows.ravel())[::-1][:p2.scores.shape[0]],
                       rtol=0, atol=0)
    # the units it names are library units with those correlations
    cols = imp.materialize(p2.codes)
    assert np.allclose(np.abs(cols.batch.grid_rmatvec(t2)), p2.scores, rtol=1e-12)
    with pytest.raises(ValueError, match="no screened pricing for the 'ramps' pricer"):
        lom.build_dictionary(x, "relu", 3, implicit=True).price_screened(t2, 3, p1.screen)


@pytest.mark.parametrize("act,slope", [("relu", None), ("leaky_relu", 0.25)])
def test_screened_rounds_reach_the_exact_rounds_optimum(monkeypatch, act, slope):
    """Screened rounds between exact ones change the path, not the optimum, and never the
    certificate (only an exact round certifies): the same objective as exact rounds alone,
    with no more exact rounds."""
    from library_of_mirrors.dictionary import implicit as im
    from library_of_mirrors.solvers import engine

    monkeypatch.setattr(im, "SCREEN_PAIRS", 60)
    x, y = _data(50, 12)
    imp = lom.build_dictionary(x, act, 3, "symmetrized", leaky_slope=slope, implicit=True)
    beta = 3e-3 * lom.beta_max(imp, y)
    screened = lom.solve_lasso(imp, y, beta, tol=1e-10)
    monkeypatch.setattr(engine, "SCREENED_ROUNDS", 0)
    exact = lom.solve_lasso(imp, y, beta, tol=1e-10)
    assert screened.converged and exact.converged
    assert screened.objective == pytest.approx(exact.objective, rel=1e-9)
    assert screened.gap <= 1e-10 * screened.objective
    assert screened.n_iter <= exact.n_iter
    net = lom.reconstruct(imp, screened, beta)
    assert net.objective(x, y, beta) == pytest.approx(screened.objective, rel=1e-9)


def test_a_symmetrized_round_is_priced_once_per_dual_vector(monkeypatch):
    """beta_max and the first round of solve_lasso price the same dual vector (z = 0): the
    symmetrized library (its rounds are the costliest) keeps the round and serves the second
    call from it, with the same answer as pricing again."""
    from library_of_mirrors.dictionary import implicit as im

    x, y = _data(20, 5)
    calls = []
    kernel = im.symmetrized_round
    monkeypatch.setattr(im, "symmetrized_round", lambda *a: calls.append(1) or kernel(*a))
    imp = lom.build_dictionary(x, "relu", 3, "symmetrized", implicit=True)
    beta = 0.05 * lom.beta_max(imp, y)
    assert len(calls) == 1
    res = lom.solve_lasso(imp, y, beta)
    assert len(calls) == res.n_iter  # beta_max's round, then all but the solve's first
    fresh = lom.build_dictionary(x, "relu", 3, "symmetrized", implicit=True)
    calls.clear()
    ref = lom.solve_lasso(fresh, y, beta)
    assert res.objective == ref.objective and res.gap == ref.gap
    assert len(calls) == ref.n_iter  # a fresh library prices every round
    # served from the kept round: the same maximum, units and scores as pricing again
    theta = np.random.default_rng(1).standard_normal(x.shape[0])
    first = imp.price(theta, 30)
    calls.clear()
    again = imp.price(theta, 7)
    assert not calls
    new = fresh.price(theta, 7)
    assert again.corr_max == new.corr_max == first.corr_max
    assert np.array_equal(np.sort(again.scores), np.sort(new.scores))
    assert np.array_equal(again.screen, new.screen)
    calls.clear()
    imp.price(theta, 7, centered=False)  # another question: priced again
    assert len(calls) == 1
