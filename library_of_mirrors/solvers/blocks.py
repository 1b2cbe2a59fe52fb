"""The working-set block of the squared-loss solver: ``B`` (the weighted, centered columns of the
working set at the distinct points) and ``b``, seen only through what the active-set
subproblem needs: ``c = B^T b``, ``b^T b``, columns of the Gram matrix ``B^T B``, the exact
objective at a point, coordinate-descent epochs and a QP fallback.

* :class:`DenseBlock` holds ``B`` (N x k floats): fast BLAS for small problems.
* :class:`FreeBlock` never forms ``B``: a Gram column is ``B^T (B e_j)``, i.e. one matrix-free
  product ``A e_j`` and one ``A^T q`` over the working set (O(N + nnz) each, through the kink
  forms' grid, DESIGN.md), the objective uses the exact residual from ``A z``.  Memory
  O(N + k^2) whatever the working set: what large N needs (issue: scale).

Both give the same subproblem; the solver picks the dense one while ``N x k`` fits
:data:`DENSE_BLOCK_BYTES`.
"""

from __future__ import annotations

import warnings

import numpy as np

from . import _cd

#: working-set blocks above this many bytes (8 N k) are handled matrix-free: measured, the
#: matrix-free block is as fast from about a million entries on and 2-3x faster at N = 10^5 to
#: 10^6 (no N x k evaluation and copy per working set); below, dense BLAS wins crawling cases
DENSE_BLOCK_BYTES = 8 * 1024**2


def _objective(B: np.ndarray, b: np.ndarray, z: np.ndarray, lam: np.ndarray) -> float:
    R = b - B @ z
    return 0.5 * float(R @ R) + float(lam @ np.abs(z))


def qp_subproblem(k: int, smooth, lam: float) -> np.ndarray | None:
    """min smooth(z) + lam ||z||_1 over ``k`` coefficients by cvxpy + Clarabel, for the
    subproblem's smooth part given as a cvxpy expression builder; None if the interior point
    method fails (the caller keeps its active-set iterate)."""
    import cvxpy as cp  # noqa: PLC0415

    z = cp.Variable(k)
    prob = cp.Problem(cp.Minimize(smooth(cp, z) + lam * cp.norm1(z)))
    try:
        with warnings.catch_warnings():  # an inaccurate point is checked by the caller
            warnings.simplefilter("ignore")
            prob.solve(solver=cp.CLARABEL, tol_gap_abs=1e-14, tol_gap_rel=1e-13,
                       tol_feas=1e-13)
    except cp.error.SolverError:
        return None
    if z.value is None or prob.status not in ("optimal", "optimal_inaccurate"):
        return None
    sol = np.asarray(z.value, dtype=float)
    sol[np.abs(sol) <= 1e-12 * max(1.0, float(np.abs(sol).max()))] = 0.0
    return sol


def basic_solution(M, z: np.ndarray, S: np.ndarray) -> np.ndarray:
    """Crossover: the simplex solution of ``min sum u  s.t.  M diag(s) u = M |z_S|, u >= 0``
    for the support S of ``z`` with its signs s, where ``M z_S = 0`` characterizes the
    directions that keep the fit (at most rank(M) nonzeros, same fit, no larger l1 norm).  An
    interior point lies inside the optimal face, dense; its vertex keeps the working sets
    small.  ``z`` itself if HiGHS fails.  ``M`` dense or scipy sparse."""
    from scipy.optimize import linprog  # noqa: PLC0415

    sgn = np.sign(z[S])
    Ms = M @ np.diag(sgn) if isinstance(M, np.ndarray) else (M @ _sparse_diag(sgn)).tocsc()
    res = linprog(np.ones(S.shape[0]), A_eq=Ms, b_eq=Ms @ np.abs(z[S]), bounds=(0, None),
                  method="highs-ds")
    if res.status != 0:
        return z
    out = np.zeros_like(z)
    out[S] = sgn * np.asarray(res.x)
    return out


def _sparse_diag(v: np.ndarray):
    import scipy.sparse as sp  # noqa: PLC0415

    return sp.diags(v)


class DenseBlock:
    """The block as an explicit (N x k) array; Gram columns computed on demand."""

    def __init__(self, B: np.ndarray, b: np.ndarray):
        self.B = B
        self.b = b
        self.k = B.shape[1]
        self.c = B.T @ b
        self.bb = float(b @ b)
        self._cols: dict[int, np.ndarray] = {}

    def col(self, j: int) -> np.ndarray:
        """``B^T B[:, j]``."""
        c = self._cols.get(j)
        if c is None:
            c = self.B.T @ self.B[:, j]
            self._cols[j] = c
        return c

    def objective(self, z: np.ndarray, lam: np.ndarray) -> float:
        """``0.5 ||b - B z||^2 + sum_j lam_j |z_j|`` from the residual itself."""
        return _objective(self.B, self.b, z, lam)

    def cd(self, z: np.ndarray, lam: np.ndarray, epochs: int) -> None:
        """Cyclic coordinate descent epochs on every column, in place."""
        L = np.einsum("ij,ij->j", self.B, self.B)
        R = self.b - self.B @ z
        _cd.cd_squared(self.B, R, z, L, np.ascontiguousarray(lam), epochs)

    def crossover(self, z: np.ndarray) -> np.ndarray:
        """A basic solution with the fit of ``z`` and no larger l1 norm (:func:`basic_solution`
        on the block's columns)."""
        S = np.flatnonzero(z)
        return z if S.shape[0] <= 1 else basic_solution(self.B[:, S], z, S)

    def qp(self, lam: float) -> np.ndarray | None:
        """The subproblem by an interior-point QP (least-squares form)."""
        return qp_subproblem(self.k, lambda cp, z: 0.5 * cp.sum_squares(self.b - self.B @ z),
                             lam)


class FreeBlock:
    """The block through matrix-free products: ``B = diag(sqrt(w)) (A_ws - 1 m^T)`` with the
    weighted column means m (``bias``), ``b = sqrt(w) (y - ybar)``, never formed."""

    def __init__(self, batch, wu: np.ndarray, target: np.ndarray, bias: bool):
        """``batch``: the working set's features (``grid_matvec`` / ``grid_rmatvec`` at the
        distinct points); ``wu``: weights there; ``target``: ``y - ybar`` there."""
        self.batch = batch
        self.wu = wu
        self.bias = bias
        self.k = batch.n_features
        self.target = target
        # B^T b = A^T W (y - ybar): the centering drops out since sum_i w_i (y_i - ybar) = 0
        self.c = batch.grid_rmatvec(wu * target)
        self.bb = float(wu @ (target * target))
        self._cols: dict[int, np.ndarray] = {}

    def _centered_fit(self, z: np.ndarray) -> np.ndarray:
        f = self.batch.grid_matvec(z)
        if self.bias:
            f = f - float(self.wu @ f) / float(self.wu.sum())
        return f

    def col(self, j: int) -> np.ndarray:
        """``B^T B[:, j] = A_ws^T W (a_j - m_j)``: two matrix-free products, O(N + nnz)."""
        c = self._cols.get(j)
        if c is None:
            e = np.zeros(self.k)
            e[j] = 1.0
            c = self.batch.grid_rmatvec(self.wu * self._centered_fit(e))
            self._cols[j] = c
        return c

    def objective(self, z: np.ndarray, lam: np.ndarray) -> float:
        r = self.target - self._centered_fit(z)
        return 0.5 * float(self.wu @ (r * r)) + float(lam @ np.abs(z))

    def cd(self, z: np.ndarray, lam: np.ndarray, epochs: int) -> None:
        """Coordinate descent on the support and the features violating their KKT condition
        (Gram columns only for those: the other coordinates stay at zero, which is where CD
        would leave them), in place."""
        g = self.c - self._gram_times(z)
        idx = np.flatnonzero((z != 0) | (np.abs(g) > lam))
        G = np.column_stack([self.col(int(j)) for j in idx]) if idx.size else \
            np.zeros((self.k, 0))
        _cd.cd_gram(G, idx, g, z, np.ascontiguousarray(lam), epochs)

    def _gram_times(self, z: np.ndarray) -> np.ndarray:
        """``B^T B z`` matrix-free."""
        return self.batch.grid_rmatvec(self.wu * self._centered_fit(z))

    def crossover(self, z: np.ndarray) -> np.ndarray:
        """:func:`basic_solution` without the columns: the fit at the distinct points is the
        basis matrix (invertible on the grid) times the grid coefficients ``G z``, so equal
        fits are equal ``G z`` (but for the constant row when the bias absorbs constants), a
        sparse system over the rows the support's kinks touch."""
        import scipy.sparse as sp  # noqa: PLC0415

        S = np.flatnonzero(z)
        if S.shape[0] <= 1:
            return z
        sub = self.batch.subset(S)
        counts = np.diff(sub.grid_ptr)
        cols = np.repeat(np.arange(S.shape[0]), counts)
        G = sp.csr_matrix((sub.grid_val, (sub.grid_row, cols)),
                          shape=(self.batch.x_unique.shape[0], S.shape[0]))
        rows = np.unique(sub.grid_row)
        if self.bias:
            rows = rows[rows != 0]
        if rows.shape[0] == 0:
            return z
        return basic_solution(G[rows], z, S)

    def qp(self, lam: float) -> np.ndarray | None:
        """The subproblem by an interior-point QP on the Gram matrix (k matrix-free columns)."""
        G = np.column_stack([self.col(j) for j in range(self.k)]) if self.k else \
            np.zeros((0, 0))
        G = 0.5 * (G + G.T)
        return qp_subproblem(self.k, lambda cp, z: 0.5 * cp.quad_form(z, cp.psd_wrap(G))
                             - self.c @ z, lam)


__all__ = ["DENSE_BLOCK_BYTES", "DenseBlock", "FreeBlock", "qp_subproblem"]
