"""Closed forms of Appendix C and the dictionary inverses of Appendix D.5 (2-layer networks).

Conventions of the paper: the training points are ordered decreasingly, x_1 > x_2 > ... > x_N;
every function here sorts its input that way and returns vectors in that order (``order`` maps
back: ``x_sorted = x[order]``).  The 2-layer dictionaries (Corollary 3.15, Remark D.24):

* abs: ``A_ij = |x_i - x_j|``;  sign: ``A_ij = sign(x_i - x_j)`` with sign(0) = 1;
* threshold: ``(A_+)_ij = 1{x_i >= x_j}``;
* relu: ``(A_+)_ij = (x_i - x_j)_+`` and ``(A_-)_ij = (x_j - x_i)_+``.

The minimum-norm problem (C.1) is ``min ||z||_1 s.t. A z + xi 1 = y``; the paper drops xi for
sign and threshold networks (``bias=False`` here, its convention), where the constant column
of the last point plays the role of the bias.  Corrections to the paper (numbers decide,
docs/errata.md): E8 (Proposition C.4's index), E9 (Lemma C.6 ignores the A_- features),
E10 (the matrix E_- of Lemma D.28).
"""

from __future__ import annotations

import numpy as np


def _sorted(x) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(x, dtype=float).ravel()
    if x.shape[0] < 2 or not np.all(np.isfinite(x)):
        raise ValueError("x must hold at least 2 finite points")
    order = np.argsort(-x, kind="stable")
    xs = x[order]
    if np.any(np.diff(xs) == 0):
        raise ValueError("the closed forms need distinct points x")
    return xs, order


def _xy(x, y) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    xs, order = _sorted(x)
    y = np.asarray(y, dtype=float).ravel()
    if y.shape != (xs.shape[0],) or not np.all(np.isfinite(y)):
        raise ValueError(f"y must hold {xs.shape[0]} finite values, one per point")
    return xs, y[order], order


def paper_matrix(x, activation: str) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """The paper's 2-layer dictionary on the decreasingly sorted points (relu: (A_+, A_-))."""
    xs, _ = _sorted(x)
    diff = xs[:, None] - xs[None, :]
    if activation == "abs":
        return np.abs(diff)
    if activation == "sign":
        return np.where(diff >= 0, 1.0, -1.0)
    if activation == "threshold":
        return (diff >= 0).astype(float)
    if activation == "relu":
        return np.maximum(diff, 0.0), np.maximum(-diff, 0.0)
    raise ValueError(f"activation must be abs, sign, threshold or relu, got {activation!r}")


def delta_block(n: int, corner: float, last_row: np.ndarray) -> np.ndarray:
    """[[Delta | (0, ..., 0, corner)^T], [last_row]]: the N x N pattern of Appendix D.5."""
    M = np.zeros((n, n))
    M[:n - 1, :n - 1] = np.eye(n - 1) - np.eye(n - 1, k=1)
    M[n - 2, n - 1] = corner
    M[n - 1] = last_row
    return M


def point_gaps(xs: np.ndarray) -> np.ndarray:
    """D of Appendix D.5: 1 / (x_i - x_{i+1}), and 1 / (x_1 - x_N) last."""
    return np.concatenate([1.0 / (xs[:-1] - xs[1:]), [1.0 / (xs[0] - xs[-1])]])


def inverse_sign(x) -> np.ndarray:
    """Lemma D.25: ``A^{-1} = 1/2 [[Delta | -e_{N-1}], [1, 0, ..., 0, 1]]`` (sign network)."""
    xs, _ = _sorted(x)
    n = xs.shape[0]
    last = np.zeros(n)
    last[[0, -1]] = 1.0
    return 0.5 * delta_block(n, -1.0, last)


def inverse_threshold(x) -> np.ndarray:
    """Lemma D.27: ``A_+^{-1} = [[Delta | -e_{N-1}], [0, ..., 0, 1]]`` (threshold network)."""
    xs, _ = _sorted(x)
    n = xs.shape[0]
    last = np.zeros(n)
    last[-1] = 1.0
    return delta_block(n, -1.0, last)


def inverse_abs(x) -> np.ndarray:
    """Lemma D.26: ``A^{-1} = 1/2 P E D E`` (abs network), E = [[Delta | -e_{N-1}],
    [-1, 0, ..., 0, -1]], D = diag(1/(x_i - x_{i+1}), 1/(x_1 - x_N)) and P the cyclic
    permutation that moves the last row first (the proof: 1/2 E D E A = [[0 | I], [1 | 0]])."""
    xs, _ = _sorted(x)
    n = xs.shape[0]
    last = np.zeros(n)
    last[[0, -1]] = -1.0
    E = delta_block(n, -1.0, last)
    core = 0.5 * E @ (point_gaps(xs)[:, None] * E)
    return np.roll(core, 1, axis=0)


def inverse_relu(x) -> np.ndarray:
    """Lemma D.28 (corrected, erratum E10): the inverse of ``[(A_+)_{:, 2:N}, (A_-)_{:, 1}]``
    is ``E_+ D E_-`` with E_+ = [[Delta | e_{N-1}], [0, ..., 0, 1]] and
    E_- = [[Delta | -e_{N-1}], [0, ..., 0, +1]] (the paper prints -1 in E_-'s last entry)."""
    xs, _ = _sorted(x)
    n = xs.shape[0]
    last = np.zeros(n)
    last[-1] = 1.0
    Ep = delta_block(n, 1.0, last)
    Em = delta_block(n, -1.0, last)
    return Ep @ (point_gaps(xs)[:, None] * Em)


def min_norm_abs(x, y) -> dict:
    """Proposition C.2: the solution set of (C.1) for the 2-layer abs network is the segment
    ``{z* + t sign(z*_1) (e_1 + e_N)}`` between the solution with ``z_1 = 0`` and the one with
    ``z_N = 0`` (``A (e_1 + e_N) = (x_1 - x_N) 1`` trades the two end units against xi).

    Returns ``value`` (the optimal ||z||_1) and ``endpoints``: two (z, xi) pairs."""
    xs, ys, order = _xy(x, y)
    z0 = inverse_abs(xs) @ ys  # the interpolant with xi = 0
    width = xs[0] - xs[-1]
    ends = []
    for t in (-z0[0], -z0[-1]):  # z = z0 + t (e_1 + e_N), xi = -t (x_1 - x_N)
        z = z0.copy()
        z[[0, -1]] += t
        ends.append((z, -t * width))
    return {"value": float(np.abs(ends[0][0]).sum()), "endpoints": ends, "order": order}


def min_norm_sign(x, y, bias: bool = False) -> dict:
    """Proposition C.3: the sign network's dictionary is invertible; the (C.1) solution is
    ``z = A^{-1} y`` (no bias, the paper's convention).  With a free bias, ``A^{-1} 1 = e_N``
    (the last column is constant), so ``xi = (A^{-1} y)_N`` and ``z_N = 0``."""
    xs, ys, order = _xy(x, y)
    z = inverse_sign(xs) @ ys
    xi = 0.0
    if bias:
        xi, z[-1] = float(z[-1]), 0.0
    return {"value": float(np.abs(z).sum()), "z": z, "xi": xi, "order": order}


def min_norm_threshold(x, y, bias: bool = False) -> dict:
    """Proposition C.4 (corrected, erratum E8): for ``y_1 >= ... >= y_N >= 0`` the unique (C.1)
    solution of the threshold network is ``z_n = y_n - y_{n+1}`` (n < N), ``z_N = y_N`` over
    A_+ and ``z_- = 0`` (the paper prints ``y_n - y_{n-1}``); its norm is ``y_1``.  With a free
    bias the constant column e_N moves into xi: ``xi = y_N``, norm ``y_1 - y_N``."""
    xs, ys, order = _xy(x, y)
    if np.any(np.diff(ys) > 0) or ys[-1] < 0:
        raise ValueError("Proposition C.4 needs y_1 >= ... >= y_N >= 0 in the order of "
                         "decreasing x")
    z = np.append(ys[:-1] - ys[1:], ys[-1])
    xi = 0.0
    if bias:
        xi, z[-1] = float(ys[-1]), 0.0
    return {"value": float(np.abs(z).sum()), "z_plus": z, "z_minus": np.zeros_like(z),
            "xi": xi, "order": order}


def slopes(x, y) -> np.ndarray:
    """mu_n = (y_n - y_{n+1}) / (x_n - x_{n+1}), n = 1..N-1 (decreasing x; the paper's mu_N = 0
    is not included)."""
    xs, ys, _ = _xy(x, y)
    return (ys[:-1] - ys[1:]) / (xs[:-1] - xs[1:])


def min_norm_lower_bound(x, y) -> float:
    """Lemma C.5: (C.1) for deep narrow relu or abs networks has value >= max_n |mu_n|."""
    return float(np.abs(slopes(x, y)).max())


def min_norm_relu(x, y) -> dict:
    """The (C.1) optimum of the 2-layer relu network over ``[A_+, A_-]`` (Lemma C.6 corrected,
    erratum E9).

    In increasing order u_1 < ... < u_N with segment slopes m_k and interior slope jumps
    ``J_k = m_k - m_{k-1}`` (k = 2..N-1), the optimum is
    ``sum_k |J_k| + dist(-m_1, [sum_k min(J_k, 0), sum_k max(J_k, 0)])``: a ReLU^- unit at an
    interior point bends the function like a ReLU^+ unit but also moves the leftmost slope,
    which the A_+ units alone must pay for.  Lemma C.6's value ``sum_n |mu_n - mu_{n+1}|``
    (mu_N = 0) is the optimum over A_+ alone and an upper bound.

    Returns ``value``, ``value_plus_only`` (Lemma C.6) and an optimal (a, b, xi): coefficients
    of (x - u_j)_+ and (u_j - x)_+ in increasing order ``u = sorted(x)``.
    """
    xs, ys, order = _xy(x, y)
    u, v = xs[::-1], ys[::-1]
    m = np.diff(v) / np.diff(u)
    J = np.diff(m)  # jumps at u_2 .. u_{N-1}
    lo, hi = float(np.minimum(J, 0).sum()), float(np.maximum(J, 0).sum())
    target = float(np.clip(-m[0], lo, hi))  # the interior ReLU^- units' total
    n = u.shape[0]
    a, b = np.zeros(n), np.zeros(n)
    # split each jump: b_k in [min(0, J_k), max(0, J_k)] summing to `target`
    share = np.zeros_like(J)
    if target > 0:
        share = np.maximum(J, 0) * (target / hi)
    elif target < 0:
        share = np.minimum(J, 0) * (target / lo)
    b[1:n - 1] = share
    a[1:n - 1] = J - share
    b[n - 1] = -m[0] - target  # the rest of the leftmost slope: the unit at u_N
    a[0] = m[0] + b.sum()  # the slope left of u_2 is a_1 - sum(b) = m_1 (here a_1 = 0)
    # at u_1 every ReLU^+ unit vanishes and (u_j - u_1)_+ = u_j - u_1
    xi = float(v[0] - b @ (u - u[0]))
    mu = slopes(x, y)
    plus_only = float(np.abs(np.diff(np.append(mu, 0.0))).sum())
    return {"value": float(np.abs(a).sum() + np.abs(b).sum()), "value_plus_only": plus_only,
            "a": a, "b": b, "xi": xi, "u": u}


__all__ = ["inverse_abs", "inverse_relu", "inverse_sign", "inverse_threshold", "min_norm_abs",
           "min_norm_lower_bound", "min_norm_relu", "min_norm_sign", "min_norm_threshold",
           "paper_matrix", "slopes"]
