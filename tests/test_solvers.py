"""solve_lasso / solve_min_norm / lasso_path against independent solvers on the explicit matrix.

Oracles: cvxpy + Clarabel at tight tolerances (every loss), scikit-learn's QuantileRegressor,
a hand-written HiGHS LP for (C.1); identities: KKT conditions, weak duality (the reported gap
bounds the suboptimality), duplicates = weights.
"""

import warnings

import numpy as np
import pytest
from conftest import COMBOS, combo_id
from convex_reference import cvx_lasso, lp_min_norm, objective, solve_and_check
from scipy.optimize import linprog

import library_of_mirrors as lom
from library_of_mirrors.solvers import engine
from library_of_mirrors.solvers.linear_programs import LiveLP, LPInfeasible

RTOL = 1e-7


def _data(n, seed, noise=0.3):
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(-2, 2, n))
    y = np.sin(2 * x) + noise * rng.standard_normal(n)
    return x, y


def _dict(combo, x):
    a, L, arch, s = combo
    return lom.build_dictionary(x, a, L, arch, leaky_slope=s)


def _check_against(res, ref, d, y, lam, scale):
    """objective matches the reference; the certified lower bound is below it."""
    assert abs(res.objective - ref) <= RTOL * max(1.0, abs(ref))
    assert res.objective - res.gap <= ref + 1e-9 * scale  # weak duality: gap is a true bound
    assert res.gap >= 0


@pytest.mark.parametrize("combo", COMBOS, ids=combo_id)
@pytest.mark.parametrize("n,seed,frac", [(9, 0, 0.3), (13, 1, 0.01)])
def test_lasso_matches_cvxpy_for_every_architecture(combo, n, seed, frac):
    x, y = _data(n, seed)
    d = _dict(combo, x)
    res, A, lam = solve_and_check(d, y, frac * lom.beta_max(d, y))
    # KKT (1.2): |A^T r| <= beta~ everywhere, = beta~ sign(z_j) on the support, 1^T r = 0
    r = y - A @ res.z - res.xi
    corr = A.T @ r
    assert np.all(np.abs(corr) <= lam * (1 + 1e-6))
    act = res.active
    np.testing.assert_allclose(corr[act], lam * np.sign(res.z[act]), rtol=1e-5, atol=1e-9)
    assert abs(r.sum()) <= 1e-8 * max(1.0, np.abs(y).sum())


@pytest.mark.parametrize("combo", [COMBOS[0], COMBOS[3], COMBOS[8], COMBOS[12]], ids=combo_id)
def test_lasso_without_external_bias_matches_cvxpy(combo):
    x, y = _data(11, 3)
    y = y + 2.0  # an offset the bias would absorb
    d = _dict(combo, x)
    beta = 0.05 * lom.beta_max(d, y, bias=False)
    res = lom.solve_lasso(d, y, beta, bias=False)
    assert res.xi == 0.0
    lam = beta * d.beta_scale
    _check_against(res, cvx_lasso(d.matrix(), y, lam, bias=False), d, y, lam, res.objective)


def test_symmetrized_network_uses_twice_beta():
    """beta~ = 2 beta (erratum E6): the reconstruction tests check it against (1.1)."""
    x, y = _data(10, 4)
    d = lom.build_dictionary(x, "relu", 3, "symmetrized")
    res = lom.solve_lasso(d, y, 0.2)
    assert res.beta_tilde == 0.4
    assert res.objective == pytest.approx(cvx_lasso(d.matrix(), y, 0.4), rel=RTOL)


def test_duplicate_samples_equal_sample_weights():
    x, y = _data(10, 5)
    d = lom.build_dictionary(x, "abs", 3)
    w = np.arange(1, 11) % 3 + 1.0
    res_w = lom.solve_lasso(d, y, 0.05, sample_weight=w)
    xd = np.repeat(x, w.astype(int))
    yd = np.repeat(y, w.astype(int))
    res_d = lom.solve_lasso(lom.build_dictionary(xd, "abs", 3), yd, 0.05)
    assert res_w.objective == pytest.approx(res_d.objective, rel=1e-9)
    ref = cvx_lasso(d.matrix(), y, 0.05, w=w)
    assert res_w.objective == pytest.approx(ref, rel=RTOL)


def test_duplicate_inputs_with_different_targets():
    rng = np.random.default_rng(6)
    x = np.repeat(rng.uniform(-1, 1, 8), 2)
    y = np.cos(3 * x) + 0.2 * rng.standard_normal(16)
    d = lom.build_dictionary(x, "relu", 3)
    res = lom.solve_lasso(d, y, 0.01)
    assert res.objective == pytest.approx(cvx_lasso(d.matrix(), y, 0.01), rel=RTOL)


@pytest.mark.parametrize("combo", [COMBOS[0], COMBOS[3], COMBOS[8], COMBOS[13]], ids=combo_id)
@pytest.mark.parametrize("loss,kw", [("quantile", {"quantile": 0.2}), ("absolute", {}),
                                     ("huber", {"delta": 0.3})])
def test_other_losses_match_cvxpy(combo, loss, kw):
    rng = np.random.default_rng(7)
    x = np.sort(rng.uniform(-1, 1, 14))
    y = np.sin(3 * x) + 0.3 * rng.standard_t(2, 14)  # heavy tails: the robust losses matter
    d = _dict(combo, x)
    beta = 0.02
    res = lom.solve_lasso(d, y, beta, loss=loss, **kw)
    lam = beta * d.beta_scale
    A = d.matrix()
    tau = kw.get("quantile")
    delta = kw.get("delta", 1.0)
    assert res.converged
    assert res.objective == pytest.approx(objective(A, y, res.z, res.xi, lam, loss, tau, delta),
                                          rel=1e-12)
    ref = cvx_lasso(A, y, lam, loss, tau, delta)
    _check_against(res, ref, d, y, lam, res.objective)


def test_quantile_matches_scikit_learn_quantile_regressor():
    from sklearn.linear_model import QuantileRegressor

    x, y = _data(25, 8, noise=0.5)
    d = lom.build_dictionary(x, "relu", 2)
    A = d.matrix()
    tau, beta = 0.7, 0.05
    res = lom.solve_lasso(d, y, beta, loss="quantile", quantile=tau)
    # scikit-learn: mean pinball loss + alpha ||w||_1, so alpha = beta~ / n_samples
    skl = QuantileRegressor(quantile=tau, alpha=beta / len(y), solver="highs").fit(A, y)
    ref = objective(A, y, skl.coef_, skl.intercept_, beta, "quantile", tau)
    assert res.objective == pytest.approx(ref, rel=RTOL)


@pytest.mark.parametrize("combo", [COMBOS[0], COMBOS[2], COMBOS[4], COMBOS[8], COMBOS[12]],
                         ids=combo_id)
def test_min_norm_matches_an_independent_lp(combo):
    x, y = _data(12, 9)
    d = _dict(combo, x)
    res = lom.solve_min_norm(d, y)
    A = d.matrix()
    assert res.converged
    np.testing.assert_allclose(A @ res.z + res.xi, y, atol=1e-7)
    assert res.objective == pytest.approx(np.abs(res.z).sum(), rel=1e-12)
    assert res.objective == pytest.approx(lp_min_norm(A, y), rel=RTOL)
    assert res.gap <= 1e-7 * res.objective


def test_min_norm_is_the_small_beta_limit_of_the_lasso():
    x, y = _data(10, 10)
    d = lom.build_dictionary(x, "abs", 2)
    mn = lom.solve_min_norm(d, y)
    # Appendix C: the Lasso solutions' l1 norms increase to the (C.1) value as beta -> 0
    norms = [np.abs(lom.solve_lasso(d, y, b).z).sum() for b in (1e-3, 1e-4, 1e-5)]
    assert norms[0] < norms[1] < norms[2] <= mn.objective * (1 + 1e-9)
    assert mn.objective - norms[2] < 0.1 * (mn.objective - norms[0])


def test_min_norm_rejects_conflicting_duplicates():
    d = lom.build_dictionary([0.0, 1.0, 1.0, 2.0], "relu", 2)
    with pytest.raises(ValueError, match=r"cannot be interpolated: x = 1 appears with different "
                                         r"targets \(from 0.5 to 2\)"):
        lom.solve_min_norm(d, [0.0, 0.5, 2.0, 1.0])


def test_min_norm_accepts_consistent_duplicates():
    d = lom.build_dictionary([0.0, 1.0, 1.0, 2.0], "relu", 2)
    res = lom.solve_min_norm(d, [0.0, 2.0, 2.0, 1.0])
    np.testing.assert_allclose(d.matvec(res.z) + res.xi, [0.0, 2.0, 2.0, 1.0], atol=1e-9)


def test_column_generation_on_a_large_dictionary(monkeypatch):
    """With the LP restricted to a working set, pricing over the full dictionary still finds
    the optimum of the whole LP."""
    monkeypatch.setattr(engine, "LP_FIRST", 5)
    monkeypatch.setattr(engine, "LP_ADD", 3)
    x, y = _data(12, 11)
    d = lom.build_dictionary(x, "abs", 3)
    assert d.n_features > 30
    res = lom.solve_lasso(d, y, 0.03, loss="quantile", quantile=0.4)
    assert res.n_iter > 1
    ref = cvx_lasso(d.matrix(), y, 0.03, "quantile", 0.4)
    assert res.objective == pytest.approx(ref, rel=RTOL)
    mn = lom.solve_min_norm(d, y)
    assert mn.objective == pytest.approx(lp_min_norm(d.matrix(), y), rel=RTOL)


@pytest.mark.parametrize("loss,tau", [("quantile", 0.8), ("absolute", None)])
def test_screened_lp_rounds_reach_the_optimum_an_exact_round_certifies(monkeypatch, capsys,
                                                                       loss, tau):
    """Linear programs over large explicit libraries re-price a screen of the last exact
    round's most correlated columns between exact rounds (engine.LP_SCREEN and
    LP_SCREEN_FROM, here shrunk so that a small library has one): violators join from it,
    and the certificate still comes from an exact pricing round, so the optimum is the whole
    LP's; columns long at zero leave the live LP (engine.LP_AGE) without changing it."""
    monkeypatch.setattr(engine, "LP_SCREEN", 40)
    monkeypatch.setattr(engine, "LP_SCREEN_FROM", 160)
    monkeypatch.setattr(engine, "LP_ADD", 3)
    monkeypatch.setattr(engine, "LP_AGE", 1)  # columns at zero leave the LP at once
    removed = []
    remove = LiveLP.remove
    monkeypatch.setattr(LiveLP, "remove",
                        lambda self, drop: (removed.append(drop.shape[0]), remove(self, drop)))
    x, y = _data(30, 12)
    d = lom.build_dictionary(x, "abs", 3)
    assert d.n_features > engine.LP_SCREEN_FROM
    res = lom.solve_lasso(d, y, 0.02, loss=loss, quantile=tau, verbose=True)
    assert "screened round" in capsys.readouterr().out
    assert sum(removed) > 0
    assert res.converged and res.solver == "working sets"
    ref = cvx_lasso(d.matrix(), y, 0.02, loss, tau)
    assert res.objective == pytest.approx(ref, rel=RTOL)
    assert res.objective - res.gap <= ref * (1 + 1e-9)
    assert res.objective == pytest.approx(objective(d.matrix(), y, res.z, res.xi, 0.02, loss,
                                                    tau), rel=1e-12)


def test_working_sets_return_the_iterate_with_the_least_certified_gap(monkeypatch):
    """A solve that stops unconverged returns its best certified iterate, not its last (near
    interpolation the working sets' gap rose from 4.1e-7 to 2.6e-6).  Here every restricted
    solve after the first is damaged (coefficients halved), so the gap rises after the first
    one; the returned point carries its own certificate (duality_gap at res.z)."""
    from library_of_mirrors.solvers.datafits import Restricted, Squared

    x, y = _data(30, 13)
    d = lom.build_dictionary(x, "abs", 3)
    beta = 1e-3 * lom.beta_max(d, y)
    real = Squared.solve_restricted
    calls = []

    def damaged(self, *args):
        state = real(self, *args)
        calls.append(1)
        return state if len(calls) == 1 else Restricted(0.5 * state.z)

    monkeypatch.setattr(Squared, "solve_restricted", damaged)
    with pytest.warns(lom.ConvergenceWarning, match="least certified gap is returned"):
        res = lom.solve_lasso(d, y, beta, max_iter=4, solver="working_sets")
    gaps = [g for _, g in res.history]
    assert res.gap == min(gaps) < gaps[-1]
    objective, gap = lom.duality_gap(d, y, beta, res.z)
    assert objective == pytest.approx(res.objective, rel=1e-12)
    assert gap == pytest.approx(res.gap, rel=1e-9)


def _pinball_lp(A, y, lam, a, c):
    """The restricted LP of linear_programs, from scratch on scipy's HiGHS: its optimum."""
    n, k = A.shape
    cost = np.concatenate([np.full(2 * k, lam), [0.0], a, c])
    M = np.hstack([A, -A, np.ones((n, 1)), np.eye(n), -np.eye(n)])
    bounds = [(0, None)] * (2 * k) + [(None, None)] + [(0, None)] * (2 * n)
    return linprog(cost, A_eq=M, b_eq=y, bounds=bounds, method="highs-ipm").fun


def test_live_lp_adds_columns_and_matches_a_fresh_lp():
    """Columns added in three rounds reach the optimum of the LP over all of them (scipy's
    HiGHS from scratch), with duals that certify it: theta^T y equals the optimum, the
    slack boxes, |A^T theta| <= lam and 1^T theta = 0 (the free bias) hold."""
    rng = np.random.default_rng(3)
    n, lam = 40, 0.7
    x = np.sort(rng.uniform(-2, 2, n))
    y = np.sin(2 * x) + 0.3 * rng.standard_normal(n)
    A = np.maximum(x[:, None] - rng.uniform(-2, 2, 30)[None, :], 0.0)
    a, c = np.full(n, 0.9), np.full(n, 0.1)
    lp = LiveLP(y, lam, a, c, True)
    for cols in (A[:, :4], A[:, 4:11], A[:, 11:]):
        lp.add(cols)
        z, xi, theta, _ = lp.solve()
        k = z.shape[0]
        ref = _pinball_lp(A[:, :k], y, lam, a, c)
        r = y - A[:, :k] @ z - xi
        value = a @ np.maximum(r, 0) + c @ np.maximum(-r, 0) + lam * np.abs(z).sum()
        assert value == pytest.approx(ref, rel=1e-9)
        assert theta @ y == pytest.approx(ref, rel=1e-9)
        assert np.all(theta <= a + 1e-9) and np.all(theta >= -c - 1e-9)
        assert np.abs(A[:, :k].T @ theta).max() <= lam * (1 + 1e-9)
        assert abs(theta.sum()) <= 1e-9


def test_live_lp_removes_nonbasic_columns_and_keeps_the_rest_in_order():
    """Columns at zero and nonbasic leave the live model: the optimum does not change, the
    remaining coefficients keep their order and values, and columns added afterwards reach
    the optimum of the LP over the columns kept plus the new ones (scipy's HiGHS)."""
    rng = np.random.default_rng(4)
    n, lam = 40, 0.5
    x = np.sort(rng.uniform(-2, 2, n))
    y = np.sin(2 * x) + 0.3 * rng.standard_normal(n)
    A = np.maximum(x[:, None] - rng.uniform(-2, 2, 40)[None, :], 0.0)
    a, c = np.full(n, 0.8), np.full(n, 0.2)
    lp = LiveLP(y, lam, a, c, True)
    lp.add(A[:, :25])
    z, xi, _, _ = lp.solve()
    drop = np.flatnonzero(lp.nonbasic())
    assert 0 < drop.shape[0] < 25 and np.all(z[drop] == 0.0)
    keep = np.setdiff1d(np.arange(25), drop)
    lp.remove(drop)
    z2, xi2, _, _ = lp.solve()
    np.testing.assert_allclose(z2, z[keep], rtol=1e-12, atol=1e-12)
    assert xi2 == pytest.approx(xi, rel=1e-12, abs=1e-12)
    lp.add(A[:, 25:])
    z3, xi3, theta, _ = lp.solve()
    B = np.hstack([A[:, keep], A[:, 25:]])
    ref = _pinball_lp(B, y, lam, a, c)
    r = y - B @ z3 - xi3
    assert a @ np.maximum(r, 0) + c @ np.maximum(-r, 0) + lam * np.abs(z3).sum() == \
        pytest.approx(ref, rel=1e-9)
    assert theta @ y == pytest.approx(ref, rel=1e-9)


def test_live_lp_interpolation_is_elastic_until_whole():
    """Columns that cannot interpolate: the elastic LP leaves a slack; told the columns are
    the whole library it is the equality LP, infeasible."""
    x = np.array([0.0, 1.0, 2.0, 3.0])
    y = np.array([0.0, 1.0, 0.0, 1.0])
    lp = LiveLP(y, 1.0, None, None, True)
    lp.add(np.maximum(x - 0.5, 0.0)[:, None])
    assert lp.solve()[3] > 0.1
    with pytest.raises(LPInfeasible):
        lp.solve(whole=True)


def test_matrix_free_working_sets_on_a_wide_dictionary():
    x, y = _data(40, 12)
    d = lom.build_dictionary(x, "abs", 3)  # ~2300 columns, priced without forming A
    res = lom.solve_lasso(d, y, 0.01, tol=1e-10)
    assert res.objective == pytest.approx(cvx_lasso(d.matrix(), y, 0.01), rel=RTOL)
    assert res.gap <= 1e-10 * 0.5 * np.sum((y - y.mean()) ** 2)


def test_non_convergence_warns_with_gap_and_tolerance():
    x, y = _data(30, 13)
    d = lom.build_dictionary(x, "relu", 2)
    with pytest.warns(lom.ConvergenceWarning, match=r"duality gap .* above the tolerance 1\.0e-12"):
        res = lom.solve_lasso(d, y, 1e-3, tol=1e-12, max_iter=1)
    assert not res.converged
    assert res.gap > 0


def test_warm_start_reaches_the_same_optimum():
    x, y = _data(20, 14)
    d = lom.build_dictionary(x, "abs", 3)
    cold = lom.solve_lasso(d, y, 0.02)
    warm = lom.solve_lasso(d, y, 0.02, warm_start=lom.solve_lasso(d, y, 0.1))
    assert warm.objective == pytest.approx(cold.objective, rel=1e-10)


def test_beta_max_is_where_z_becomes_zero():
    x, y = _data(15, 15)
    d = lom.build_dictionary(x, "leaky_relu", 3, leaky_slope=-0.5)
    bmax = lom.beta_max(d, y)
    assert lom.solve_lasso(d, y, bmax * 1.0001).active.shape[0] == 0
    assert lom.solve_lasso(d, y, bmax * 0.99).active.shape[0] > 0


def test_lasso_path_is_warm_started_continuous_and_optimal():
    x, y = _data(15, 16)
    d = lom.build_dictionary(x, "abs", 3)
    path = lom.lasso_path(d, y, n_betas=12)
    assert np.all(np.diff(path.betas) < 0)
    assert path.n_active[0] == 0 and path.n_active[-1] > 0
    for b, obj in zip(path.betas[[2, 7, 11]], path.objectives[[2, 7, 11]]):
        assert obj == pytest.approx(lom.solve_lasso(d, y, b).objective, rel=1e-9)
    # continuity (Appendix E): the fit's largest jump between neighbours shrinks with the grid
    bmax = path.betas[0]
    jumps = []
    for n_betas in (20, 40):
        grid = bmax * np.geomspace(0.5, 0.05, n_betas)
        fits = lom.lasso_path(d, y, grid).fitted(d)
        jumps.append(np.abs(np.diff(fits, axis=0)).max())
    assert jumps[1] <= 0.7 * jumps[0]


def test_lasso_path_needs_betas_for_linear_programs():
    x, y = _data(8, 17)
    d = lom.build_dictionary(x, "relu", 2)
    with pytest.raises(ValueError, match="pass betas explicitly for loss='quantile'"):
        lom.lasso_path(d, y, loss="quantile", quantile=0.5)
    path = lom.lasso_path(d, y, [0.1, 0.01], loss="quantile", quantile=0.5)
    assert path.objectives[1] == pytest.approx(
        cvx_lasso(d.matrix(), y, 0.01, "quantile", 0.5), rel=RTOL)


def test_result_predicts_off_the_data():
    x, y = _data(12, 18)
    d = lom.build_dictionary(x, "abs", 3)
    res = lom.solve_lasso(d, y, 0.01)
    np.testing.assert_allclose(res.predict(d, x), d.matrix() @ res.z + res.xi, atol=1e-10)
    xn = np.linspace(-3, 3, 7)
    np.testing.assert_allclose(res.predict(d, xn), d.evaluate(xn) @ res.z + res.xi, atol=1e-10)


@pytest.mark.parametrize("kwargs,exc,msg", [
    ({"loss": "hinge"}, ValueError, "loss must be one of"),
    ({"loss": "squared", "delta": 0.5}, ValueError, "delta=0.5 is only used with loss='huber'"),
    ({"loss": "quantile"}, ValueError, "needs quantile=tau"),
    ({"loss": "quantile", "quantile": 1.0}, ValueError, "strictly between 0 and 1"),
    ({"quantile": 0.5}, ValueError, "only used with loss='quantile'"),
    ({"beta": -1.0}, ValueError, "beta must be a positive finite number, got -1.0"),
    ({"beta": "big"}, TypeError, "beta must be a number, got 'big'"),
    ({"y": np.zeros(3)}, ValueError, r"y must have shape \(6,\)"),
    ({"y": np.array([0, 1, np.nan, 0, 1, 2.0])}, ValueError, "y contains 1 NaN"),
    ({"sample_weight": -np.ones(6)}, ValueError, "sample_weight must be non-negative"),
    ({"warm_start": np.zeros(2)}, ValueError, "warm_start must have"),
    ({"max_iter": 0}, ValueError, "max_iter must be a positive integer"),
    ({"loss": "huber", "delta": 0.0}, ValueError, "Huber threshold"),
    ({"d": "not a dictionary"}, TypeError, "d must be a Dictionary"),
])
def test_bad_input_is_named(kwargs, exc, msg):
    d = lom.build_dictionary(np.arange(6.0), "relu", 2)
    args = {"d": d, "y": np.arange(6.0), "beta": 0.1}
    args.update(kwargs)
    with pytest.raises(exc, match=msg):
        lom.solve_lasso(args.pop("d"), args.pop("y"), args.pop("beta"), **args)


def test_no_warnings_on_well_posed_problems():
    x, y = _data(20, 19)
    d = lom.build_dictionary(x, "relu", 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lom.solve_lasso(d, y, 0.01)
        lom.solve_lasso(d, y, 0.01, loss="huber")


def test_duality_gap_certifies_other_solvers_points():
    x, y = _data(12, 20)
    d = lom.build_dictionary(x, "relu", 3)
    res = lom.solve_lasso(d, y, 0.05)
    obj, gap = lom.duality_gap(d, y, 0.05, res.z)
    assert obj == pytest.approx(res.objective, rel=1e-12) and gap <= res.gap + 1e-12
    z = res.z * 0.9  # a worse point: its gap still bounds its suboptimality
    obj2, gap2 = lom.duality_gap(d, y, 0.05, z)
    assert obj2 - res.objective <= gap2 + 1e-12 and obj2 > res.objective
    with pytest.raises(ValueError, match="z must have shape"):
        lom.duality_gap(d, y, 0.05, z[:3])


@pytest.mark.slow
@pytest.mark.parametrize("activation,depth,n", [("relu", 2, 1000), ("abs", 3, 100)])
def test_large_problems_match_clarabel(activation, depth, n):
    x, y = _data(n, 21)
    d = lom.build_dictionary(x, activation, depth)
    res = lom.solve_lasso(d, y, 1e-2, tol=1e-10)
    ref = cvx_lasso(d.matrix(), y, 1e-2)
    assert res.objective <= ref * (1 + 1e-9)
    assert res.objective == pytest.approx(ref, rel=1e-7)


@pytest.mark.parametrize("loss,kw", [("squared", {}), ("huber", {}), ("quantile",
                                     {"quantile": 0.3}), ("absolute", {})])
def test_constant_targets_give_zero_and_a_zero_gap(loss, kw):
    d = lom.build_dictionary(np.linspace(-1, 1, 8), "abs", 3)
    res = lom.solve_lasso(d, np.full(8, 3.0), 0.1, loss=loss, **kw)
    assert res.converged and res.active.shape[0] == 0
    assert res.xi == pytest.approx(3.0) and res.objective == pytest.approx(0.0, abs=1e-12)
    assert res.gap <= 1e-12
    with pytest.raises(ValueError, match="beta_max = 0: y is constant"):
        lom.lasso_path(d, np.full(8, 3.0))


def test_warm_start_on_a_column_the_bias_makes_redundant():
    # sign(x - x_min) is the constant 1 on the data: with a free xi its coefficient must be 0
    x, y = _data(8, 22)
    d = lom.build_dictionary(x, "sign", 2)
    A = d.matrix()
    const = int(np.flatnonzero(np.ptp(A, axis=0) == 0)[0])
    z0 = np.zeros(d.n_features)
    z0[const] = 5.0
    res = lom.solve_lasso(d, y, 0.05, warm_start=z0)
    assert res.converged and res.z[const] == 0.0
    assert res.objective == pytest.approx(lom.solve_lasso(d, y, 0.05).objective, rel=1e-10)


@pytest.mark.parametrize("loss,kw", [("squared", {}), ("huber", {"delta": 0.2}),
                                     ("quantile", {"quantile": 0.3})])
def test_returned_dual_point_certifies_the_lower_bound(loss, kw):
    """res.dual is dual feasible at the samples and its dual value is objective - gap."""
    rng = np.random.default_rng(23)
    x = np.repeat(rng.uniform(-1, 1, 6), [1, 2, 3, 1, 2, 1])
    y = np.sin(3 * x) + 0.3 * rng.standard_normal(x.shape[0])
    d = lom.build_dictionary(x, "relu", 3)
    beta = 0.02
    res = lom.solve_lasso(d, y, beta, loss=loss, **kw)
    th = res.dual
    A = d.matrix()
    assert np.abs(A.T @ th).max() <= beta * (1 + 1e-9) and abs(th.sum()) <= 1e-9
    if loss == "squared":
        dual = th @ y - 0.5 * th @ th
    elif loss == "huber":
        assert np.all(np.abs(th) <= kw["delta"] * (1 + 1e-12))
        dual = th @ y - 0.5 * th @ th
    else:
        tau = kw["quantile"]
        assert np.all((th <= tau + 1e-12) & (th >= tau - 1 - 1e-12))
        dual = th @ y
    assert dual <= res.objective + 1e-12
    assert dual == pytest.approx(res.lower_bound, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("kwargs,exc,msg", [
    ({"warm_start": np.full(14, np.nan)}, ValueError, "warm_start contains NaN"),
    ({"loss": "quantile", "quantile": "abc"}, TypeError, "quantile must be a number"),
    ({"loss": "huber", "delta": "abc"}, TypeError, "delta must be a number"),
])
def test_more_bad_input_is_named(kwargs, exc, msg):
    d = lom.build_dictionary(np.arange(8.0), "relu", 2)
    with pytest.raises(exc, match=msg):
        lom.solve_lasso(d, np.sin(np.arange(8.0)), 0.1, **kwargs)


def test_numpy_scalars_are_accepted_as_beta():
    d = lom.build_dictionary(np.arange(8.0), "relu", 2)
    y = np.sin(np.arange(8.0))
    ref = lom.solve_lasso(d, y, 0.1).objective
    for beta in (np.array(0.1), np.float64(0.1)):
        assert lom.solve_lasso(d, y, beta).objective == pytest.approx(ref, rel=1e-12)


@pytest.mark.parametrize("xscale", [1e-6, 1e5])
def test_quantile_column_generation_is_scale_invariant(xscale):
    """The inputs' scale changes no optimum (beta relative to beta_max); the live LP's
    columns are scaled for HiGHS, and converged means a certified gap within tol (an LP with
    no violated dual constraint but a gap of 0.25% once counted as converged)."""
    rng = np.random.default_rng(11)
    x = np.sort(rng.uniform(-2, 2, 150))
    y = np.sin(3 * x) + 0.3 * rng.standard_normal(150)
    fits = []
    for s in (1.0, xscale):
        d = lom.build_dictionary(s * x, "relu", 2)
        beta = 1e-3 * lom.beta_max(d, y, loss="quantile", quantile=0.9)
        res = lom.solve_lasso(d, y, beta, loss="quantile", quantile=0.9, solver="working_sets")
        zero = lom.solve_lasso(d, y, 1e9, loss="quantile", quantile=0.9).objective
        assert res.converged and res.gap <= 1e-8 * zero
        fits.append(res.objective)
    assert fits[1] == pytest.approx(fits[0], rel=1e-9)


def test_ctrl_c_stops_a_long_linear_program():
    """HiGHS runs in a worker thread: Ctrl-C (simulated in the main thread) stops the LP
    through its interrupt callback, so HiGHS reports an interrupted solve (not an optimum
    reached long after the key press) and KeyboardInterrupt is raised."""
    import _thread
    import threading

    from highspy import HighsModelStatus

    rng = np.random.default_rng(0)
    x = np.sort(rng.uniform(-2, 2, 300))
    y = np.sin(3 * x) + 0.3 * rng.standard_normal(300)
    d = lom.build_dictionary(x, "relu", 2)
    lp = LiveLP(y - y.mean(), 1.0, None, None, True)  # minimum-norm interpolation: ~30 s
    lp.add(d.matrix())
    timer = threading.Timer(1.0, _thread.interrupt_main)
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            lp.solve(whole=True)
    finally:
        timer.cancel()
    assert lp.h.getModelStatus() in (HighsModelStatus.kInterrupt,
                                     HighsModelStatus.kHighsInterrupt)


@pytest.mark.parametrize("solver", ["working_sets", "auto"])
@pytest.mark.parametrize("fraction", [1e-3, 1e-5])
def test_tol_is_relative_to_the_optimum(solver, fraction):
    # small beta: the optimum is 25-60x below the objective at z = 0, so a gap of tol times
    # the latter (the old meaning) left 2e-6 .. 2e-5 of the optimum at tol 1e-6
    rng = np.random.default_rng(3)
    x = rng.uniform(-3, 3, 3000)
    y = np.sin(2 * x) + 0.3 * np.abs(x) + 0.1 * rng.standard_normal(3000)
    d = lom.build_dictionary(x, "relu", 2)
    res = lom.solve_lasso(d, y, fraction * lom.beta_max(d, y), tol=1e-6, solver=solver)
    assert res.converged
    assert res.gap <= 1e-6 * (res.objective - res.gap)
    assert res.history[0][0] > 20 * res.objective  # the case the old meaning got wrong


def test_gap_target_rounding_clause():
    from library_of_mirrors.solvers.result import ROUNDING, gap_target

    # tol times the optimum's lower bound (objective - gap) ...
    assert gap_target(1e-6, 3.0, 1.0, 100.0) == pytest.approx(2e-6)
    # ... but never below the rounding level of the objective at z = 0
    assert gap_target(1e-8, 1e-4, 0.0, 100.0) == pytest.approx(ROUNDING * 100.0)
    assert gap_target(1e-8, 1.0, 2.0, 100.0) == pytest.approx(ROUNDING * 100.0)


@pytest.mark.parametrize("shape", [(40, 12), (8, 12)])
def test_crossover_keeps_the_fit_and_reaches_a_vertex(shape):
    # tall and wide blocks: the same fit, no larger l1 norm, at most rank(M) nonzeros
    from library_of_mirrors.solvers.blocks import basic_solution

    rng = np.random.default_rng(4)
    m, k = shape
    M = rng.standard_normal((m, 4)) @ rng.standard_normal((4, k))  # rank 4
    S = np.arange(k)
    z = rng.uniform(0.5, 1.5, k)
    out = basic_solution(M, z, S)
    np.testing.assert_allclose(M @ out[S], M @ z[S], atol=1e-9)
    assert np.abs(out).sum() <= np.abs(z).sum() + 1e-9
    assert np.count_nonzero(out) <= 4
