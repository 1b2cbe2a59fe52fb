"""The slope-change solver of relu libraries (solvers/slope_lasso.py, solvers/segments.py).

Oracles: cvxpy + Clarabel on the explicit matrix, the working-set engine on the same library,
the reconstructed network's objective (1.1), and dense linear algebra for the kernels.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import noisy_sine
from convex_reference import cvx_lasso, objective

import library_of_mirrors as lom
from library_of_mirrors.solvers import segments, slope_lasso

# ---------------------------------------------------------------------------------------------
# kernels against dense linear algebra


def _design(x, anchors):
    """The fit at the points as a function of (a0, u): columns 1, x - x_0, (x - x_K)_+."""
    B = [np.ones_like(x), x - x[0]]
    B += [np.maximum(x - x[a], 0.0) for a in anchors[1:]]
    return np.column_stack(B)


def test_riccati_solve_is_the_dense_solve():
    rng = np.random.default_rng(1)
    x = np.sort(rng.uniform(-2, 2, 50))
    w, y = rng.uniform(0.5, 2, 50), rng.standard_normal(50)
    anchors = np.array([0, 3, 4, 17, 30, 48])
    Q, q, delta = segments.segment_stats(x, w, y, anchors)
    B = _design(x, anchors)
    d = rng.uniform(0, 5, anchors.shape[0])
    b = rng.standard_normal(anchors.shape[0] + 1)
    H = 2.5 * B.T @ (w[:, None] * B) + np.diag(np.r_[0.0, d])
    xa, u = segments.lq_solve(*segments.lq_factor(Q, delta, d, 2.5), delta, b[0], b[1:])
    np.testing.assert_allclose(np.r_[xa, u], np.linalg.solve(H, b), rtol=1e-9, atol=1e-12)
    # value and gradient of the data term
    a0, uu = 0.3, rng.standard_normal(anchors.shape[0])
    f = B @ np.r_[a0, uu]
    val, ga, gu = segments.data_value_grad(Q, q, delta, a0, uu)
    assert val + 0.5 * w @ y**2 == pytest.approx(0.5 * w @ (y - f) ** 2, rel=1e-12)
    np.testing.assert_allclose(np.r_[ga, gu], B.T @ (w * (f - y)), atol=1e-11)
    # merged statistics are those of the coarser segmentation
    keep = np.array([0, 2, 4])
    Qm, qm, dm = segments.merge_stats(Q, q, x[anchors], keep)
    Qd, qd, dd = segments.segment_stats(x, w, y, anchors[keep])
    np.testing.assert_allclose(Qm, Qd, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(qm, qd, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dm, dd, rtol=1e-15)
    # the ramps' correlations with the residual, at every point
    g, total = segments.residual_correlations(x, w, y, anchors, a0, uu)
    theta = w * (y - f)
    direct = np.array([theta @ np.maximum(x - t, 0.0) for t in x])
    np.testing.assert_allclose(g, direct, atol=1e-11)
    assert total == pytest.approx(theta.sum(), abs=1e-12)


# ---------------------------------------------------------------------------------------------
# the solver against cvxpy, the working-set engine and the network


@pytest.mark.parametrize("depth", [2, 3])
@pytest.mark.parametrize("frac", [0.3, 1e-2, 1e-4])
def test_slope_solver_reaches_the_cvxpy_optimum(depth, frac):
    x, y = noisy_sine(60, depth)
    d = lom.build_dictionary(x, "relu", depth)
    beta = frac * lom.beta_max(d, y)
    res = lom.solve_lasso(d, y, beta, tol=1e-10)
    assert res.solver == "slope changes" and res.converged
    A = d.matrix()
    ref = cvx_lasso(A, y, beta)
    assert res.objective == pytest.approx(objective(A, y, res.z, res.xi, beta), rel=1e-12)
    assert abs(res.objective - ref) <= 1e-8 * ref
    assert res.objective - res.gap <= ref + 1e-9 * ref
    # exact zeros: one unit per kink of the fit, as many as the working-set solver's
    ws = lom.solve_lasso(d, y, beta, tol=1e-10, solver="working_sets")
    assert ws.solver == "working sets"
    assert res.objective == pytest.approx(ws.objective, rel=1e-9)
    np.testing.assert_allclose(res.predict(d, x), ws.predict(d, x), atol=1e-6)
    # the second oracle: the reconstructed network's objective (1.1)
    net = lom.reconstruct(d, res)
    assert net.objective(x, y, beta) == pytest.approx(res.objective, rel=1e-9)


@pytest.mark.parametrize("depth", [2, 3])
def test_slope_solver_with_duplicates_and_weights(depth):
    x, y = noisy_sine(80, 7, dup=True)
    w = np.random.default_rng(3).uniform(0.2, 3.0, x.shape[0])
    d = lom.build_dictionary(x, "relu", depth)
    beta = 1e-2 * lom.beta_max(d, y, sample_weight=w)
    res = lom.solve_lasso(d, y, beta, sample_weight=w, tol=1e-10)
    assert res.solver == "slope changes" and res.converged
    ref = cvx_lasso(d.matrix(), y, beta, w=w)
    assert abs(res.objective - ref) <= 1e-8 * ref


def test_implicit_deep_relu_library_agrees_with_the_working_sets():
    x, y = noisy_sine(300, 5)
    d = lom.build_dictionary(x, "relu", 3, implicit=True)
    beta = 1e-3 * lom.beta_max(d, y)
    res = lom.solve_lasso(d, y, beta, tol=1e-10)
    ws = lom.solve_lasso(d, y, beta, tol=1e-10, solver="working_sets")
    assert res.solver == "slope changes" and res.converged and ws.converged
    assert res.objective == pytest.approx(ws.objective, rel=1e-9)
    assert res.certificate == "training problem (1.1)"


@pytest.mark.parametrize("shift, scale", [(1e6, 1.0), (0.0, 1e-6), (0.0, 1e5)])
def test_offsets_and_scales(shift, scale):
    x, y = noisy_sine(200, 11)
    x = shift + scale * x
    d = lom.build_dictionary(x, "relu", 2)
    beta = 1e-3 * lom.beta_max(d, y)
    res = lom.solve_lasso(d, y, beta, tol=1e-10)
    ws = lom.solve_lasso(d, y, beta, tol=1e-10, solver="working_sets")
    assert res.converged
    assert res.objective == pytest.approx(ws.objective, rel=1e-8)


def test_the_engine_keeps_what_the_slope_solver_does_not_serve():
    x, y = noisy_sine(60, 2)
    d = lom.build_dictionary(x, "relu", 2)
    assert lom.solve_lasso(d, y, 1.0, bias=False).solver == "working sets"
    assert lom.solve_lasso(d, y, 1.0, loss="huber", delta=0.5).solver == "working sets"
    assert lom.solve_lasso(lom.build_dictionary(x, "abs", 2), y, 1.0).solver == "working sets"


def test_warm_start_and_small_beta():
    x, y = noisy_sine(400, 4)
    d = lom.build_dictionary(x, "relu", 3, implicit=True)
    bm = lom.beta_max(d, y)
    first = lom.solve_lasso(d, y, 1e-2 * bm)
    again = lom.solve_lasso(d, y, 1e-4 * bm, warm_start=first, tol=1e-10)
    cold = lom.solve_lasso(d, y, 1e-4 * bm, tol=1e-10)
    assert again.converged and again.objective == pytest.approx(cold.objective, rel=1e-9)
    # near interpolation: as the working-set engine, certified at the default tolerance
    # (relative to the optimum); the last digits of the gap may be the working sets'.  On 200
    # points: the working-set reference takes 1.3 s there, 20 s on the 400 above
    x, y = noisy_sine(200, 4)
    d = lom.build_dictionary(x, "relu", 3, implicit=True)
    bm = lom.beta_max(d, y)
    tiny = lom.solve_lasso(d, y, 1e-6 * bm)
    ref = lom.solve_lasso(d, y, 1e-6 * bm, solver="working_sets")
    assert tiny.converged and tiny.solver.startswith("slope changes")
    assert tiny.gap <= 1e-8 * (tiny.objective - tiny.gap)
    assert tiny.objective == pytest.approx(ref.objective, rel=1e-7)


def test_violation_peaks_one_per_bump():
    g = np.array([0.0, 0.5, 1.2, 1.5, 1.1, 0.2, -1.3, -1.6, -1.4, 0.1, 2.0])
    # 2 layers: |g| and |g - g0| above lam = 1; peaks at 3 (1.5) and 7 (-1.6); the last
    # point's ramp is zero on the data (its left ramp is the linear unit): never a kink
    assert slope_lasso._violating(g, 1.0, deep=False).tolist() == [3, 7]
    # deeper: the range of {0, g} at most lam = 2: the band is [hi - lam, lo + lam]
    assert slope_lasso._violating(g[:-1], 2.0, deep=True).tolist() == [3, 7]


def _restricted_objective(x, w, y, anchors, lam, deep, a0, u):
    Q, q, delta = segments.segment_stats(x, w, y, anchors)
    val, _, _ = segments.data_value_grad(Q, q, delta, a0, u)
    pos, neg = u[u > 0].sum(), -u[u < 0].sum()
    if deep:
        return val + lam * max(pos, neg)
    p1, n1 = u[1:][u[1:] > 0].sum(), -u[1:][u[1:] < 0].sum()
    return val + lam * (p1 + n1 + max(0.0, u[0] - n1, -u[0] - p1))


@pytest.mark.parametrize("deep", [False, True])
def test_warm_polish_reaches_the_barriers_restricted_optimum(deep):
    # the previous optimum over fewer kinks, zero at the new ones: feature-sign rounds alone
    # reach the optimum the barrier + polish find from scratch
    x, y = noisy_sine(300, 7)
    x, order = np.unique(x, return_index=True)
    y = y[order] - y[order].mean()
    w = np.ones_like(x)
    lam = 0.3
    small = np.r_[0, np.arange(10, 290, 40)]
    big = np.union1d(small, np.arange(5, 295, 15))
    _, u1, _ = slope_lasso.restricted_solve(x, w, y, small, lam, deep, 1e-12)
    start = np.zeros(big.shape[0])
    start[np.searchsorted(big, small)] = u1
    warm = slope_lasso.warm_restricted_solve(x, w, y, big, lam, deep, start)
    assert warm is not None
    cold = slope_lasso.restricted_solve(x, w, y, big, lam, deep, 1e-12)
    f_warm = _restricted_objective(x, w, y, big, lam, deep, warm[0], warm[1])
    f_cold = _restricted_objective(x, w, y, big, lam, deep, cold[0], cold[1])
    assert f_warm == pytest.approx(f_cold, rel=1e-10)
    assert np.count_nonzero(warm[1][1:]) == np.count_nonzero(cold[1][1:])


def test_column_lookup_survives_hash_collisions(monkeypatch):
    # the re-expression finds library columns by their hashes, sorted by h1 with runs of
    # equal h1 sorted by h2: force collisions (h1 in {0, 1, 2}) and every slope change still
    # maps to the library's own units, with the fit unchanged
    from library_of_mirrors.dictionary import explicit

    columns, units = explicit.hash_columns, explicit.hash_units

    def colliding_columns(*a):
        h1, h2, orient = columns(*a)
        return h1 % 3, h2, orient

    def colliding_units(*a):
        h1, h2, kinks, valid, orient = units(*a)
        return h1 % 3, h2, kinks, valid, orient

    monkeypatch.setattr(explicit, "hash_columns", colliding_columns)
    monkeypatch.setattr(explicit, "hash_units", colliding_units)
    x, y = noisy_sine(60, 2)
    d = lom.build_dictionary(x, "relu", 2)
    pool = d.pool()
    rng = np.random.default_rng(0)
    v = np.zeros(d.x_unique.shape[0])
    v[rng.choice(np.arange(1, 59), 12, replace=False)] = rng.standard_normal(12)
    z = pool.from_slopes(v)
    assert z is not None
    fit = pool.fit(z)
    expect = np.array([np.sum(v * np.maximum(t - d.x_unique, 0.0)) for t in d.x_unique])
    np.testing.assert_allclose(np.diff(fit), np.diff(expect), atol=1e-10)


def test_near_duplicate_inputs_near_interpolation():
    # pairs of inputs 1e-10 apart: their kinks are nearly collinear, and a kink that joins the
    # polish at rounding-level violation flipped at once and joined again until the rounds
    # ran out (the working sets then did not converge either); the certificate is the oracle
    rng = np.random.default_rng(0)
    base = rng.uniform(-3, 3, 1000)
    x = np.r_[base, base + 1e-10 * rng.uniform(1, 2, 1000)]
    y = np.sin(2 * x) + 0.3 * np.abs(x) + 0.1 * rng.standard_normal(2000)
    d = lom.build_dictionary(x, "relu", 2)
    res = lom.solve_lasso(d, y, 1e-6 * lom.beta_max(d, y))
    assert res.converged and res.solver == "slope changes"
    assert res.gap <= 1e-8 * (res.objective - res.gap)


def test_small_lstsq_is_the_least_norm_least_squares_solution():
    # the polish's Schur complement: 1x1 or 2x2, symmetric, singular when its two coupling rows
    # coincide; numpy's SVD-based lstsq is the reference
    rng = np.random.default_rng(0)
    cases = [np.array([[2.0]]), np.array([[0.0]]), np.zeros((2, 2)), np.eye(2) * 3.0,
             np.full((2, 2), 0.7), np.array([[1.0, 0.0], [0.0, 0.0]])]
    for _ in range(200):
        B = rng.standard_normal((2, 2))
        v = rng.standard_normal(2)
        cases += [B @ B.T, np.outer(v, v) * 10.0 ** rng.uniform(-6, 6), -(B @ B.T)]
    for S in cases:
        for rhs in (np.ones(S.shape[0]), rng.standard_normal(S.shape[0])):
            ref = np.linalg.lstsq(S, rhs, rcond=None)[0]
            got = slope_lasso._small_lstsq(S, rhs)
            assert np.allclose(got, ref, rtol=1e-9, atol=1e-12 * max(1.0, np.abs(ref).max()))


def test_a_continuation_that_certifies_less_keeps_the_slope_solvers_point(monkeypatch):
    # when the slope-change solver stops short (here: max_iter) the working sets continue from
    # its point; if they end with a larger certified gap (near interpolation they did: 2.6e-6
    # from 1.5e-6), the slope solver's point and its certificate are returned
    import dataclasses

    from library_of_mirrors.solvers import engine

    x, y = noisy_sine(200, 4)
    d = lom.build_dictionary(x, "relu", 2)
    beta = 1e-3 * lom.beta_max(d, y)
    real = engine.solve
    continued = []

    def certifies_less(*args, **kwargs):
        sol = real(*args, **kwargs)
        continued.append(dataclasses.replace(sol, gap=10 * sol.gap + 1e3, converged=False))
        return continued[-1]

    monkeypatch.setattr(engine, "solve", certifies_less)
    with pytest.warns(lom.ConvergenceWarning, match="ended with a larger gap"):
        res = lom.solve_lasso(d, y, beta, max_iter=2)
    assert res.solver == "slope changes" and not res.converged
    objective, gap = lom.duality_gap(d, y, beta, res.z)
    assert objective == pytest.approx(res.objective, rel=1e-12)
    assert gap == pytest.approx(res.gap, rel=1e-9) and gap < continued[0].gap
