"""3-layer units whose first-layer kink is a normalized midpoint (eq. (3.1), Definition 3.9) of
two data points, for non-monotone activations (abs, leaky relu with a- < 0).

Two enumerations: ``FAMILY`` pairs the midpoint's partner with the second-layer anchor (Lemma
D.11: the O(N^2) library of Table 3.1); ``FAMILY_PAIRS`` takes the midpoint of any pair with any
anchor (Definition 3.9 literally, O(N^3)).  Deeper abs libraries hold these units padded with
identity layers (Remark 3.12, erratum E3a).

Slots: (a, b, j2) with the midpoint of x_a, x_b; codes: (partner, j2) or (a < b, j2), then two
sign bits.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..activations import Activation
from ..kinks import vertex as vx
from ..units import Unit, anchored_chain
from . import data
from .base import Family, radix_code

KIND = 2
KIND_PAIRS = 3


@njit(cache=True)
def _slot_signs(signed, r, signs):
    """The signs of slots 0 and 1 from the code's two sign bits (signed activations only)."""
    if signed:
        signs[0] = 1 if r & 1 == 0 else -1
        signs[1] = 1 if (r >> 1) & 1 == 0 else -1


@njit(cache=True)
def decode(L, n, signed, cid, signs, idx):
    """Anchor pairing (Lemma D.11); False for a midpoint of a point with itself."""
    r = cid
    pa = r % n
    r //= n
    j2 = r % n
    r //= n
    for a in range(signs.shape[0]):
        signs[a] = 1
    if pa == j2:
        return False
    idx[0] = pa
    idx[1] = j2
    idx[2] = j2
    _slot_signs(signed, r, signs)
    return True


@njit(cache=True)
def decode_pairs(L, n, signed, cid, signs, idx):
    """Any pair a < b, any anchor j2 (Definition 3.9); False for a >= b."""
    r = cid
    pa = r % n
    r //= n
    pb = r % n
    r //= n
    j2 = r % n
    r //= n
    for a in range(signs.shape[0]):
        signs[a] = 1
    if pa >= pb:
        return False
    idx[0] = pa
    idx[1] = pb
    idx[2] = j2
    _slot_signs(signed, r, signs)
    return True


@njit(cache=True)
def build(L, signs, idx, u, am, ap, eps_val, T, V, P, TC, VC, Q, oseg, tmp, xs):
    """First kink at the normalized midpoint of slots 0, 1 (Lemma D.10: the zero of
    ``sigma(w x_a + b) - sigma(w x_b + b)``), every later layer anchored at slot 2."""
    S = TC.shape[2]
    for s in range(S):
        xs[s] = u[idx[s]]
        tmp[0, s] = 0.0
    xa = xs[0]
    xb = xs[1]
    hi, lo = (0, 1) if xa >= xb else (1, 0)
    if signs[0] > 0:  # t = (a+ max - a- min) / (a+ - a-)
        tmp[0, hi] += ap / (ap - am)
        tmp[0, lo] += -am / (ap - am)
    else:  # t = (a+ min - a- max) / (a+ - a-)
        tmp[0, lo] += ap / (ap - am)
        tmp[0, hi] += -am / (ap - am)
    return data.build_chain(L - 1, 2, signs, am, ap, eps_val, T, V, P, TC, VC, Q, oseg, tmp,
                            xs)


def count(L: int, n: int, signed: bool) -> int:
    return n * n * (4 if signed else 1)


def count_pairs(L: int, n: int, signed: bool) -> int:
    return n * n * n * (4 if signed else 1)


def encode(L: int, n: int, signed: bool, idx, signs) -> np.ndarray:
    """Codes of units given by slots (partner, j2, j2)."""
    idx = np.atleast_2d(idx)
    signs = np.atleast_2d(signs)
    return radix_code(n, idx[:, [0, 1]], signs[:, :2] < 0 if signed else None)


def encode_pairs(L: int, n: int, signed: bool, idx, signs) -> np.ndarray:
    """Codes of units given by slots (a, b, j2) with a < b."""
    signs = np.atleast_2d(signs)
    return radix_code(n, np.atleast_2d(idx)[:, :3], signs[:, :2] < 0 if signed else None)


def unit(act: Activation, L: int, signs, slots, u) -> Unit:
    w1 = int(signs[0])
    t1 = act.midpoint_breakpoint(u[slots[0]], u[slots[1]], w1)
    w = [signs[0], signs[1]] + [1] * (L - 3)
    return anchored_chain(act, t1, w, [u[slots[2]]] * (L - 2))


FAMILY = Family(KIND, "midpoint", "midpoint", "midpoint", False, lambda L: 3, lambda L: 2,
                count, encode, unit, vx.workspace_size)
FAMILY_PAIRS = Family(KIND_PAIRS, "midpoint_pairs", "midpoint", "midpoint", False, lambda L: 3,
                      lambda L: 2, count_pairs, encode_pairs, unit, vx.workspace_size)
