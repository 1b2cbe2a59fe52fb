"""Searching the unit space directly: independent checks of the libraries and of the exact pricer.

The dual constraint of the Lasso (1.2) over a network's *whole* unit space is
``max |theta . unit| <= beta~`` over every unit at every bias.  Two searches over continuous
biases, neither of which uses the libraries or the recipes of
:mod:`library_of_mirrors.families.arrangement`:

* :func:`search_units`: multi-start local search for deep narrow and 3-layer symmetrized units.
  On the cell of the bias arrangement around a point, every pre-activation is affine in the
  biases, so ``theta . unit`` is maximized over the cell by a linear program (HiGHS); from
  random starts, the search moves to the cell's optimal vertex and then to the neighbouring
  cells of random small steps, as long as the score grows.  It finds lower bounds of the
  supremum (every candidate is a real unit, evaluated by a plain forward pass).
* :func:`symmetrized_vertex_max`: the exact supremum for 3-layer symmetrized units by
  enumerating every vertex of their bias arrangement (first-layer biases pinned at data
  points or by equal heights ``g(x_k) = g(x_l)`` of the second layer; small N only).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog

from ..activations import Activation, get_activation


@dataclass
class SearchResult:
    """The best unit found: its score ``|theta . unit|``, biases, weight signs, and the
    number of linear programs solved."""

    score: float
    biases: np.ndarray
    signs: tuple
    n_lp: int


def _deep_affine(x, c, w, act):
    """Outputs ``A + B c`` of the deep narrow unit on its cell around ``c``, and the cell's
    constraints ``M c <= h``."""
    n, p = x.shape[0], c.shape[0]
    A = x.astype(float).copy()
    B = np.zeros((n, p))
    rows, rhs = [], []
    for l in range(p):
        Za = w[l] * A
        Zb = w[l] * B
        Zb[:, l] -= w[l]
        s = np.where(Za + Zb @ c >= 0, 1.0, -1.0)
        rows.append(-s[:, None] * Zb)
        rhs.append(s * Za)
        slope = np.where(s > 0, act.a_plus, act.a_minus)
        A, B = slope * Za, slope[:, None] * Zb
    return A, B, np.vstack(rows), np.concatenate(rhs)


def _symmetrized_affine(x, c, w, act):
    """The same for ``sigma(w21 sigma(w11 (x - a1)) + w22 sigma(w12 (x - a2)) - c3)``, biases
    (a1, a2, c3)."""
    n = x.shape[0]
    rows, rhs = [], []

    def neuron(Za, Zb):
        s = np.where(Za + Zb @ c >= 0, 1.0, -1.0)
        rows.append(-s[:, None] * Zb)
        rhs.append(s * Za)
        slope = np.where(s > 0, act.a_plus, act.a_minus)
        return slope * Za, slope[:, None] * Zb

    e = np.eye(3)
    A1, B1 = neuron(w[0] * x, np.tile(-w[0] * e[0], (n, 1)))
    A2, B2 = neuron(w[1] * x, np.tile(-w[1] * e[1], (n, 1)))
    ga, gb = w[2] * A1 + w[3] * A2, w[2] * B1 + w[3] * B2
    A, B = neuron(ga, gb - e[2])
    return A, B, np.vstack(rows), np.concatenate(rhs)


def _value(affine, x, c, w, act, theta):
    A, B, _, _ = affine(x, c, w, act)
    return float(theta @ (A + B @ c))


def search_units(x, theta, activation: str | Activation = "abs", depth: int = 4, *,
                 architecture: str = "deep_narrow", leaky_slope: float | None = None,
                 n_starts: int = 50, n_moves: int = 20, random_state=None) -> SearchResult:
    """Multi-start local search for the unit of largest ``|theta . unit|`` (see the module).

    ``theta`` is centered (a free external bias).  Deep narrow units of any depth, or the
    3-layer symmetrized unit (``architecture="symmetrized"``); weight signs are drawn at random
    per start (all four combinations of the symmetrized first layer too).
    """
    act = activation if isinstance(activation, Activation) else \
        get_activation(activation, leaky_slope)
    x = np.asarray(x, dtype=float).ravel()
    theta = np.asarray(theta, dtype=float).ravel()
    if x.shape != theta.shape:
        raise ValueError(f"x and theta must have the same length, got {x.shape} and "
                         f"{theta.shape}")
    theta = theta - theta.mean()
    rng = np.random.default_rng(random_state)
    span = float(x.max() - x.min()) or 1.0
    big = 8.0 * (float(np.abs(x).max()) + span) * max(1.0, abs(act.a_minus), act.a_plus) ** 4
    if architecture == "symmetrized":
        if depth != 3:
            raise ValueError("the symmetrized unit has depth 3")
        affine, p, nw = _symmetrized_affine, 3, 4
    elif architecture == "deep_narrow":
        affine, p, nw = _deep_affine, depth - 1, depth - 1
    else:
        raise ValueError(f"architecture must be 'deep_narrow' or 'symmetrized', got "
                         f"{architecture!r}")
    best = SearchResult(0.0, np.zeros(p), (1,) * nw, 0)
    n_lp = 0
    for _ in range(n_starts):
        w = tuple(int(v) for v in rng.choice([-1, 1], size=nw))
        c = _random_biases(affine, x, w, act, p, span, rng)
        score = abs(_value(affine, x, c, w, act, theta))
        for move in range(n_moves + 1):
            trial = c if move == 0 else c + rng.normal(scale=1e-3 * span, size=p) * \
                rng.integers(0, 2, size=p)
            A, B, M, h = affine(x, trial, w, act)
            grad = theta @ B
            for sgn in (1.0, -1.0):
                lp = linprog(-sgn * grad, A_ub=M, b_ub=h + 1e-12 * span,
                             bounds=[(-big, big)] * p, method="highs")
                n_lp += 1
                if lp.status != 0:
                    continue
                v = abs(_value(affine, x, lp.x, w, act, theta))
                if v > score:
                    score, c = v, lp.x
        if score > best.score:
            best = SearchResult(score, c.copy(), w, 0)
    best.n_lp = n_lp
    return best


def _random_biases(affine, x, w, act, p, span, rng):
    """Biases drawn layer by layer inside the range of the previous layer's values."""
    c = np.zeros(p)
    if affine is _symmetrized_affine:
        c[:2] = rng.uniform(x.min() - 0.1 * span, x.max() + 0.1 * span, size=2)
        A, B, _, _ = affine(x, c, w, act)
        g = A + B @ c + c[2]  # the pre-activation plus c3: g(x)
        c[2] = rng.uniform(g.min() - 0.1 * span, g.max() + 0.1 * span)
        return c
    vals = x.copy()
    for l in range(p):
        lo, hi = float(vals.min()), float(vals.max())
        c[l] = rng.uniform(lo - 0.1 * span, hi + 0.1 * span)
        z = w[l] * (vals - c[l])
        vals = np.where(z >= 0, act.a_plus * z, act.a_minus * z)
    return c


def symmetrized_vertex_max(x, theta, activation: str | Activation = "relu",
                           leaky_slope: float | None = None) -> tuple[float, np.ndarray, tuple]:
    """The exact ``max |theta . unit|`` over every 3-layer symmetrized unit
    ``sigma(w21 sigma(w11 (x - a1)) + w22 sigma(w12 (x - a2)) - c)`` (Theorem 3.13's network
    with any biases), by its bias arrangement's vertices.  Returns (max, (a1, a2, c), signs).

    The cells of (a1, a2, c) are pointed and the score is bounded (``theta`` centered), so the
    maximum sits where three independent equations hold among ``a1 = x_i``, ``a2 = x_j`` and
    ``c = g(x_k)``: (a1, a2) at data points (the library of Theorem 3.13); one of them at a data
    point and the other fixed by ``g(x_k) = g(x_l)``; or both fixed by ``g(x_k) = g(x_l) =
    g(x_m)``, each linear on a cell (every side of the first layer's kinks is tried).  O(N^3)
    candidates times 2^6 sides: small N only.
    """
    act = activation if isinstance(activation, Activation) else \
        get_activation(activation, leaky_slope)
    x = np.asarray(x, dtype=float).ravel()
    theta = np.asarray(theta, dtype=float).ravel()
    theta = theta - theta.mean()
    n = x.shape[0]
    am, ap = act.a_minus, act.a_plus

    def sig(z):
        return np.where(z >= 0, ap * z, am * z)

    best = (0.0, np.zeros(3), (1, 1, 1, 1))
    slopes = (ap, am)
    for w in itertools.product((1, -1), repeat=4):
        w11, w12, w21, w22 = w
        cand = []
        # rows of the linear equation g_k - g_l = 0 in (a1, a2) on a cell: for point k with
        # sides (s1, s2), g_k = w21 r1 w11 (x_k - a1) + w22 r2 w12 (x_k - a2)
        for a1 in x:
            for a2 in x:
                cand.append((a1, a2))
        for k, l in itertools.combinations(range(n), 2):
            for r1k, r1l, r2k, r2l in itertools.product(slopes, repeat=4):
                # coefficients of a1, a2 and the constant in g_k - g_l
                ca1 = -w21 * w11 * (r1k - r1l)
                ca2 = -w22 * w12 * (r2k - r2l)
                c0 = w21 * w11 * (r1k * x[k] - r1l * x[l]) + w22 * w12 * (r2k * x[k] - r2l * x[l])
                if abs(ca2) > 1e-12:
                    for a1 in x:
                        cand.append((a1, -(c0 + ca1 * a1) / ca2))
                if abs(ca1) > 1e-12:
                    for a2 in x:
                        cand.append((-(c0 + ca2 * a2) / ca1, a2))
        for k, l, m in itertools.combinations(range(n), 3):
            for r in itertools.product(slopes, repeat=6):
                rows, rhs = [], []
                for (i, j), (p1, p2, q1, q2) in (((k, l), (r[0], r[1], r[3], r[4])),
                                                 ((k, m), (r[0], r[2], r[3], r[5]))):
                    rows.append([-w21 * w11 * (p1 - p2), -w22 * w12 * (q1 - q2)])
                    rhs.append(-(w21 * w11 * (p1 * x[i] - p2 * x[j])
                                 + w22 * w12 * (q1 * x[i] - q2 * x[j])))
                Mr = np.array(rows)
                if abs(np.linalg.det(Mr)) > 1e-12:
                    cand.append(tuple(np.linalg.solve(Mr, np.array(rhs))))
        C = np.array(cand)
        G = (w21 * sig(w11 * (x[None, :] - C[:, :1]))
             + w22 * sig(w12 * (x[None, :] - C[:, 1:2])))  # (candidates, n)
        # c at every g(x_k): scores of all anchors at once
        out = sig(G[:, :, None] - G[:, None, :])  # [cand, point, anchor]
        score = np.abs(np.einsum("cpk,p->ck", out, theta))
        i, k = np.unravel_index(int(np.argmax(score)), score.shape)
        if score[i, k] > best[0]:
            best = (float(score[i, k]), np.array([C[i, 0], C[i, 1], G[i, k]]), w)
    return best


__all__ = ["SearchResult", "search_units", "symmetrized_vertex_max"]
