"""Deep narrow units with data feature biases at every layer (Definitions 3.9, 3.10; Theorem
3.2): ``X^(1) = sigma(w1 (x - x_j1))``, ``X^(l+1) = sigma(w_l (X^(l) - X^(l)(x_j(l+1))))``.

Code: the L - 1 anchor indices (j1 first), then the L - 1 sign bits (bit l set: w_(l+1) = -1);
without signs for even activations (abs), where they do not change the column.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..activations import Activation
from ..kinks import vertex as vx
from ..units import Unit, anchored_chain
from .base import Family, radix_code

KIND = 0


@njit(cache=True)
def decode(L, n, signed, cid, signs, idx):
    """Anchor indices and signs of code ``cid``; always a unit (True)."""
    r = cid
    for a in range(L - 1):
        idx[a] = r % n
        r //= n
    for a in range(signs.shape[0]):
        signs[a] = 1
    if signed:
        for a in range(L - 1):
            signs[a] = 1 if (r >> a) & 1 == 0 else -1
    return True


@njit(cache=True, inline="always")  # a call here costs 20% of a 3-layer library's build
def build_chain(nlayers, fixed_slot, signs, am, ap, eps_val, T, V, P, TC, VC, Q, oseg, tmp, xs):
    """Vertex form of a deep narrow chain whose first-layer kink has the slot coefficients
    ``tmp[0]`` (filled by the caller), followed by ``nlayers - 1`` layers; layer l is anchored at
    slot l, or at ``fixed_slot`` when it is >= 0; its weight is ``signs[l]`` (+1 past the
    signs).  ``xs`` holds the slots' data values.  Returns (K, buffer) of the result."""
    cur = 0
    K = vx.first_layer(tmp[0], signs[0], am, ap, T[0], TC[0], V[0], VC[0], P[0], xs)
    e = tmp[0]
    S = TC.shape[2]
    for l in range(1, nlayers):
        slot = l if fixed_slot < 0 else fixed_slot
        for s in range(S):
            e[s] = 0.0
        e[slot] = 1.0
        cc = tmp[1]
        c = vx.value_at(K, T[cur], TC[cur], V[cur], VC[cur], P[cur], xs[slot], e, cc)
        nxt = 1 - cur
        w = signs[l] if l < signs.shape[0] else 1
        K = vx.layer(K, T[cur], TC[cur], V[cur], VC[cur], P[cur], c, cc, w, am, ap, eps_val, xs,
                     T[nxt], TC[nxt], V[nxt], VC[nxt], P[nxt], Q, oseg)
        cur = nxt
    return K, cur


@njit(cache=True)
def build(L, signs, idx, u, am, ap, eps_val, T, V, P, TC, VC, Q, oseg, tmp, xs):
    """Vertex form of the unit (slots: the anchors j1, ..., j(L-1))."""
    S = TC.shape[2]
    for s in range(S):
        xs[s] = u[idx[s]]
        tmp[0, s] = 0.0
    tmp[0, 0] = 1.0
    return build_chain(L - 1, -1, signs, am, ap, eps_val, T, V, P, TC, VC, Q, oseg, tmp, xs)


def count(L: int, n: int, signed: bool) -> int:
    return n ** (L - 1) * (2 ** (L - 1) if signed else 1)


def encode(L: int, n: int, signed: bool, idx, signs) -> np.ndarray:
    signs = np.atleast_2d(signs)
    return radix_code(n, np.atleast_2d(idx)[:, :L - 1],
                      signs[:, :L - 1] < 0 if signed else None)


def unit(act: Activation, L: int, signs, slots, u) -> Unit:
    return anchored_chain(act, u[slots[0]], [signs[l] for l in range(L - 1)],
                          [u[slots[l]] for l in range(1, L - 1)])


FAMILY = Family(KIND, "data", "deep narrow", "data", False, lambda L: L - 1, lambda L: L - 1,
                count, encode, unit, vx.workspace_size)
