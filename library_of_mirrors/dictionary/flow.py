"""Slope-change coordinates of relu deep narrow libraries and their cheapest representations.

With the data sorted, a continuous fit on the distinct points is a constant plus
``sum_t v_t (x - u_t)_+`` (``v_0`` is the slope left of every kink;
:meth:`~library_of_mirrors.features.FeatureBatch.slope_changes`).  Up to constants (which a free
external bias absorbs) the relu deep narrow units are, in these coordinates:

* 2 layers: ``(x - u_t)_+ = e_t`` and ``(u_t - x)_+ = e_t - e_0``;
* 3 layers and deeper (Lemma 3.7): the same ramps and the capped ramps
  ``(u_b - x)_+ - (u_a - x)_+ = e_b - e_a``.

So representing ``v`` at least l1 cost is a min-cost flow with unit costs, solved greedily
here.  The Lasso optimum fixes the fit, not its representation: the optimal face is large (a
capped ramp over [a, c] costs what those over [a, b] and [b, c] cost together; ``R_a + L_b``
fits like ``R_b + L_a``), and these decompositions pick a point of it with at most one unit
per kink.  Units are returned as anchors and weight signs; the library's family encodes them.
"""

from __future__ import annotations

import numpy as np


def decompose(v: np.ndarray, depth: int, rtol: float = 1e-13
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Units and coefficients with slope changes ``v`` at the least l1 cost (up to a constant),
    for the relu deep narrow library of ``depth``: (anchors, signs, coefficients), one row of
    anchors (j1[, j2]) and weight signs per unit.

    Depth >= 3: the cost is ``max(sum v_+, sum v_-)`` (a ramp feeds one side, a capped ramp one
    unit of each), reached by pairing positive and negative slope changes left to right with
    capped ramps and giving the excess to ramps.  Depth 2: every kink costs ``|v_t|``; left
    ramps on kinks of the sign opposite to ``v_0`` pay for the initial slope too, the rest goes
    to the linear unit.
    """
    v = np.asarray(v, dtype=float)
    n = v.shape[0]
    tiny = rtol * max(float(np.abs(v).max()) if n else 0.0, 1e-300)
    units = _two_layer(v, tiny) if depth == 2 else _deep(v, tiny)
    m = 2 if depth > 2 else 1
    if not units:
        return np.zeros((0, m), np.int64), np.zeros((0, m), np.int64), np.zeros(0)
    idx, signs, coef = zip(*units)
    return np.array(idx, dtype=np.int64), np.array(signs, dtype=np.int64), np.array(coef)


def _two_layer(v, tiny):
    # (x - u_t)_+: anchor t, sign +1; (u_t - x)_+: anchor t, sign -1
    budget = -float(v[0])  # the left ramps' coefficients must sum to -v_0
    out = []
    for t in np.flatnonzero(np.abs(v[1:]) > tiny) + 1:
        vt = float(v[t])
        left = 0.0
        if budget != 0.0 and np.sign(vt) == np.sign(budget):
            left = vt if abs(vt) <= abs(budget) else budget
            budget -= left
            out.append(((int(t),), (-1,), left))
        if abs(vt - left) > tiny:
            out.append(((int(t),), (1,), vt - left))
    r0 = -budget  # v_0 + sum of the left ramps' coefficients
    if abs(r0) > tiny:
        out.append(((0,), (1,), r0))
    return out


def _deep(v, tiny):
    # ramp (x - u_t)_+: anchors (t, t), signs (+, +); left ramp (u_t - x)_+: (t, t), (-, +);
    # capped (u_hi - x)_+ - (u_lo - x)_+: anchors (lo, hi), signs (+, -)
    pos = [[int(i), float(v[i])] for i in np.flatnonzero(v > tiny)]
    neg = [[int(i), float(-v[i])] for i in np.flatnonzero(v < -tiny)]
    out = []
    i = j = 0
    while i < len(pos) and j < len(neg):
        p, q = pos[i][0], neg[j][0]
        m = min(pos[i][1], neg[j][1])
        lo, hi = min(p, q), max(p, q)
        c = m if p > q else -m
        # slope changes e_hi - e_lo; at lo = 0 it is the left ramp at hi on the data
        out.append(((hi, hi), (-1, 1), c) if lo == 0 else ((lo, hi), (1, -1), c))
        pos[i][1] -= m
        neg[j][1] -= m
        if pos[i][1] <= tiny:
            i += 1
        if neg[j][1] <= tiny:
            j += 1
    for rest, sgn in ((pos[i:], 1.0), (neg[j:], -1.0)):
        for t, m in rest:
            if m > tiny:  # the ramp (x - u_t)_+ is e_t (t = 0: the linear unit)
                out.append(((t, t), (1, 1), sgn * m))
    return out
