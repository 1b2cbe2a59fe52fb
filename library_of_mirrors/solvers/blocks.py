"""Working-set blocks of weighted least-squares Lasso subproblems, seen through their Gram matrix.

A restricted problem ``min_z 0.5 ||b - B z||^2 + sum_j lam_j |z_j|`` (``B``: the working set's
columns, weighted and centered for a free bias) is seen only through what the active-set
solver (:mod:`.active_set`) needs: ``c = B^T b``, ``b^T b``, Gram columns ``B^T B e_j``
(computed when a feature enters), the objective from the exact residual, coordinate-descent
epochs, an interior-point QP and a crossover to a vertex of the QP's optimal face.

* :class:`DenseBlock` holds ``B`` (N x k floats): BLAS for small problems.
* :class:`FreeBlock` never forms ``B``: a Gram column is one matrix-free product ``A e_j`` and
  one ``A^T q`` through the kink forms' grid (O(N + nnz)); memory O(N + k^2).
* :class:`AugmentedBlock` adds one identity column per chosen sample to a point block: the
  Huber loss is the squared loss with a free, l1-penalized shift per sample (its Moreau
  envelope form), so its restricted problem is solved by the same exact method.

:func:`point_block` builds the dense or matrix-free block of ``min 0.5 sum_p w_p (t_p - (A z)_p
- xi)^2`` at the distinct inputs.
"""

from __future__ import annotations

import warnings

import numpy as np

from . import cd as _cdk

#: working-set blocks above this many bytes (8 N k) are handled matrix-free: measured, the
#: matrix-free block is as fast from about a million entries on and 2-3x faster at N = 10^5 to
#: 10^6 (no N x k evaluation and copy per working set); below, dense BLAS wins crawling cases
DENSE_BLOCK_BYTES = 8 * 1024**2


def qp_subproblem(k: int, smooth, lam) -> np.ndarray | None:
    """min smooth(z) + sum_j lam_j |z_j| over ``k`` coefficients by cvxpy + Clarabel, for the
    smooth part given as a cvxpy expression builder; None if the interior point method fails
    (the caller keeps its active-set iterate)."""
    import cvxpy as cp  # noqa: PLC0415

    z = cp.Variable(k)
    lam = np.broadcast_to(np.asarray(lam, dtype=float), (k,))
    prob = cp.Problem(cp.Minimize(smooth(cp, z) + cp.norm1(cp.multiply(lam, z))))
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


def basic_solution(M, z: np.ndarray, S: np.ndarray, rtol: float = 1e-11) -> np.ndarray:
    """Crossover: a point with the fit ``M z_S`` of ``z``, no larger l1 norm and at most
    rank(M) nonzeros inside the support S, found by moving along null directions of ``M``
    (``M`` dense or scipy sparse, one column per support entry).

    The null space of ``M`` (singular values below ``rtol`` times the largest) is computed once;
    each step moves along a null vector, signed so that the l1 norm does not grow (it is linear
    while no coefficient changes sign), until a coefficient reaches zero, then eliminates that
    coordinate from the null basis (Gaussian elimination with the largest pivot): at most
    ``|S| - rank`` steps of O(|S| m).  An interior point of a QP lies inside its optimal face;
    its vertex keeps the next working sets small."""
    if not isinstance(M, np.ndarray):
        M = M.toarray()
    zS = z[S].astype(float).copy()
    if M.shape[0] == 0:
        return z
    # the whole right basis (|S| x |S|) without the left one: full matrices only when M is
    # wide (a tall M would build an N x N matrix: 1.5 GB and 4 s at N = 1e4)
    _, sv, vt = np.linalg.svd(M, full_matrices=M.shape[0] < M.shape[1])
    rank = int(np.sum(sv > rtol * sv[0])) if sv.size and sv[0] > 0 else 0
    N = vt[rank:].T.copy()  # |S| x m, a basis of the (numerical) null space
    alive = np.ones(zS.shape[0], dtype=bool)
    while N.shape[1] > 0:
        v = N[:, 0]
        if float(np.sign(zS) @ v) > 0:
            v = -v
        with np.errstate(divide="ignore", invalid="ignore"):
            steps = np.where(alive & (zS * v < 0), -zS / v, np.inf)
        k = int(np.argmin(steps))
        t = float(steps[k])
        if not np.isfinite(t):  # no coefficient decreases in magnitude: drop this direction
            N = N[:, 1:]
            continue
        zS += t * v
        zS[k] = 0.0
        alive[k] = False
        # eliminate coordinate k from the null basis: the remaining directions keep it zero
        col = int(np.argmax(np.abs(N[k])))
        piv = N[:, col].copy()
        if abs(piv[k]) <= 0.0:
            N = N[:, 1:]
            continue
        N = np.delete(N, col, axis=1)
        N -= np.outer(piv, N[k] / piv[k])
        N[k] = 0.0
    out = np.zeros_like(z)
    out[S] = zS
    return out


#: the largest block whose Gram columns are kept in one (k, k) array (8 k^2 bytes: 128 MiB)
DENSE_GRAM_MAX = 4096


class GramBlock:
    """What every block offers on top of ``k``, ``c``, ``bb``, ``col(j)``, ``objective`` and
    ``exact`` (the residual's squared norm and correlations, from the residual itself): Gram
    coordinate descent, the Gram QP, and no crossover."""

    k: int
    c: np.ndarray
    bb: float

    def col(self, j: int) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def cols(self, S: np.ndarray) -> np.ndarray:
        """``B^T B[:, S]``, shape (k, |S|)."""
        return np.column_stack([self.col(int(j)) for j in S]) if S.shape[0] else \
            np.zeros((self.k, 0))

    def objective(self, z: np.ndarray, lam: np.ndarray) -> float:  # pragma: no cover
        raise NotImplementedError

    def gram_times(self, z: np.ndarray) -> np.ndarray:
        S = np.flatnonzero(z)
        out = np.zeros(self.k)
        for j in S:
            out += self.col(int(j)) * z[j]
        return out

    def cd(self, z: np.ndarray, lam: np.ndarray, epochs: int) -> None:
        """Coordinate descent on the support and the features violating their KKT condition
        (Gram columns only for those: the other coordinates stay at zero, which is where CD
        would leave them), in place."""
        g = self.c - self.gram_times(z)
        idx = np.flatnonzero((z != 0) | (np.abs(g) > lam))
        G = np.column_stack([self.col(int(j)) for j in idx]) if idx.size else \
            np.zeros((self.k, 0))
        _cdk.cd_gram(G, idx, g, z, np.ascontiguousarray(lam, dtype=float), epochs)

    def gram(self) -> np.ndarray:
        G = np.column_stack([self.col(j) for j in range(self.k)]) if self.k else \
            np.zeros((0, 0))
        return 0.5 * (G + G.T)

    def qp(self, lam) -> np.ndarray | None:
        """The subproblem by an interior-point QP on the Gram matrix."""
        import cvxpy as cp  # noqa: PLC0415

        G = self.gram()
        return qp_subproblem(self.k, lambda _cp, z: 0.5 * cp.quad_form(z, cp.psd_wrap(G))
                             - self.c @ z, lam)

    def crossover(self, z: np.ndarray) -> np.ndarray:
        return z


class DenseBlock(GramBlock):
    """The block as an explicit (N x k) array; Gram columns computed on demand."""

    def __init__(self, B: np.ndarray, b: np.ndarray):
        self.B = B
        self.b = b
        self.n_points = B.shape[0]
        self.k = B.shape[1]
        self.c = B.T @ b
        self.bb = float(b @ b)
        self._cols: dict[int, np.ndarray] = {}
        # the Gram columns computed so far, as one (k, k) array when that is small (then a
        # support's columns are one slice, not a stack of |S| vectors per Newton step)
        self._G = np.empty((self.k, self.k)) if self.k <= DENSE_GRAM_MAX else None
        self._have = np.zeros(self.k, dtype=bool)

    def col(self, j: int) -> np.ndarray:
        """``B^T B[:, j]``."""
        if self._G is not None:
            if not self._have[j]:
                self._G[:, j] = self.B.T @ self.B[:, j]
                self._have[j] = True
            return self._G[:, j]
        c = self._cols.get(j)
        if c is None:
            c = self.B.T @ self.B[:, j]
            self._cols[j] = c
        return c

    def cols(self, S: np.ndarray) -> np.ndarray:
        if self._G is None:
            return super().cols(S)
        for j in S[~self._have[S]]:
            self.col(int(j))
        return self._G[:, S]

    def objective(self, z: np.ndarray, lam: np.ndarray) -> float:
        """``0.5 ||b - B z||^2 + sum_j lam_j |z_j|`` from the residual itself."""
        R = self.b - self.B @ z
        return 0.5 * float(R @ R) + float(np.broadcast_to(lam, z.shape) @ np.abs(z))

    def exact(self, z: np.ndarray) -> tuple[float, np.ndarray]:
        """``(R^T R, B^T R)`` from the residual ``R = b - B z`` itself (accurate where the Gram
        form ``c - G z`` cancels)."""
        R = self.b - self.B @ z
        return float(R @ R), self.B.T @ R

    def cd(self, z: np.ndarray, lam: np.ndarray, epochs: int) -> None:
        """Cyclic coordinate descent epochs on every column, in place."""
        L = np.einsum("ij,ij->j", self.B, self.B)
        R = self.b - self.B @ z
        _cdk.cd_squared(self.B, R, z, L, np.ascontiguousarray(
            np.broadcast_to(lam, z.shape), dtype=float), epochs)

    def crossover(self, z: np.ndarray) -> np.ndarray:
        """A basic solution with the fit of ``z`` and no larger l1 norm (:func:`basic_solution`
        on the block's columns)."""
        S = np.flatnonzero(z)
        return z if S.shape[0] <= 1 else basic_solution(self.B[:, S], z, S)

    def qp(self, lam) -> np.ndarray | None:
        """The subproblem by an interior-point QP (least-squares form)."""
        return qp_subproblem(self.k, lambda cp, z: 0.5 * cp.sum_squares(self.b - self.B @ z),
                             lam)

    def values(self, j: int, sw: np.ndarray) -> np.ndarray:
        """Column j of the centered, unweighted block at the points (``sw`` = sqrt weights)."""
        return np.divide(self.B[:, j], sw, out=np.zeros(self.B.shape[0]), where=sw > 0)


class FreeBlock(GramBlock):
    """The block through matrix-free products: ``B = diag(sqrt(w)) (A_ws - 1 m^T)`` with the
    weighted column means m (``bias``), ``b = sqrt(w) target``, never formed."""

    def __init__(self, batch, wu: np.ndarray, target: np.ndarray, bias: bool):
        """``batch``: the working set's features (``grid_matvec`` / ``grid_rmatvec`` at the
        distinct points); ``wu``: weights there; ``target``: the (centered) target there."""
        self.batch = batch
        self.wu = wu
        self.bias = bias
        self.n_points = wu.shape[0]
        self.k = batch.n_features
        self.target = target
        # B^T b = A^T W target: the centering drops out since sum_i w_i target_i = 0
        self.c = batch.grid_rmatvec(wu * target)
        self.bb = float(wu @ (target * target))
        self._cols: dict[int, np.ndarray] = {}
        self._vals: dict[int, np.ndarray] = {}

    def centered_fit(self, z: np.ndarray) -> np.ndarray:
        f = self.batch.grid_matvec(z)
        if self.bias:
            f = f - float(self.wu @ f) / float(self.wu.sum())
        return f

    def col(self, j: int) -> np.ndarray:
        """``B^T B[:, j] = A_ws^T W (a_j - m_j)``: two matrix-free products, O(N + nnz)."""
        c = self._cols.get(j)
        if c is None:
            c = self.batch.grid_rmatvec(self.wu * self.values(j))
            self._cols[j] = c
        return c

    def values(self, j: int, sw=None) -> np.ndarray:
        """Column j centered (unweighted) at the points."""
        v = self._vals.get(j)
        if v is None:
            e = np.zeros(self.k)
            e[j] = 1.0
            v = self._vals[j] = self.centered_fit(e)
        return v

    def objective(self, z: np.ndarray, lam: np.ndarray) -> float:
        r = self.target - self.centered_fit(z)
        return 0.5 * float(self.wu @ (r * r)) + float(np.broadcast_to(lam, z.shape) @ np.abs(z))

    def exact(self, z: np.ndarray) -> tuple[float, np.ndarray]:
        r = self.target - self.centered_fit(z)
        return float(self.wu @ (r * r)), self.batch.grid_rmatvec(self.wu * r)

    def gram_times(self, z: np.ndarray) -> np.ndarray:
        """``B^T B z`` matrix-free."""
        return self.batch.grid_rmatvec(self.wu * self.centered_fit(z))

    def crossover(self, z: np.ndarray) -> np.ndarray:
        """:func:`basic_solution` without the columns: the fit at the distinct points is a fixed
        invertible map of the grid coefficients ``G z`` (equal ``G z``, equal fits; the constant
        row is free when the bias absorbs constants), a sparse system over the rows the
        support's kinks touch."""
        S = np.flatnonzero(z)
        if S.shape[0] <= 1:
            return z
        G = self.batch.subset(S).grid_matrix().tocsr()
        rows = np.unique(G.nonzero()[0])
        if self.bias:
            rows = rows[rows != 0]
        if rows.shape[0] == 0:
            return z
        return basic_solution(G[rows], z, S)


def point_block(source, wp: np.ndarray, tp: np.ndarray, bias: bool,
                dense_bytes: int | None = None):
    """The block of ``min 0.5 sum_p wp_p (tp_p - (A z)_p - xi)^2`` over the working set
    ``source`` (a feature batch), xi eliminated by weighted centering when ``bias``: dense while
    ``8 N k`` fits ``dense_bytes`` (default :data:`DENSE_BLOCK_BYTES`), else matrix-free.
    Returns (block, tbar), tbar the weighted mean of ``tp`` (0 without bias)."""
    if dense_bytes is None:
        dense_bytes = DENSE_BLOCK_BYTES
    W = float(wp.sum())
    tbar = (float(wp @ tp) / W if W > 0 else 0.0) if bias else 0.0
    target = tp - tbar
    n, k = wp.shape[0], source.n_features
    if 8 * n * k > dense_bytes:
        return FreeBlock(source, wp, target, bias), tbar
    A = source.grid_columns()
    if bias and W > 0:
        A -= (wp @ A) / W
    sw = np.sqrt(wp)
    block = DenseBlock(np.asfortranarray(A * sw[:, None]), sw * target)
    block.sw = sw
    return block, tbar


class AugmentedBlock(GramBlock):
    """A point block (``base``, built from the per-point sums of sample weights and targets)
    plus one identity column per chosen sample: the rows are samples with weights ``w``
    (distinct input ``point``), centered targets ``yc`` (minus their weighted mean when
    ``bias``).  Column ``base.k + s`` is ``e_i`` (``i = samples[s]``), centered like the others;
    its coefficient is the sample's shift of the Huber envelope."""

    def __init__(self, base, w: np.ndarray, yc: np.ndarray, point: np.ndarray,
                 samples: np.ndarray, bias: bool):
        self.base = base
        self.w = w
        self.point = point
        self.samples = np.asarray(samples, dtype=np.int64)
        self.bias = bias
        self.W = float(w.sum())
        ybar = float(w @ yc) / self.W if bias else 0.0
        self.t = yc - ybar
        self.kA = base.k
        self.k = base.k + self.samples.shape[0]
        ws = w[self.samples]
        self.c = np.concatenate([base.c, ws * self.t[self.samples]])
        self.bb = float(w @ (self.t * self.t))
        self._cols: dict[int, np.ndarray] = {}
        self._sw = getattr(base, "sw", None)

    def _values(self, j: int) -> np.ndarray:
        return self.base.values(j, self._sw)

    def _rows(self) -> np.ndarray:
        """Every A column (centered) at the chosen samples' points: (m, kA)."""
        if not hasattr(self, "_atS"):
            pts = self.point[self.samples]
            self._atS = np.column_stack([self._values(j)[pts] for j in range(self.kA)]) \
                if self.kA else np.zeros((pts.shape[0], 0))
        return self._atS

    def col(self, j: int) -> np.ndarray:
        c = self._cols.get(j)
        if c is not None:
            return c
        ws = self.w[self.samples]
        if j < self.kA:
            cross = ws * self._values(j)[self.point[self.samples]]
            c = np.concatenate([self.base.col(j), cross])
        else:
            s = j - self.kA
            i = self.samples[s]
            cross = self.w[i] * self._rows()[s]
            ident = np.zeros(self.samples.shape[0])
            ident[s] = self.w[i]
            if self.bias:
                ident -= self.w[i] * ws / self.W
            c = np.concatenate([cross, ident])
        self._cols[j] = c
        return c

    def residual(self, z: np.ndarray) -> np.ndarray:
        """Centered residual at the samples."""
        zA, zE = z[:self.kA], z[self.kA:]
        fit = np.zeros(self.point.shape[0])
        for j in np.flatnonzero(zA):
            fit += zA[j] * self._values(int(j))[self.point]
        shift = np.zeros(self.point.shape[0])
        shift[self.samples] = zE
        if self.bias:
            shift -= float(self.w[self.samples] @ zE) / self.W
        return self.t - fit - shift

    def objective(self, z: np.ndarray, lam: np.ndarray) -> float:
        r = self.residual(z)
        return 0.5 * float(self.w @ (r * r)) + float(np.broadcast_to(lam, z.shape) @ np.abs(z))

    def exact(self, z: np.ndarray) -> tuple[float, np.ndarray]:
        res = self.residual(z)
        r = self.w * res
        rp = np.bincount(self.point, weights=r, minlength=self.base.n_points)
        gA = np.array([self._values(j) @ rp for j in range(self.kA)])
        gE = r[self.samples]
        if self.bias:
            gE = gE - self.w[self.samples] * r.sum() / self.W
        return float(r @ res), np.concatenate([gA, gE])

    def crossover(self, z: np.ndarray) -> np.ndarray:
        """The base block's crossover on the A part (same fit), shifts kept."""
        out = z.copy()
        out[:self.kA] = self.base.crossover(z[:self.kA])
        return out


__all__ = ["AugmentedBlock", "DENSE_BLOCK_BYTES", "DenseBlock", "FreeBlock", "GramBlock",
           "basic_solution", "point_block", "qp_subproblem"]
