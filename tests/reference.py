"""Independent brute-force references for the tests (plain numpy, no library kernels).

``deep_library`` enumerates Definition 3.10 directly: every unit with weights in {+-1} and
data / midpoint feature biases (Definition 3.9), evaluated by a forward pass (eq. (2.3)).
"""

from __future__ import annotations

import itertools

import numpy as np
from scipy.spatial import cKDTree

SLOPES = {"relu": (0.0, 1.0, 0.0, 0.0), "abs": (-1.0, 1.0, 0.0, 0.0),
          "sign": (0.0, 0.0, -1.0, 1.0), "threshold": (0.0, 0.0, 0.0, 1.0)}


def sigma(name, leaky=None):
    am, ap, bm, bp = (leaky, 1.0, 0.0, 0.0) if name == "leaky_relu" else SLOPES[name]
    return (lambda u: np.where(np.asarray(u) < 0, am * np.asarray(u) + bm,
                               ap * np.asarray(u) + bp)), am, ap


def deep_narrow_units(x, name, depth, leaky=None, midpoints="anchor"):
    """Yield functions x -> X^(L)(x) of every deep narrow unit of Definition 3.10."""
    s, am, ap = sigma(name, leaky)
    pts = np.unique(x)
    for W in itertools.product((1.0, -1.0), repeat=depth - 1):
        for J in itertools.product(range(len(pts)), repeat=depth - 1):
            def unit(z, W=W, J=J):
                b = []
                for l in range(depth - 1):
                    def fwd(v, nl=l):
                        h = np.asarray(v, dtype=float)
                        for k in range(nl):
                            h = s(W[k] * h + b[k])
                        return h
                    b.append(-W[l] * fwd(pts[J[l]]))
                return _forward(z, s, W, b)
            yield unit
    monotone = am * ap >= 0
    even = am == -ap
    # midpoint feature biases (Definition 3.9) at depth 3; deeper abs libraries hold the same
    # units padded with identity layers |X - X(x_j2)| = X (Remark 3.12)
    if depth >= 3 and not monotone and midpoints != "none" and (depth == 3 or even):
        n = len(pts)
        if midpoints == "anchor":  # first-layer midpoint paired with the second-layer anchor
            combos = [(a, b, b) for a in range(n) for b in range(n) if a != b]
        else:  # Definition 3.9 literally: any pair, any anchor
            combos = [(a, b, j) for a, b in itertools.combinations(range(n), 2) for j in range(n)]
        for W in itertools.product((1.0, -1.0), repeat=2):
            for a, b, j2 in combos:
                al, be = W[0] * pts[a], W[0] * pts[b]
                # eq. (3.1): the zero in b of sigma(b + al) - sigma(b + be) (Lemma D.10)
                b1 = -(ap * max(al, be) - am * min(al, be)) / (ap - am)
                WW = list(W) + [1.0] * (depth - 3)
                bb = [b1]
                for l in range(1, depth - 1):
                    bb.append(-WW[l] * _forward(pts[j2], s, WW[:l], bb))
                yield lambda z, W=tuple(WW), b=tuple(bb): _forward(z, s, W, b)


def symmetrized_units(x, name, leaky=None):
    s, _, _ = sigma(name, leaky)
    pts = np.unique(x)
    n = len(pts)
    for w in itertools.product((1.0, -1.0), repeat=4):
        W1 = np.array(w[:2])
        W2 = np.array(w[2:])
        for j1, j2, j3 in itertools.product(range(n), repeat=3):
            b1 = -W1 * pts[[j1, j2]]
            b2 = -(s(pts[j3] * W1 + b1) @ W2)

            def unit(z, W1=W1, W2=W2, b1=b1, b2=b2):
                z = np.asarray(z, dtype=float).reshape(-1, 1)
                return s(s(z * W1 + b1) @ W2 + b2).ravel()
            yield unit


def _forward(z, s, W, b):
    h = np.asarray(z, dtype=float)
    for w, bb in zip(W, b):
        h = s(w * h + bb)
    return h


def units(x, name, depth, architecture="deep_narrow", leaky=None, midpoints="anchor"):
    if architecture == "symmetrized":
        return symmetrized_units(x, name, leaky)
    return deep_narrow_units(x, name, depth, leaky, midpoints)


def canonical_columns(A, tol=1e-9) -> np.ndarray:
    """Distinct columns of A (rows of the result), zero columns dropped, canonical sign."""
    A = np.asarray(A, dtype=float)
    scale = max(1.0, float(np.max(np.abs(A)))) if A.size else 1.0
    cols = []
    for col in A.T:
        nz = np.flatnonzero(np.abs(col) > tol * scale)
        if nz.size:
            cols.append(col if col[nz[0]] > 0 else -col)
    if not cols:
        return np.zeros((0, A.shape[0]))
    C = np.array(cols)
    keep = []
    tree = cKDTree(C)
    taken = np.zeros(len(C), dtype=bool)
    for i in range(len(C)):
        if not taken[i]:
            keep.append(i)
            taken[tree.query_ball_point(C[i], 1e-7 * scale)] = True
    return C[keep]


def same_column_sets(A, B) -> bool:
    """True when A and B have the same columns up to sign, order, repeats and zero columns."""
    CA, CB = canonical_columns(A), canonical_columns(B)
    if len(CA) != len(CB):
        return False
    scale = max(1.0, float(np.max(np.abs(CA))) if CA.size else 1.0)
    if not len(CA):
        return True
    da, _ = cKDTree(CB).query(CA)
    db, _ = cKDTree(CA).query(CB)
    return bool(np.max(da) < 1e-7 * scale and np.max(db) < 1e-7 * scale)


def library_matrix(x, name, depth, architecture="deep_narrow", leaky=None, midpoints="anchor"):
    return np.column_stack([u(x) for u in units(x, name, depth, architecture, leaky, midpoints)])
