"""3-layer symmetrized units (Theorems 3.5, 3.13; Figure B.1):
``sigma(w21 sigma(w11 (x - x_j1)) + w22 sigma(w12 (x - x_j2)) + b2)`` with W1, W2 in {+-1}^2 and
a data feature bias (b2 vanishes the second-layer pre-activation at x_j3).

The two first-layer neurons are interchangeable, so one ordering of each pair is enumerated:
code (j1, j2, j3, sign bits of w11, w12, w21, w22) is a unit only when neuron 1's key
``(j1, w11, w21)`` is at most neuron 2's.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..activations import Activation
from ..kinks import vertex as vx
from ..units import Unit
from .base import Family, radix_code

KIND = 4


@njit(cache=True)
def decode(L, n, signed, cid, signs, idx):
    r = cid
    j1 = r % n
    r //= n
    j2 = r % n
    r //= n
    j3 = r % n
    r //= n
    for a in range(4):
        signs[a] = 1 if (r >> a) & 1 == 0 else -1
    k1 = j1 * 4 + (0 if signs[0] > 0 else 1) * 2 + (0 if signs[2] > 0 else 1)
    k2 = j2 * 4 + (0 if signs[1] > 0 else 1) * 2 + (0 if signs[3] > 0 else 1)
    if k1 > k2:
        return False
    idx[0] = j1
    idx[1] = j2
    idx[2] = j3
    return True


@njit(cache=True)
def build(L, signs, idx, u, am, ap, eps_val, T, V, P, TC, VC, Q, oseg, tmp, xs):
    """Two first-layer ramps, their signed sum, then the anchored second layer."""
    S = TC.shape[2]
    for s in range(S):
        xs[s] = u[idx[s]]
    e = tmp[0]
    for s in range(S):
        e[s] = 0.0
    e[0] = 1.0
    K1 = vx.first_layer(e, signs[0], am, ap, T[0], TC[0], V[0], VC[0], P[0], xs)
    e[0] = 0.0
    e[1] = 1.0
    K2 = vx.first_layer(e, signs[1], am, ap, T[1], TC[1], V[1], VC[1], P[1], xs)
    K3 = vx.add(K1, T[0], TC[0], V[0], VC[0], P[0], float(signs[2]),
                K2, T[1], TC[1], V[1], VC[1], P[1], float(signs[3]), eps_val,
                T[2], TC[2], V[2], VC[2], P[2], tmp)
    for s in range(S):
        e[s] = 0.0
    e[2] = 1.0
    cc = tmp[1]
    c = vx.value_at(K3, T[2], TC[2], V[2], VC[2], P[2], xs[2], e, cc)
    K = vx.layer(K3, T[2], TC[2], V[2], VC[2], P[2], c, cc, np.int64(1), am, ap, eps_val, xs,
                 T[3], TC[3], V[3], VC[3], P[3], Q, oseg)
    return K, 3


def count(L: int, n: int, signed: bool) -> int:
    return 16 * n * n * n


def canonical_order(idx, signs):
    """Put the two first-layer neurons in the enumerated order (rows of ``idx`` (j1, j2, j3)
    and ``signs`` (w11, w12, w21, w22)); returns new arrays."""
    idx = np.array(np.atleast_2d(idx), dtype=np.int64)
    signs = np.array(np.atleast_2d(signs), dtype=np.int64)
    k1 = idx[:, 0] * 4 + (signs[:, 0] < 0) * 2 + (signs[:, 2] < 0)
    k2 = idx[:, 1] * 4 + (signs[:, 1] < 0) * 2 + (signs[:, 3] < 0)
    swap = k1 > k2
    idx[swap, 0], idx[swap, 1] = idx[swap, 1].copy(), idx[swap, 0].copy()
    signs[swap] = signs[swap][:, [1, 0, 3, 2]]
    return idx, signs


def encode(L: int, n: int, signed: bool, idx, signs) -> np.ndarray:
    idx, signs = canonical_order(idx, signs)
    return radix_code(n, idx[:, :3], signs[:, :4] < 0)


def unit(act: Activation, L: int, signs, slots, u) -> Unit:
    W1 = np.array([[float(signs[0]), float(signs[1])]])
    b1 = -W1[0] * u[slots[:2]]
    W2 = np.array([[float(signs[2])], [float(signs[3])]])
    h = act(u[slots[2]] * W1[0] + b1)
    b2 = -(h @ W2)
    return Unit(act, [W1, W2], [b1, b2])


FAMILY = Family(KIND, "symmetrized", "symmetrized", "symmetrized", False, lambda L: 3,
                lambda L: 4, count, encode, unit, lambda L: vx.workspace_size(3, True))
