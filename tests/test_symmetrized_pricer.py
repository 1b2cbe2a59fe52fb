"""The symmetrized pricer (library_of_mirrors/dictionary/symmetrized.py) against Theorem 3.13's
units written out in numpy: for every first layer (j1, j2, signs) the best third anchor, both for
the monotone first layers (priced in O(1) from range maxima) and the V-shaped ones (a merge)."""

import numpy as np
import pytest
from reference import sigma

from library_of_mirrors.dictionary.symmetrized import price_symmetrized, price_symmetrized_pairs


def _brute(u, theta, s, am, ap):
    """best[j1, j2, p] = max over j3 of |theta . sigma(g(x) - g(x_j3))| by evaluating every unit
    (sign bits of p: w11, w12, w21, w22; 1 means -1)."""
    n = u.shape[0]
    best = np.full((n, n, 16), -1.0)
    for p in range(16):
        w11, w12, w21, w22 = (1.0 - 2.0 * ((p >> b) & 1) for b in range(4))
        for j1 in range(n):
            for j2 in range(j1, n):
                g = w21 * s(w11 * (u - u[j1])) + w22 * s(w12 * (u - u[j2]))
                units = s(g[None, :] - g[:, None])  # row j3: the unit with third anchor x_j3
                best[j1, j2, p] = np.abs(units @ theta).max()
    return best


def _unit_corr(u, theta, s, p, j1, j2, j3):
    w11, w12, w21, w22 = (1.0 - 2.0 * ((p >> b) & 1) for b in range(4))
    g = w21 * s(w11 * (u - u[j1])) + w22 * s(w12 * (u - u[j2]))
    return abs(theta @ s(g - g[j3]))


@pytest.mark.parametrize("leaky", [None, 0.25, 2.0])
@pytest.mark.parametrize("shift, scale, centered", [(0.0, 1.0, True), (1e4, 1e-3, False),
                                                    (-30.0, 1e3, True)])
def test_every_first_layer_gets_its_best_third_anchor(leaky, shift, scale, centered):
    rng = np.random.default_rng(7)
    u = np.sort(rng.uniform(-2, 2, 17)) * scale + shift
    theta = rng.standard_normal(17)
    if centered:
        theta -= theta.mean()
    s, am, ap = sigma("relu" if leaky is None else "leaky_relu", leaky)
    best = np.empty((17, 17, 16))
    arg = np.zeros((17, 17, 16), dtype=np.int64)
    price_symmetrized(u, theta, am, ap, best, arg)
    ref = _brute(u, theta, s, am, ap)
    top = ref.max()
    upper = np.triu(np.ones((17, 17), dtype=bool))
    # below the diagonal nothing is priced; on it the 10 codes k1 <= k2 of 16 (the two
    # first-layer neurons are interchangeable)
    assert np.all(best[~upper] == -1.0)
    assert np.all((best[np.arange(17), np.arange(17)] >= 0).sum(axis=1) == 10)
    priced = best >= 0
    assert np.all(priced[upper].sum(axis=1) >= 10)
    np.testing.assert_allclose(best[priced], ref[priced], rtol=0, atol=1e-12 * top)
    # the third anchor reported reaches the value reported
    for j1, j2, p in zip(*np.nonzero(priced)):
        assert _unit_corr(u, theta, s, p, j1, j2, arg[j1, j2, p]) == pytest.approx(
            best[j1, j2, p], rel=0, abs=1e-12 * top)
    # the screened kernel prices chosen pairs exactly as the full round
    j1 = np.array([0, 3, 5, 16, 2], dtype=np.int64)
    j2 = np.array([0, 9, 5, 16, 15], dtype=np.int64)
    rows = np.empty((5, 16))
    rows_arg = np.zeros((5, 16), dtype=np.int64)
    price_symmetrized_pairs(u, theta, am, ap, j1, j2, rows, rows_arg)
    np.testing.assert_array_equal(rows, best[j1, j2])

