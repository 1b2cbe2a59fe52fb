"""Deep narrow units at the vertices of the bias arrangement: the whole unit space of deep
narrow networks, for the exact pricer of depth >= 4 abs and negative-slope leaky relu
(errata E3b, E3c, E12).

A deep narrow unit of depth L has p = L - 1 hidden layers ``X_l = sigma(w_l (X_{l-1} - c_l))``
(``X_0 = x``, weights +-1 by positive homogeneity).  On the training points its outputs are
piecewise linear in the biases ``c = (c_1, ..., c_p)``; the pieces ("cells") are cut out by the
hyperplanes ``X_{l-1}(x_n) = c_l``.  Every cell is pointed (its constraint matrix is lower
triangular in ``c`` with nonzero diagonal) and, with a free external bias (``sum theta = 0``),
``theta . X_p`` is bounded, so its maximum over a cell, and hence over all biases, is attained
at a *vertex*: a point where p independent equations ``X_{l-1}(x_n) = c_l`` hold.  Solving such
a system top down (the layer-p equation fixes ``c_p`` as an anchor; the others become "equal
height" conditions on layer p - 1, which, linearized on the cell, either fix ``c_{p-1}`` as a
weighted average of layer-(p-2) values or pass further down) gives every bias as a fixed linear
combination of the previous layer's values at the equations' points:

    c_l = sum_e G[l, e] X_{l-1}(x_{idx[e]})

with ``G`` depending only on the *recipe*: which layer each equation sits at (``le``), the
cell's signs at the points involved (``sb``) and the weights ``w``.  The data feature biases of
Theorem 3.2 are the recipes with one equation per layer, the midpoint biases of Definition 3.9
those with two at the second layer; depth 4 adds biases such as ``x_2 + (x_4 - x_1)/2``.

Slots: one data index per equation (``idx``, p of them).  The decoded "signs" row holds
``w_1..w_p``, then ``le_1..le_p`` (1..p), then the p (p - 1) cell signs ``sb[e (p-1) + l - 1]``
(+-1; +1 where the recipe does not use them).  Code: the p slot digits (base n), the p layer
digits (base p), the p (p - 1) sign bits, then the p weight bits (signed activations only).
"""

from __future__ import annotations

import itertools
from functools import lru_cache

import numpy as np
from numba import njit

from ..activations import Activation
from ..kinks import vertex as vx
from ..units import Unit
from .base import Family

KIND = 6
#: |coefficient| below which an equation's bias term or a condition counts as zero (the
#: coefficients are products of the activation's slopes, of order one)
_ZERO = 1e-10


@njit(cache=True)
def eliminate(p, le, sb, w, am, ap, G, used):
    """The recipe's bias coefficients: ``G[l - 1, e]`` with ``c_l = sum_e G[l - 1, e]
    X_{l-1}(slot e)``, by top-down elimination of the equations ``X_{le[e]-1}(slot e) =
    c_{le[e]}`` linearized with the cell signs ``sb`` (see the module).  ``used[e, l - 1]`` marks
    the signs the elimination read.  False when the equations do not fix every bias."""
    conds = np.zeros((p, p))
    eqx = np.zeros((2 * p, p))
    eqc = np.zeros(2 * p)
    nc = 0
    for e in range(p):
        for l in range(p - 1):
            used[e, l] = False
    for l in range(p, 0, -1):
        m = 0
        for r in range(nc):
            tot = 0.0
            for e in range(p):
                a = conds[r, e]
                eqx[m, e] = 0.0
                if a != 0.0:
                    s = 1
                    if le[e] != l:  # the equation's own point sits on the kink: any side
                        s = sb[e * (p - 1) + l - 1]
                        used[e, l - 1] = True
                    rho = w[l - 1] * (ap if s > 0 else am)
                    eqx[m, e] = a * rho
                    tot += a * rho
            eqc[m] = -tot
            m += 1
        for e in range(p):
            if le[e] == l:
                for f in range(p):
                    eqx[m, f] = 0.0
                eqx[m, e] = 1.0
                eqc[m] = -1.0
                m += 1
        piv = -1
        best = _ZERO
        for r in range(m):
            if abs(eqc[r]) > best:
                best = abs(eqc[r])
                piv = r
        if piv < 0:
            return False
        for e in range(p):
            G[l - 1, e] = -eqx[piv, e] / eqc[piv]
        nc = 0
        for r in range(m):
            if r == piv:
                continue
            big = 0.0
            for e in range(p):
                v = eqx[r, e] + eqc[r] * G[l - 1, e]
                conds[nc, e] = v
                big = max(big, abs(v))
            if big > _ZERO:
                nc += 1
            if nc >= p:
                return False
    return nc == 0


@njit(cache=True)
def _unpack(p, signs, w, le, sb):
    for l in range(p):
        w[l] = signs[l]
        le[l] = signs[p + l]
    for b in range(p * (p - 1)):
        sb[b] = signs[2 * p + b]


@njit(cache=True)
def decode(L, n, signed, cid, signs, idx):
    """Slots, weights, layers and cell signs of ``cid``.  Every code is a unit: biases that
    its equations leave unfixed (never in a recipe the pricer emits) are 0 in the kink form
    and in the network alike."""
    p = L - 1
    r = cid
    for e in range(p):
        idx[e] = r % n
        r //= n
    for e in range(p):
        signs[p + e] = r % p + 1
        r //= p
    for b in range(p * (p - 1)):
        signs[2 * p + b] = 1 if (r >> b) & 1 == 0 else -1
    r >>= p * (p - 1)
    for l in range(p):
        signs[l] = -1 if signed and (r >> l) & 1 == 1 else 1
    return True


@njit(cache=True)
def slot_forward(p, G, w, am, ap, xs, cs, Z):
    """Biases ``cs`` of the recipe ``G`` on slot values ``xs`` and the pre-activations ``Z[l,
    e]`` of every layer at the slots."""
    X = xs.copy()
    for l in range(p):
        c = 0.0
        for e in range(p):
            c += G[l, e] * X[e]
        cs[l] = c
        for e in range(p):
            z = w[l] * (X[e] - c)
            Z[l, e] = z
            X[e] = ap * z if z >= 0.0 else am * z


@njit(cache=True)
def build(L, signs, idx, u, am, ap, eps_val, T, V, P, TC, VC, Q, oseg, tmp, xs):
    """Vertex form of the unit; every breakpoint's coefficients refer to the slots."""
    p = L - 1
    S = TC.shape[2]
    w = np.empty(p, dtype=np.int64)
    le = np.empty(p, dtype=np.int64)
    sb = np.empty(max(p * (p - 1), 1), dtype=np.int64)
    _unpack(p, signs, w, le, sb)
    G = np.zeros((p, p))
    eliminate(p, le, sb, w, am, ap, G, np.empty((p, max(p - 1, 1)), dtype=np.bool_))
    for s in range(S):
        xs[s] = u[idx[s]]
        tmp[0, s] = G[0, s]
    K = vx.first_layer(tmp[0], w[0], am, ap, T[0], TC[0], V[0], VC[0], P[0], xs)
    cur = 0
    unit_e = np.zeros(S)
    oc = np.empty(S)
    cc = tmp[1]
    for l in range(1, p):
        c = 0.0
        for s in range(S):
            cc[s] = 0.0
        for e in range(p):
            g = G[l, e]
            if g == 0.0:
                continue
            unit_e[e] = 1.0
            v = vx.value_at(K, T[cur], TC[cur], V[cur], VC[cur], P[cur], xs[e], unit_e, oc)
            unit_e[e] = 0.0
            c += g * v
            for s in range(S):
                cc[s] += g * oc[s]
        nxt = 1 - cur
        K = vx.layer(K, T[cur], TC[cur], V[cur], VC[cur], P[cur], c, cc, w[l], am, ap, eps_val,
                     xs, T[nxt], TC[nxt], V[nxt], VC[nxt], P[nxt], Q, oseg)
        cur = nxt
    return K, cur


# ----------------------------------------------------------------------------------------------
# the recipes: every (layers, weights, cell signs) whose equations fix every bias


@njit(cache=True)
def _all_recipes(p, am, ap, les, ws, G_out, used_out, ok_out):
    nb = p * (p - 1)
    sb = np.empty(max(nb, 1), dtype=np.int64)
    k = 0
    for i in range(les.shape[0]):
        for j in range(ws.shape[0]):
            for bits in range(1 << nb):
                for b in range(nb):
                    sb[b] = 1 if (bits >> b) & 1 == 0 else -1
                ok_out[k] = eliminate(p, les[i], sb, ws[j], am, ap, G_out[k], used_out[k])
                k += 1


@lru_cache(maxsize=32)
def recipes(p: int, am: float, ap: float, signed: bool):
    """Every distinct recipe of a p-hidden-layer unit: arrays (le (R, p), w (R, p), sb (R, p (p
    - 1)) with 0 for the signs the recipe does not read, G (R, p, p)).  The layers ``le`` are
    non-decreasing and end at p (every vertex has an equation at the top layer); ``w_p`` is +1
    (it does not enter the elimination: the pricer tries both)."""
    les = np.array([c for c in itertools.product(range(1, p + 1), repeat=p)
                    if list(c) == sorted(c) and c[-1] == p], dtype=np.int64)
    if signed and p > 1:
        ws = np.array([c + (1,) for c in itertools.product((1, -1), repeat=p - 1)],
                      dtype=np.int64)
    else:
        ws = np.ones((1, p), dtype=np.int64)
    nb = p * (p - 1)
    total = les.shape[0] * ws.shape[0] * (1 << nb)
    G = np.zeros((total, p, p))
    used = np.zeros((total, p, max(p - 1, 1)), dtype=np.bool_)
    ok = np.zeros(total, dtype=np.bool_)
    _all_recipes(p, float(am), float(ap), les, ws, G, used, ok)
    bits = ((np.arange(1 << nb)[:, None] >> np.arange(nb)[None, :]) & 1) if nb else \
        np.zeros((1, 0), dtype=np.int64)
    sb_all = np.tile(1 - 2 * bits, (les.shape[0] * ws.shape[0], 1))
    le_all = np.repeat(les, ws.shape[0] * (1 << nb), axis=0)
    w_all = np.tile(np.repeat(ws, 1 << nb, axis=0), (les.shape[0], 1))
    mask = used[:, :, :p - 1].reshape(total, nb) if nb else np.zeros((total, 0), dtype=bool)
    sb_used = np.where(mask, sb_all, 0)
    key = np.column_stack([le_all, w_all, sb_used])[ok]
    _, first = np.unique(key, axis=0, return_index=True)
    sel = np.flatnonzero(ok)[np.sort(first)]
    return (le_all[sel], w_all[sel], sb_used[sel].astype(np.int64), G[sel])


# ----------------------------------------------------------------------------------------------
# codes and units


def count(L: int, n: int, signed: bool) -> int:
    p = L - 1
    return n ** p * p ** p * 2 ** (p * (p - 1)) * (2 ** p if signed else 1)


def encode(L: int, n: int, signed: bool, idx, signs) -> np.ndarray:
    """Codes of units given by their slots and decoded signs rows (see the module)."""
    p = L - 1
    idx = np.atleast_2d(np.asarray(idx, dtype=np.int64))[:, :p]
    signs = np.atleast_2d(np.asarray(signs, dtype=np.int64))
    out = np.zeros(idx.shape[0], dtype=np.int64)
    for a in range(idx.shape[0]):
        code, mult = 0, 1
        for e in range(p):
            code += int(idx[a, e]) * mult
            mult *= n
        for e in range(p):
            code += (int(signs[a, p + e]) - 1) * mult
            mult *= p
        bits = sum(1 << b for b in range(p * (p - 1)) if signs[a, 2 * p + b] < 0)
        code += bits * mult
        mult <<= p * (p - 1)
        if signed:
            code += sum(1 << l for l in range(p) if signs[a, l] < 0) * mult
        out[a] = code
    return out


def signs_row(le, w, sb) -> np.ndarray:
    """The decoded signs row of a recipe (unused cell signs as +1)."""
    return np.concatenate([np.asarray(w), np.asarray(le),
                           np.where(np.asarray(sb) == 0, 1, sb)]).astype(np.int64)


def biases(act: Activation, L: int, signs, slots, u) -> np.ndarray:
    """The unit's biases ``c_1..c_p`` (numeric) from its signs row and slots."""
    p = L - 1
    signs = np.asarray(signs, dtype=np.int64)
    G = np.zeros((p, p))
    eliminate(p, signs[p:2 * p].copy(), signs[2 * p:].copy() if p > 1 else np.ones(1, np.int64),
              signs[:p].copy(), act.a_minus, act.a_plus, G,
              np.zeros((p, max(p - 1, 1)), dtype=np.bool_))
    cs = np.empty(p)
    slot_forward(p, G, signs[:p].copy(), act.a_minus, act.a_plus,
                 np.asarray(u, dtype=float)[np.asarray(slots[:p], dtype=np.int64)], cs,
                 np.empty((p, p)))
    return cs


def unit(act: Activation, L: int, signs, slots, u) -> Unit:
    cs = biases(act, L, signs, slots, u)
    ws = [int(s) for s in np.asarray(signs)[:L - 1]]
    return Unit(act, [np.array([[float(w)]]) for w in ws],
                [np.array([-w * c]) for w, c in zip(ws, cs)])


FAMILY = Family(KIND, "arrangement", "deep narrow", "arrangement", False, lambda L: L - 1,
                lambda L: (L - 1) * L, count, encode, unit, vx.workspace_size)
