"""Independent reference solvers on the explicit matrix: cvxpy + Clarabel at tight tolerances,
and a hand-written HiGHS LP for minimum-norm interpolation."""

import cvxpy as cp
import numpy as np
from scipy.optimize import linprog

TIGHT = {"tol_gap_abs": 1e-12, "tol_gap_rel": 1e-12, "tol_feas": 1e-12, "max_iter": 500}


def data_fit(r, loss, tau=None, delta=1.0):
    """Per-sample loss of the residual r = y - u (for "logistic": of the margin r = s u)."""
    if loss == "logistic":
        return np.logaddexp(0.0, -r)
    if loss == "squared":
        return 0.5 * r**2
    if loss == "quantile":
        return 0.5 * np.abs(r) + (tau - 0.5) * r
    if loss == "absolute":
        return np.abs(r)
    a = np.abs(r)
    return np.where(a <= delta, 0.5 * r * r, delta * a - 0.5 * delta**2)


def objective(A, y, z, xi, lam, loss="squared", tau=None, delta=1.0, w=None):
    """The primal objective of (D.24) evaluated independently of the library."""
    w = np.ones_like(y) if w is None else w
    r = y * (A @ z + xi) if loss == "logistic" else y - A @ z - xi
    return float(w @ data_fit(r, loss, tau, delta) + lam * np.abs(z).sum())


def cvx_lasso(A, y, lam, loss="squared", tau=None, delta=1.0, w=None, bias=True):
    """min sum_i w_i loss(y - A z - xi) + lam ||z||_1 with cvxpy/Clarabel; returns the value."""
    n, p = A.shape
    w = np.ones(n) if w is None else w
    z = cp.Variable(p)
    xi = cp.Variable() if bias else 0.0
    r = y - A @ z - xi
    if loss == "logistic":  # y holds the labels -1 / +1
        fit = cp.sum(cp.multiply(w, cp.logistic(-cp.multiply(y, A @ z + xi))))
    elif loss == "squared":
        fit = 0.5 * cp.sum(cp.multiply(w, cp.square(r)))
    elif loss == "quantile":
        fit = cp.sum(cp.multiply(w, 0.5 * cp.abs(r) + (tau - 0.5) * r))
    elif loss == "absolute":
        fit = cp.sum(cp.multiply(w, cp.abs(r)))
    else:
        fit = 0.5 * cp.sum(cp.multiply(w, cp.huber(r, delta)))
    prob = cp.Problem(cp.Minimize(fit + lam * cp.norm1(z)))
    if loss == "logistic":
        return _logistic_reference(A, y, lam, w, bias)
    prob.solve(solver=cp.CLARABEL, **TIGHT)
    assert prob.status in ("optimal", "optimal_inaccurate"), prob.status
    # report the objective at cvxpy's point, evaluated the same way as ours
    return objective(A, y, z.value, float(xi.value) if bias else 0.0, lam, loss, tau, delta, w)


def _logistic_reference(A, s, lam, w, bias):
    """The logistic Lasso by Clarabel (exponential cones) on unit-norm columns (the same
    problem with per-column penalties lam / ||A_j||: far better scaled for the interior point).
    Where Clarabel fails or stalls (nearly separable data): SCS, a second independent conic
    solver, and an L-BFGS-B polish of the best point (z = p - q with p, q >= 0: smooth and
    bound-constrained); the lowest objective is the reference."""
    nrm = np.linalg.norm(A, axis=0)
    nrm[nrm == 0] = 1.0
    z = cp.Variable(A.shape[1])
    xi = cp.Variable() if bias else 0.0
    u = (A / nrm) @ z + xi
    prob = cp.Problem(cp.Minimize(cp.sum(cp.multiply(w, cp.logistic(-cp.multiply(s, u))))
                                  + cp.norm1(cp.multiply(lam / nrm, z))))
    values, points = [], []

    def keep():
        if z.value is not None:
            zz, x0 = np.asarray(z.value) / nrm, float(xi.value) if bias else 0.0
            values.append(objective(A, s, zz, x0, lam, "logistic", w=w))
            points.append((zz, x0))

    try:
        prob.solve(solver=cp.CLARABEL, **TIGHT)
        keep()
        ok = prob.status == "optimal"
    except cp.error.SolverError:
        ok = False
    if not ok:
        prob.solve(solver=cp.SCS, eps=1e-9, max_iters=20_000)
        keep()
        best = points[int(np.argmin(values))]
        values.append(_lbfgs_logistic(A, s, lam, w, bias, *best))
    return min(values)


def _lbfgs_logistic(A, s, lam, w, bias, z0, xi0):
    from scipy.optimize import minimize

    n, p = A.shape

    def fun(v):
        zp, zm = v[:p], v[p:2 * p]
        xi = v[2 * p] if bias else 0.0
        m = s * (A @ (zp - zm) + xi)
        f = float(w @ np.logaddexp(0.0, -m)) + lam * float(zp.sum() + zm.sum())
        g_u = -w * s * np.exp(-np.logaddexp(0.0, m))  # d/du of the loss
        gz = A.T @ g_u
        grad = np.concatenate([gz + lam, -gz + lam] + ([[g_u.sum()]] if bias else []))
        return f, grad

    v0 = np.concatenate([np.maximum(z0, 0), np.maximum(-z0, 0)] + ([[xi0]] if bias else []))
    bounds = [(0, None)] * (2 * p) + ([(None, None)] if bias else [])
    res = minimize(fun, v0, jac=True, method="L-BFGS-B", bounds=bounds,
                   options={"maxiter": 100_000, "ftol": 1e-15, "gtol": 1e-12, "maxcor": 50})
    v = res.x
    return objective(A, s, v[:p] - v[p:2 * p], v[2 * p] if bias else 0.0, lam, "logistic",
                     w=w)


def solve_and_check(d, y, beta):
    """``lom.solve_lasso(d, y, beta)`` checked against cvxpy on the explicit matrix: converged,
    its objective is the independent evaluation of (1.2) at its (z, xi), equal to the cvxpy
    optimum (relative 1e-7), and objective - gap (the certified lower bound) is below it.
    Returns (res, A, lam)."""
    import library_of_mirrors as lom

    res = lom.solve_lasso(d, y, beta)
    A = d.matrix()
    lam = beta * d.beta_scale
    ref = cvx_lasso(A, y, lam)
    assert res.converged
    assert abs(res.objective - objective(A, y, res.z, res.xi, lam)) <= 1e-12 * abs(ref)
    assert abs(res.objective - ref) <= 1e-7 * max(1.0, abs(ref))
    assert 0 <= res.gap and res.objective - res.gap <= ref + 1e-9 * max(1.0, abs(ref))
    return res, A, lam


def lp_min_norm(A, y, bias=True):
    """min ||z||_1 s.t. A z + xi 1 = y as a dense LP (z = p - q) on HiGHS; returns the value."""
    n, m = A.shape
    cols = [A, -A] + ([np.ones((n, 1))] if bias else [])
    c = np.concatenate([np.ones(2 * m), np.zeros(int(bias))])
    bounds = [(0, None)] * (2 * m) + ([(None, None)] if bias else [])
    res = linprog(c, A_eq=np.hstack(cols), b_eq=y, bounds=bounds, method="highs-ipm")
    assert res.status == 0, res.message
    return float(res.fun)
