"""Slope-change coordinates of relu deep narrow libraries and their cheapest representations.

With the data sorted, a continuous fit on the distinct points is a constant plus
``sum_t v_t (x - u_t)_+`` (``v_0`` is the slope left of every kink).  Up to constants (which a
free external bias absorbs) the relu deep narrow units are, in these coordinates:

* 2 layers: ``(x - u_t)_+ = e_t`` and ``(u_t - x)_+ = e_t - e_0``;
* 3 layers and deeper (Lemma 3.7): the same ramps and the capped ramps
  ``(u_b - x)_+ - (u_a - x)_+ = e_b - e_a``.

So representing ``v`` at least l1 cost is a min-cost flow with unit costs, solved greedily
here.  The Lasso optimum fixes the fit, not its representation: the optimal face is large (a
capped ramp over [a, c] costs what those over [a, b] and [b, c] cost together; ``R_a + L_b``
fits like ``R_b + L_a``), and these decompositions pick a point of it with at most one unit
per kink.  Unit codes are those of the deep narrow family in :mod:`._kernels`.
"""

from __future__ import annotations

import numpy as np


def slope_changes(batch, z: np.ndarray) -> np.ndarray:
    """``v`` of the fit ``sum_j z_j f_j`` from the ramp-basis grid form (one per point)."""
    n = batch.x_unique.shape[0]
    counts = np.diff(batch.grid_ptr)
    acc = np.bincount(batch.grid_row, weights=batch.grid_val * np.repeat(z, counts),
                      minlength=n + 1)
    return acc[1:n + 1]


def decompose(v: np.ndarray, depth: int, rtol: float = 1e-13) -> tuple[np.ndarray, np.ndarray]:
    """Unit codes and coefficients with slope changes ``v`` at the least l1 cost (up to a
    constant), for the relu deep narrow library of ``depth``.

    Depth >= 3: the cost is ``max(sum v_+, sum v_-)`` (a ramp feeds one side, a capped ramp one
    unit of each), reached by pairing positive and negative slope changes left to right with
    capped ramps and giving the excess to ramps.  Depth 2: every kink costs ``|v_t|``; left
    ramps on kinks of the sign opposite to ``v_0`` pay for the initial slope too, the rest goes
    to the linear unit.
    """
    v = np.asarray(v, dtype=float)
    n = v.shape[0]
    tiny = rtol * max(float(np.abs(v).max()) if n else 0.0, 1e-300)
    if depth == 2:
        return _two_layer(v, tiny, n)
    return _deep(v, tiny, n)


def _two_layer(v, tiny, n):
    # codes: (x - u_t)_+ is t, (u_t - x)_+ is t + n
    budget = -float(v[0])  # the left ramps' coefficients must sum to -v_0
    codes: list[int] = []
    coef: list[float] = []
    for t in np.flatnonzero(np.abs(v[1:]) > tiny) + 1:
        vt = float(v[t])
        left = 0.0
        if budget != 0.0 and np.sign(vt) == np.sign(budget):
            left = vt if abs(vt) <= abs(budget) else budget
            budget -= left
            codes.append(int(t) + n)
            coef.append(left)
        if abs(vt - left) > tiny:
            codes.append(int(t))
            coef.append(vt - left)
    r0 = -budget  # v_0 + sum of the left ramps' coefficients
    if abs(r0) > tiny:
        codes.append(0)
        coef.append(r0)
    return np.array(codes, dtype=np.int64), np.array(coef)


def _deep(v, tiny, n):
    # codes (j1 + n j2 + n^2 signbits): ramp (x - u_t)_+ = t (n + 1); left ramp t (n + 1) + n^2;
    # capped (u_hi - x)_+ - (u_lo - x)_+ = lo + n hi + 2 n^2
    pos = [[int(i), float(v[i])] for i in np.flatnonzero(v > tiny)]
    neg = [[int(i), float(-v[i])] for i in np.flatnonzero(v < -tiny)]
    nn = n * n
    codes: list[int] = []
    coef: list[float] = []
    i = j = 0
    while i < len(pos) and j < len(neg):
        p, q = pos[i][0], neg[j][0]
        m = min(pos[i][1], neg[j][1])
        lo, hi = min(p, q), max(p, q)
        # slope changes e_hi - e_lo; at lo = 0 it is the left ramp at hi on the data
        codes.append(hi * (n + 1) + nn if lo == 0 else lo + n * hi + 2 * nn)
        coef.append(m if p > q else -m)
        pos[i][1] -= m
        neg[j][1] -= m
        if pos[i][1] <= tiny:
            i += 1
        if neg[j][1] <= tiny:
            j += 1
    for rest, sgn in ((pos[i:], 1.0), (neg[j:], -1.0)):
        for t, m in rest:
            if m > tiny:  # the ramp (x - u_t)_+ is e_t (t = 0: the linear unit)
                codes.append(t * (n + 1))
                coef.append(sgn * m)
    return np.array(codes, dtype=np.int64), np.array(coef)
