"""Independent reference solvers on the explicit matrix: cvxpy + Clarabel at tight tolerances,
and a hand-written HiGHS LP for minimum-norm interpolation."""

import cvxpy as cp
import numpy as np
from scipy.optimize import linprog

TIGHT = {"tol_gap_abs": 1e-12, "tol_gap_rel": 1e-12, "tol_feas": 1e-12, "max_iter": 500}


def data_fit(r, loss, tau=None, delta=1.0):
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
    r = y - A @ z - xi
    return float(w @ data_fit(r, loss, tau, delta) + lam * np.abs(z).sum())


def cvx_lasso(A, y, lam, loss="squared", tau=None, delta=1.0, w=None, bias=True):
    """min sum_i w_i loss(y - A z - xi) + lam ||z||_1 with cvxpy/Clarabel; returns the value."""
    n, p = A.shape
    w = np.ones(n) if w is None else w
    z = cp.Variable(p)
    xi = cp.Variable() if bias else 0.0
    r = y - A @ z - xi
    if loss == "squared":
        fit = 0.5 * cp.sum(cp.multiply(w, cp.square(r)))
    elif loss == "quantile":
        fit = cp.sum(cp.multiply(w, 0.5 * cp.abs(r) + (tau - 0.5) * r))
    elif loss == "absolute":
        fit = cp.sum(cp.multiply(w, cp.abs(r)))
    else:
        fit = 0.5 * cp.sum(cp.multiply(w, cp.huber(r, delta)))
    prob = cp.Problem(cp.Minimize(fit + lam * cp.norm1(z)))
    prob.solve(solver=cp.CLARABEL, **TIGHT)
    assert prob.status in ("optimal", "optimal_inaccurate"), prob.status
    zv = z.value
    xv = float(xi.value) if bias else 0.0
    # report the objective at cvxpy's point, evaluated the same way as ours
    return objective(A, y, zv, xv, lam, loss, tau, delta, w)


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
