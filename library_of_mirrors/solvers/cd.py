"""numba kernel of coordinate descent: the fallback of the active-set subproblem solver."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def soft(v, t):
    if v > t:
        return v - t
    if v < -t:
        return v + t
    return 0.0


@njit(cache=True)
def cd_squared(B, R, z, L, lam, n_epochs):
    """Cyclic CD epochs on 0.5||b - B z||^2 + sum_j lam_j |z_j|, residual R = b - B z kept in
    place (``lam`` one penalty per column)."""
    n, k = B.shape
    for _ in range(n_epochs):
        for j in range(k):
            if L[j] <= 0.0:
                continue
            old = z[j]
            g = 0.0
            for i in range(n):
                g += B[i, j] * R[i]
            new = soft(old + g / L[j], lam[j] / L[j])
            if new != old:
                delta = new - old
                for i in range(n):
                    R[i] -= B[i, j] * delta
                z[j] = new


@njit(cache=True)
def cd_gram(G, idx, g, z, lam, n_epochs):
    """Cyclic CD epochs over the coordinates ``idx`` with the Gram columns ``G[:, a]`` of
    coordinate ``idx[a]`` (all k rows) and the gradient ``g = c - Gram z`` kept in place."""
    for _ in range(n_epochs):
        for a in range(idx.shape[0]):
            j = idx[a]
            L = G[j, a]
            if L <= 0.0:
                continue
            old = z[j]
            new = soft(old + g[j] / L, lam[j] / L)
            if new != old:
                delta = new - old
                for i in range(g.shape[0]):
                    g[i] -= G[i, a] * delta
                z[j] = new


def warm_up() -> None:
    """Compile the kernels outside timed regions."""
    B = np.asfortranarray(np.eye(2))
    R = np.ones(2)
    z = np.zeros(2)
    cd_squared(B, R, z, np.ones(2), np.full(2, 0.1), 1)
    cd_gram(np.eye(2), np.arange(2), np.ones(2), np.zeros(2), np.full(2, 0.1), 1)
