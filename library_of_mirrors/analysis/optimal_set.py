"""The set of all optimal Lasso solutions (Lemma E.2, Proposition E.3) and its exploration.

For beta > 0 every optimal (z, xi) has the same fit y_hat = A z + xi 1 (the loss is strictly
convex in the fit), but not the same bias xi: Lemma E.2 claims it is unique, which is false
(docs/errata.md, E11: the bias can trade against a combination of features that is constant on
the data).  With the equicorrelation set ``E = {i : |A_i^T (y - y_hat)| = beta~}`` and the
signs ``s_i = sign(A_i^T (y - y_hat))``, the optimal set is the polytope (E.1) with the bias
free:

    { (z, xi) : z_i = 0 off E,  s_i z_i >= 0,  A_E z_E + xi 1 = y_hat },

on which ``||z||_1 = sum_i s_i z_i`` is constant.  In ``u = s_E * z_E >= 0`` the bias is a
function of u on the set (``xi = mean(y_hat - A_E diag(s_E) u)`` over the distinct points), so
the set is ``{u >= 0 : M u = b}`` with ``M = C A_E diag(s_E)`` and ``b = C y_hat`` for the
centering C (which removes the constant vector); its vertices (basic solutions of this system)
are the minimal models: at most rank(M) <= N - 1 nonzeros, i.e. the narrowest optimal
networks.  :class:`OptimalSet` finds vertices (HiGHS simplex with random costs), the
minimum-Euclidean-norm solution (Clarabel), the coordinates free on the set and its dimension
(one LP), and uniform samples (hit-and-run, Chen & Schmeiser, from a relative-interior point).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg import null_space
from scipy.optimize import linprog

from ..executors import run_batch
from ..solvers.result import LassoResult


@dataclass
class OptimalSet:
    """The optimal set of a squared-loss Lasso (Proposition E.3), from one optimal solution."""

    d: object
    y: np.ndarray
    beta: float
    fit: np.ndarray  # y_hat at the samples
    xi: float  # the solver's bias (one point of the set's bias interval)
    equicorrelation: np.ndarray  # indices E
    signs: np.ndarray  # s_E
    M: np.ndarray  # C A_E diag(s_E) at the distinct points (C: centering)
    b: np.ndarray  # C y_hat at the distinct points
    norm: float  # ||z||_1 on the whole set
    level: float  # mean of y_hat over the distinct points
    drift: np.ndarray  # mean of A_E diag(s_E) over the distinct points: xi(u) = level - drift u

    @classmethod
    def from_result(cls, d, y, res: LassoResult, rtol: float = 1e-6) -> OptimalSet:
        """Build the set from an optimal squared-loss solution ``res`` of ``solve_lasso(d, y,
        beta)``; features within ``rtol * beta~`` of the bound count as equicorrelated."""
        if not isinstance(res, LassoResult) or res.loss != "squared":
            raise ValueError("the optimal set needs a squared-loss LassoResult")
        y = np.asarray(y, dtype=float).ravel()
        lam = float(res.beta_tilde)
        fit = d.matvec(res.z) + res.xi
        corr = d.rmatvec(y - fit)
        E = np.flatnonzero(np.abs(corr) >= lam * (1 - rtol))
        s = np.sign(corr[E])
        pool = d.pool()
        fit_u = pool.fit(res.z) + res.xi
        raw = pool.columns(E) * s[None]
        drift = raw.mean(axis=0)
        level = float(fit_u.mean())
        return cls(d, y, float(res.beta), fit, float(res.xi), E, s, raw - drift[None],
                   fit_u - level, float(np.abs(res.z).sum()), level, drift)

    # points of the set ---------------------------------------------------------------------
    def z_of(self, u: np.ndarray) -> np.ndarray:
        """The full coefficient vector of ``u`` (``z_E = s_E * u``)."""
        z = np.zeros(self.d.n_features)
        z[self.equicorrelation] = self.signs * np.asarray(u, dtype=float)
        return z

    def bias(self, U: np.ndarray) -> np.ndarray | float:
        """The bias xi of the point ``u`` (or of each row of ``U``): the one that makes
        ``A z + xi 1`` the optimal fit."""
        U = np.asarray(U, dtype=float)
        out = self.level - np.atleast_2d(U) @ self.drift
        return out if U.ndim == 2 else float(out[0])

    def bias_interval(self) -> tuple[float, float]:
        """The least and the largest bias over the optimal set (two LPs): a single value only
        when no combination of the equicorrelated features trades against the bias."""
        least = self._simplex_vertex(-self.drift)  # xi = level - drift^T u
        largest = self._simplex_vertex(self.drift)
        return float(self.bias(least)), float(self.bias(largest))

    def objective(self, U: np.ndarray) -> np.ndarray | float:
        """The Lasso objective (1.2) of the point ``u`` (or of each row of ``U``) with its
        bias: constant on the set, so it certifies that a point is optimal."""
        U = np.asarray(U, dtype=float)
        P = np.atleast_2d(U)
        A = self.d.pool().columns(self.equicorrelation)
        F = (P * self.signs) @ A.T + self.bias(P)[:, None]  # fits at the distinct points
        R = self.y[None, :] - F[:, self.d.inverse]
        out = 0.5 * np.einsum("ij,ij->i", R, R) + self.beta * self.d.beta_scale * P.sum(axis=1)
        return out if U.ndim == 2 else float(out[0])

    def residual(self, u: np.ndarray) -> float:
        """max |M u - b| (0 on the set)."""
        return float(np.abs(self.M @ u - self.b).max())

    def _independent_rows(self) -> tuple[np.ndarray, np.ndarray]:
        """``M u = b`` with dependent rows removed: ``S_r V_r^T u = U_r^T b`` (the SVD's rows
        above 1e-12 of the largest singular value).  M has rank <= N - 1 with N rows, and
        HiGHS' presolve declared the full system infeasible on rounding-level inconsistencies
        of its dependent rows (3-layer abs, N = 40: 40 x 44, rank 32)."""
        if getattr(self, "_rows", None) is None:
            U, sv, Vt = np.linalg.svd(self.M, full_matrices=False)
            r = int(np.sum(sv > 1e-12 * sv[0])) if sv.size and sv[0] > 0 else 0
            self._rows = (sv[:r, None] * Vt[:r], U[:, :r].T @ self.b)
        return self._rows

    def _simplex_vertex(self, c: np.ndarray) -> np.ndarray:
        """The basic solution (a vertex) of ``min c^T u`` over the set, by HiGHS' simplex."""
        Mr, br = self._independent_rows()
        res = linprog(c, A_eq=Mr, b_eq=br, bounds=(0, None), method="highs-ds",
                      options={"primal_feasibility_tolerance": 1e-10})
        if res.status != 0:
            raise RuntimeError(f"HiGHS found no vertex of the optimal set: {res.message}")
        u = np.asarray(res.x)
        u[u < 1e-12 * max(1.0, float(u.max()))] = 0.0
        return u

    def vertex(self, rng=None) -> np.ndarray:
        """A vertex (minimal model) in u-coordinates: the simplex solution for a random cost."""
        rng = np.random.default_rng(rng)
        return self._simplex_vertex(rng.uniform(0.0, 1.0, size=self.M.shape[1]))

    def min_norm(self) -> np.ndarray:
        """The minimum Euclidean norm optimal solution (the bias free, not in the norm), in
        u-coordinates (Clarabel QP)."""
        import cvxpy as cp  # noqa: PLC0415

        u = cp.Variable(self.M.shape[1], nonneg=True)
        prob = cp.Problem(cp.Minimize(cp.sum_squares(u)), [self.M @ u == self.b])
        prob.solve(solver=cp.CLARABEL, tol_gap_abs=1e-12, tol_gap_rel=1e-12, tol_feas=1e-12)
        if u.value is None:
            raise RuntimeError(f"Clarabel failed on the minimum-norm problem ({prob.status})")
        return np.maximum(np.asarray(u.value, dtype=float), 0.0)

    def vertex_within(self, keep: np.ndarray) -> np.ndarray:
        """A vertex supported inside ``keep`` (indices into E), given that some optimal point
        is: the simplex solution of ``min sum_{i not in keep} u_i`` (optimum 0), a basic
        solution, hence a vertex at most as wide as that point (e.g. the solver's own)."""
        c = np.ones(self.M.shape[1])
        c[np.asarray(keep, dtype=int)] = 0.0
        return self._simplex_vertex(c)

    def free_coordinates(self) -> np.ndarray:
        """The coordinates of ``u`` positive somewhere on the set, by one LP.

        The set ``P = {u >= 0 : M u = b}`` is bounded (``sum u = ||z||_1`` on it), so the
        homogenized LP ``max sum t  s.t.  M v = tau b, v >= t, 0 <= t <= 1, tau >= 0`` puts
        ``t_i = 1`` exactly on the coordinates that some point of P has positive (``v / tau``
        is a point of P; a relative-interior point scaled up reaches every such t_i = 1).
        Random vertices can miss such a coordinate (a face of the set gets sampled instead)."""
        if "_free" not in self.__dict__:
            n, k = self.M.shape
            if k == 0:
                self.__dict__["_free"] = np.array([], dtype=int)
                return self.__dict__["_free"]
            c = np.concatenate([np.zeros(k), -np.ones(k), [0.0]])  # variables (v, t, tau)
            A_eq = np.hstack([self.M, np.zeros((n, k)), -self.b[:, None]])
            A_ub = np.hstack([-np.eye(k), np.eye(k), np.zeros((k, 1))])  # t - v <= 0
            bounds = [(0, None)] * k + [(0, 1)] * k + [(0, None)]
            res = linprog(c, A_ub=A_ub, b_ub=np.zeros(k), A_eq=A_eq, b_eq=np.zeros(n),
                          bounds=bounds, method="highs")
            if res.status != 0:
                raise RuntimeError(f"HiGHS failed on the support LP of the optimal set: "
                                   f"{res.message}")
            self.__dict__["_free"] = np.flatnonzero(res.x[k:2 * k] > 0.5)
            # v / tau is a point of the set positive on every free coordinate (v_i >= t_i = 1)
            tau = float(res.x[-1])
            self.__dict__["_interior"] = np.maximum(res.x[:k] / tau, 0.0) if tau > 0 else None
        return self.__dict__["_free"]

    def dimension(self) -> int:
        """Dimension of the set: ``|F| - rank(M_F)`` over the free coordinates F (its affine
        hull is ``{u_F : M_F u_F = b}``, as it holds a point positive on all of F)."""
        F = self.free_coordinates()
        return int(F.size - np.linalg.matrix_rank(self.M[:, F])) if F.size else 0

    def interior_point(self) -> np.ndarray:
        """A point of the relative interior (positive on every free coordinate), from the LP
        of :meth:`free_coordinates` (its ``v / tau``)."""
        F = self.free_coordinates()
        u = self.__dict__.get("_interior")
        if F.size == 0 or u is None:  # a single point: the vertex
            return self._simplex_vertex(np.zeros(self.M.shape[1]))
        return u

    def sample(self, n: int, rng=None, *, thin: int = 10, burn: int = 200, chains: int = 1,
               executor="serial", progress: bool = False) -> np.ndarray:
        """``n`` approximately uniform samples (u-coordinates, shape (n, |E|)) by hit-and-run
        (Chen & Schmeiser) in the set's affine hull, from a relative-interior point, after
        ``burn`` steps, keeping every ``thin``-th.

        ``chains > 1`` runs that many independent chains, each with its own burn-in and a seed
        drawn from ``rng``, as tasks of ``executor``; the rows are chain 0's samples, then
        chain 1's, and so on.  ``executor`` is "serial", "processes", "dask", an
        ``Executor`` or a ``distributed.Client``; the samples depend on ``rng`` and
        ``chains`` only."""
        if isinstance(chains, bool) or not isinstance(chains, (int, np.integer)) or chains < 1:
            raise ValueError(f"chains must be a positive integer, got {chains!r}")
        rng = np.random.default_rng(rng)
        F = self.free_coordinates()
        u0 = self.interior_point()
        N = null_space(self.M[:, F]) if F.size else np.zeros((0, 0))
        if N.shape[1] == 0:  # a single point
            return np.tile(u0, (n, 1))
        shared = {"u0": u0, "F": F, "N": N, "thin": thin, "burn": burn}
        if chains == 1:
            return _hit_and_run((n, rng), **shared)
        sizes = [len(part) for part in np.array_split(np.arange(n), chains)]
        seeds = rng.integers(0, 2**63 - 1, size=chains)
        parts = run_batch(_hit_and_run, list(zip(sizes, seeds.tolist())), executor,
                          shared=shared, desc="hit-and-run chains", progress=progress)
        return np.concatenate(parts, axis=0)


def _hit_and_run(job: tuple, *, u0: np.ndarray, F: np.ndarray, N: np.ndarray, thin: int,
                 burn: int) -> np.ndarray:
    """One hit-and-run chain (one task): ``job = (n, seed or generator)``; moves ``u_F`` along
    random directions ``N g`` of the null space of ``M_F``, uniformly on the chord that keeps
    ``u_F >= 0``."""
    n, seed = job
    rng = np.random.default_rng(seed)
    out = np.tile(u0, (n, 1))
    cur = u0[F].copy()
    kept = 0
    for step in range(burn + n * thin):
        g = N @ rng.standard_normal(N.shape[1])
        neg, pos = g < -1e-15, g > 1e-15
        t_hi = np.min(-cur[neg] / g[neg]) if neg.any() else 0.0  # cur + t g >= 0
        t_lo = np.max(-cur[pos] / g[pos]) if pos.any() else 0.0
        cur = np.maximum(cur + rng.uniform(t_lo, t_hi) * g, 0.0)
        if step >= burn and (step - burn) % thin == thin - 1:
            out[kept, F] = cur
            kept += 1
    return out


__all__ = ["OptimalSet"]
