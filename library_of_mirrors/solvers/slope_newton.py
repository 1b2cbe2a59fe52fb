"""Proximal Newton over the whole relu library: smooth losses (logistic) in slope changes.

At the fit ``u`` of the current network the loss is replaced by its second-order model, a
weighted squared loss with weights ``h = w F''(u)`` and working response ``t = u - F'(u) / F''(u)``
(summed over the samples of each distinct input); the Lasso of that model over the *whole*
relu deep narrow library is a squared-loss problem that the slope-change solver
(:mod:`.slope_lasso`) solves in O(N) per iteration and certifies.  A backtracking line search
along the step decreases the true objective (Lee, Sun & Saunders, "Proximal Newton-type
methods for minimizing composite functions", SIAM J. Optim. 2014: globally convergent,
quadratically near the optimum), and every iterate is certified by the engine's duality gap of
the true loss (:func:`.engine.certify`, one pricing pass over the library).

The working-set engine's proximal Newton (:mod:`.prox_newton`) solves the same models over
Gram columns of a working set; on the degenerate 3-layer relu library its blocks crawl and
hand over to interior-point QPs.  Here the model's problem never forms a Gram column.  When a
step makes no progress the solve returns its point uncertified, and the engine continues from
it (:func:`.lasso.solve_lasso`).
"""

from __future__ import annotations

import time

import numpy as np

from . import engine, slope_lasso
from .datafits import Squared
from .result import gap_target

#: proximal Newton steps, at most
MAX_STEPS = 60
#: the model's problem is solved to this fraction of the current gap (relative to the model's
#: value): an inexact step stays a descent direction
FORCING = 1e-3


def applies(pool, datafit, bias: bool) -> bool:
    """Whether this solver serves the problem: a twice differentiable loss with a free bias
    over a relu deep narrow library (explicit or implicit)."""
    return pool.flow_depth is not None and bias and datafit.smooth


def solve(pool, datafit, rows, lam: float, x: np.ndarray, *, tol: float, max_iter: int,
          z0: np.ndarray | None = None, verbose: bool = False) -> engine.Solution | None:
    """Minimize ``F(A z + xi) + lam ||z||_1`` over the relu library behind ``pool`` by proximal
    Newton steps whose models the slope-change solver solves (see the module); ``x``: the
    sorted distinct inputs, ``tol`` relative to the optimum (:func:`.result.gap_target`).
    Returns the engine's :class:`~.engine.Solution` (None if the library lacks a unit of the
    slope-change representation)."""
    t0 = time.perf_counter()
    n = x.shape[0]
    squared = Squared()
    identity = np.arange(n)
    z = np.zeros(len(pool)) if z0 is None else np.asarray(z0, dtype=float).copy()

    def fit_rows(zz):
        return rows.at_rows(pool.fit(zz)) if np.any(zz) else np.zeros(rows.n_rows)

    def objective(zz):
        f = fit_rows(zz)
        xi = datafit.optimal_bias(rows, f, None)
        return datafit.value(rows, f + xi) + lam * float(np.abs(zz).sum()), xi

    f0 = np.zeros(rows.n_rows)
    unit = max(datafit.tolerance_unit(rows, datafit.value(
        rows, f0 + datafit.optimal_bias(rows, f0, None))), np.finfo(float).tiny)
    history: list = []
    n_priced = 0
    converged, reason = False, f"stopped after {MAX_STEPS} proximal Newton steps"
    for it in range(1, MAX_STEPS + 2):  # the last pass certifies the last step's point
        S = np.flatnonzero(z)
        primal, gap, xi, cert = engine.certify(pool, datafit, rows, lam, z, True, None, 1, S)
        if len(pool) > z.shape[0]:
            z = np.concatenate([z, np.zeros(len(pool) - z.shape[0])])
        n_priced += cert.price.n_priced
        history.append((primal, gap))
        target = gap_target(tol, primal, gap, unit)
        if verbose:
            print(f"[newton] {time.perf_counter() - t0:7.2f} s step {it}: objective "
                  f"{primal:.12g} gap {gap:.3e} active {S.shape[0]}")
        if gap <= target:
            converged, reason = True, ""
            break
        if it > MAX_STEPS:
            break
        # the second-order model at u, at the distinct inputs
        u = fit_rows(z) + xi
        grad = rows.w * datafit.derivative(rows.y, u)
        h = np.maximum(rows.w * datafit.curvature(rows.y, u), 1e-12 * rows.w)
        H = rows.to_points(h)
        T = np.divide(rows.to_points(h * u - grad), H, out=np.zeros(n), where=H > 0)
        model_rows = squared.prepare(T, H, identity, n)
        model = 0.5 * float(grad @ (grad / np.where(h > 0, h, 1.0))) + lam * float(
            np.abs(z).sum())
        sub_tol = min(max(FORCING * gap / max(model, np.finfo(float).tiny), 1e-13), 1e-3)
        sub = slope_lasso.solve(pool, squared, model_rows, lam, x, tol=sub_tol,
                                max_iter=max_iter, z0=z)
        if sub is None:
            return None
        n_priced += sub.n_priced
        z_new = np.zeros(len(pool))
        z_new[:sub.z.shape[0]] = sub.z
        if len(pool) > z.shape[0]:
            z = np.concatenate([z, np.zeros(len(pool) - z.shape[0])])
        dz = z_new - z
        # Armijo along the step: the model's decrease bound (Lee, Sun & Saunders, eq. 2.20)
        d_lin = float(grad @ fit_rows(dz)) + lam * float(np.abs(z_new).sum() - np.abs(z).sum())
        step, moved = 1.0, None
        for _ in range(40):
            zc = z + step * dz
            oc, _ = objective(zc)
            if oc <= primal + 1e-4 * step * min(d_lin, 0.0) and oc < primal:
                moved = zc
                break
            step *= 0.5
        if moved is None:
            # at rounding level the objective cannot tell (near the optimum the certificate
            # is linear in the KKT residual, the objective quadratic): take the full step if
            # it does not raise the objective beyond rounding and lowers the certified gap
            oc, _ = objective(z_new)
            _, gc, _, _ = engine.certify(pool, datafit, rows, lam, z_new, True, None, 1,
                                          np.flatnonzero(z_new))
            if oc <= primal + 1e-14 * max(1.0, abs(primal)) and gc < 0.9 * gap:
                z = z_new
                continue
            reason = (f"a proximal Newton step stopped lowering the objective at gap "
                      f"{gap:.3e} (above the target {target:.3e})")
            break
        z = moved
    return engine.Solution(z, float(xi), float(primal), float(gap), len(history), converged,
                           cert.theta, target, reason, history, n_priced)


__all__ = ["MAX_STEPS", "applies", "solve"]
