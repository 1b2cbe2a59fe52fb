"""3-layer relu units padded to depth L >= 4 with identity layers (Lemma 3.7: the deep narrow
relu library freezes at depth 3).  A padding layer ``relu(X - X(x_j2))`` is anchored where the
3-layer unit vanishes, so it returns the unit itself.

Code: the two anchor indices (j1, j2), then two sign bits; every padding layer has weight +1 and
anchor j2.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..activations import Activation
from ..kinks import vertex as vx
from ..units import Unit, anchored_chain
from .base import Family, radix_code

KIND = 1


@njit(cache=True)
def decode(L, n, signed, cid, signs, idx):
    r = cid
    idx[0] = r % n
    r //= n
    idx[1] = r % n
    r //= n
    for a in range(signs.shape[0]):
        signs[a] = 1
    if signed:
        signs[0] = 1 if r & 1 == 0 else -1
        signs[1] = 1 if (r >> 1) & 1 == 0 else -1
    for a in range(2, L - 1):
        idx[a] = idx[1]
    return True


def count(L: int, n: int, signed: bool) -> int:
    return n * n * (4 if signed else 1)


def encode(L: int, n: int, signed: bool, idx, signs) -> np.ndarray:
    signs = np.atleast_2d(signs)
    return radix_code(n, np.atleast_2d(idx)[:, :2], signs[:, :2] < 0 if signed else None)


def unit(act: Activation, L: int, signs, slots, u) -> Unit:
    w = [signs[0], signs[1]] + [1] * (L - 3)
    return anchored_chain(act, u[slots[0]], w, [u[slots[1]]] * (L - 2))


FAMILY = Family(KIND, "padded", "deep narrow", "data", False, lambda L: L - 1,
                lambda L: L - 1, count, encode, unit, vx.workspace_size)
