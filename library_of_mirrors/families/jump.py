"""2-layer sign and threshold units ``sigma(w (x - x_j))`` (Corollary 3.15): one jump at a data
point; ``sign(0) = 1`` and ``1{0 >= 0} = 1`` make ``w = +1`` a closed jump, ``w = -1`` an open one.

Code: the index j, then one sign bit.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..activations import Activation
from ..units import Unit
from .base import Family, radix_code

KIND = 5


@njit(cache=True)
def decode(L, n, signed, cid, signs, idx):
    idx[0] = cid % n
    signs[0] = 1 if cid // n == 0 else -1
    return True


@njit(cache=True)
def jump_form(w, t, bm, bp, jt, jh, jc):
    """sigma(w (x - t)) for sign / threshold: (c0, number of jumps), jumps in jt, jh, jc."""
    if w > 0:  # b- left of t, b+ from t on (closed)
        jt[0] = t
        jh[0] = bp - bm
        jc[0] = 1
        return bm, np.int64(1)
    # sigma(t - x): b+ up to and including t, b- beyond (open jump)
    jt[0] = t
    jh[0] = bm - bp
    jc[0] = 0
    return bp, np.int64(1)


def count(L: int, n: int, signed: bool) -> int:
    return 2 * n


def encode(L: int, n: int, signed: bool, idx, signs) -> np.ndarray:
    return radix_code(n, np.atleast_2d(idx)[:, :1], np.atleast_2d(signs)[:, :1] < 0)


def unit(act: Activation, L: int, signs, slots, u) -> Unit:
    w = float(signs[0])
    return Unit(act, [np.array([[w]])], [np.array([-w * u[slots[0]]])], [np.ones(1)])


FAMILY = Family(KIND, "jump", "two-layer", "data", True, lambda L: 1, lambda L: 1, count,
                encode, unit, lambda L: 8)
