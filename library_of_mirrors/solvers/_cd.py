"""numba kernels of the working-set coordinate descent (squared and Huber data fits)."""

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
def huber_psi(r, delta, out):
    for i in range(r.shape[0]):
        v = r[i]
        out[i] = v if abs(v) <= delta else (delta if v > 0 else -delta)


@njit(cache=True)
def cd_huber(B, R, z, L, lam, w, delta, n_epochs, bias, xi_state, wsum):
    """Prox-CD epochs on sum_i w_i h(r_i) + lam ||z||_1, r = y - B z - xi (R kept in place).

    The Huber function h has h'' <= 1, so ``L[j] = sum_i w_i B_ij^2`` is a coordinate-wise
    Lipschitz constant; the free xi takes a step of 1 / sum(w) (``xi_state[0]`` holds xi).
    """
    n, k = B.shape
    for _ in range(n_epochs):
        for j in range(k):
            if L[j] <= 0.0:
                continue
            old = z[j]
            g = 0.0
            for i in range(n):
                v = R[i]
                if v > delta:
                    v = delta
                elif v < -delta:
                    v = -delta
                g += w[i] * B[i, j] * v
            new = soft(old + g / L[j], lam / L[j])
            if new != old:
                dlt = new - old
                for i in range(n):
                    R[i] -= B[i, j] * dlt
                z[j] = new
        if bias:
            g = 0.0
            for i in range(n):
                v = R[i]
                if v > delta:
                    v = delta
                elif v < -delta:
                    v = -delta
                g += w[i] * v
            step = g / wsum
            if step != 0.0:
                xi_state[0] += step
                for i in range(n):
                    R[i] -= step


def warm_up() -> None:
    """Compile the kernels outside timed regions."""
    B = np.asfortranarray(np.eye(2))
    R = np.ones(2)
    z = np.zeros(2)
    cd_squared(B, R, z, np.ones(2), np.full(2, 0.1), 1)
    cd_huber(B, np.ones(2), np.zeros(2), np.ones(2), 0.1, np.ones(2), 1.0, 1, True,
             np.zeros(1), 2.0)
    huber_psi(np.ones(2), 1.0, np.empty(2))
