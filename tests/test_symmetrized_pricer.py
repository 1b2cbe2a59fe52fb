"""The symmetrized pricer (library_of_mirrors/dictionary/symmetrized.py) against Theorem 3.13's
units written out in numpy: for every first layer (j1, j2, signs) the best third anchor, both for
the monotone first layers (priced in O(1) from range extremes) and the V-shaped ones (O(N), their
reflections walked with a pointer); a whole round's branch and bound keeps the maximum and the
k best units exact."""

import functools

import numpy as np
import pytest
from reference import sigma

from library_of_mirrors.dictionary import symmetrized as sym
from library_of_mirrors.dictionary.symmetrized import price_symmetrized_pairs, symmetrized_round


def _brute(u, theta, s):
    """best[j1, j2, p] = max over j3 of |theta . sigma(g(x) - g(x_j3))| by evaluating every unit
    (sign bits of p: w11, w12, w21, w22; 1 means -1); -1 off the library: the first-layer
    neurons are interchangeable, so the library lists neuron codes k = 4 j + 2 b(w1) + b(w2)
    (b(w) = 1 for w = -1) in order, k1 <= k2."""
    n = u.shape[0]
    best = np.full((n, n, 16), -1.0)
    for p in range(16):
        w11, w12, w21, w22 = (1.0 - 2.0 * ((p >> b) & 1) for b in range(4))
        for j1 in range(n):
            for j2 in range(j1, n):
                k1 = 4 * j1 + 2 * (p & 1) + ((p >> 2) & 1)
                k2 = 4 * j2 + 2 * ((p >> 1) & 1) + ((p >> 3) & 1)
                if k1 > k2:
                    continue
                g = w21 * s(w11 * (u - u[j1])) + w22 * s(w12 * (u - u[j2]))
                units = s(g[None, :] - g[:, None])  # row j3: the unit with third anchor x_j3
                best[j1, j2, p] = np.abs(units @ theta).max()
    return best


def _unit_corr(u, theta, s, p, j1, j2, j3):
    w11, w12, w21, w22 = (1.0 - 2.0 * ((p >> b) & 1) for b in range(4))
    g = w21 * s(w11 * (u - u[j1])) + w22 * s(w12 * (u - u[j2]))
    return abs(theta @ s(g - g[j3]))


def _problem(n, leaky, shift, scale, centered, seed=7):
    rng = np.random.default_rng(seed)
    u = np.sort(rng.uniform(-2, 2, n)) * scale + shift
    theta = rng.standard_normal(n)
    if centered:
        theta -= theta.mean()
    return u, theta, sigma("relu" if leaky is None else "leaky_relu", leaky)


@pytest.mark.parametrize("leaky", [None, 0.25, 2.0])
@pytest.mark.parametrize("shift, scale, centered", [(0.0, 1.0, True), (1e4, 1e-3, False),
                                                    (-30.0, 1e3, True)])
def test_every_first_layer_gets_its_best_third_anchor(leaky, shift, scale, centered):
    n = 17
    u, theta, (s, am, ap) = _problem(n, leaky, shift, scale, centered)
    j1, j2 = np.triu_indices(n)
    rows = np.empty((j1.shape[0], 16))
    rows_arg = np.zeros((j1.shape[0], 16), dtype=np.int64)
    price_symmetrized_pairs(u, theta, am, ap, j1, j2, rows, rows_arg)
    ref = _brute(u, theta, s)[j1, j2]
    top = ref.max()
    # the library's units: on the diagonal 10 codes of 16, above it all 16
    np.testing.assert_array_equal(rows >= 0, ref >= 0)
    assert np.all((rows >= 0).sum(axis=1) == np.where(j1 == j2, 10, 16))
    priced = rows >= 0
    np.testing.assert_allclose(rows[priced], ref[priced], rtol=0, atol=1e-12 * top)
    # the third anchor reported reaches the value reported
    for q, p in zip(*np.nonzero(priced)):
        assert _unit_corr(u, theta, s, p, j1[q], j2[q], rows_arg[q, p]) == pytest.approx(
            rows[q, p], rel=0, abs=1e-12 * top)


@functools.cache
def _final_dual(leaky, seed):
    """The dual vector of the last exact round of a symmetrized solve (40 points): for relu,
    V-shaped units are among its ten most correlated (seeds 1, 3), unlike for a random
    vector."""
    import library_of_mirrors as lom
    from library_of_mirrors.dictionary.implicit import ImplicitDictionary

    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(-2, 2, 40))
    y = np.sin(3 * x) + 0.3 * rng.standard_normal(40)
    d = lom.build_dictionary(x, "relu" if leaky is None else "leaky_relu", 3, "symmetrized",
                             leaky_slope=leaky, implicit=True)
    seen = []
    price = ImplicitDictionary.price

    def record(self, theta, k, centered=True):
        seen.append(np.array(theta))
        return price(self, theta, k, centered)

    ImplicitDictionary.price = record
    try:
        lom.solve_lasso(d, y, 0.01 * lom.beta_max(d, y))
    finally:
        ImplicitDictionary.price = price
    return d.x_unique, seen[-1]


@pytest.mark.parametrize("leaky, seed", [(None, 1), (None, 3), (0.25, 1)])
@pytest.mark.parametrize("k", [1, 12, 60])
def test_a_round_prunes_without_losing_the_maximum_or_the_k_best(monkeypatch, leaky, seed, k):
    """Branch and bound over blocks of third anchors (4 per block here), at a solver's last
    dual vector: the round's maximum and k best scores equal the exhaustive ones (V-shaped
    units among them), its units reach their scores and its screen holds the first layer of
    the maximum."""
    monkeypatch.setattr(sym, "BLOCK", 4)
    u, theta = _final_dual(leaky, seed)
    s, am, ap = sigma("relu" if leaky is None else "leaky_relu", leaky)
    cmax, units, scores, screen = symmetrized_round(u, theta, am, ap, k, 12)
    ref = _brute(u, theta, s)
    flat = np.sort(ref.ravel())[::-1]
    assert cmax == pytest.approx(flat[0], rel=1e-12)
    np.testing.assert_allclose(np.sort(scores)[::-1], flat[:k], rtol=1e-12)
    for (j1, j2, j3, p), v in zip(units, scores):
        assert j1 <= j2 and ref[j1, j2, p] >= 0  # a library unit
        assert _unit_corr(u, theta, s, p, j1, j2, j3) == pytest.approx(v, rel=1e-12)
    assert screen.shape == (12, 2) and np.all(screen[:, 0] <= screen[:, 1])
    assert np.unique(screen, axis=0).shape[0] == 12
    assert ref.max() == pytest.approx(max(ref[a, b].max() for a, b in screen), rel=1e-12)
    # from a floor among the V-shaped units' correlations, every unit above it is found
    vees = ref[:, :, [1, 2, 13, 14]]
    floor = float(np.quantile(vees[vees >= 0], 0.97))
    above = int((flat > floor).sum())
    assert (vees > floor).any()
    _, _, scores, _ = symmetrized_round(u, theta, am, ap, above, 12, floor=floor)
    np.testing.assert_allclose(np.sort(scores)[::-1], flat[:above], rtol=1e-12)


@pytest.mark.parametrize("leaky", [None, 0.25])
def test_the_bound_skips_only_third_anchors_below_it(monkeypatch, leaky):
    """Every unit above the bound ``above`` is found (the round prunes with its k-th best):
    blocks of 4 third anchors, bounds at quantiles of the V-shaped first layers' bests."""
    monkeypatch.setattr(sym, "BLOCK", 4)
    n = 40
    u, theta, (s, am, ap) = _problem(n, leaky, -5.0, 0.5, True, seed=11)
    j1, j2 = np.triu_indices(n)
    exact = np.empty((j1.shape[0], 16))
    exact_at = np.zeros((j1.shape[0], 16), dtype=np.int64)
    price_symmetrized_pairs(u, theta, am, ap, j1, j2, exact, exact_at)
    vees = [1, 2, 13, 14]  # the V-shaped first layers (w11 != w12, w21 = w22)
    for q in (0.2, 0.6, 0.95):
        above = float(np.quantile(exact[:, vees][exact[:, vees] >= 0], q))
        got = np.empty_like(exact)
        got_at = np.zeros_like(exact_at)
        price_symmetrized_pairs(u, theta, am, ap, j1, j2, got, got_at, above=above)
        found = exact > above
        assert found[:, vees].any() and not found[:, vees].all()
        np.testing.assert_array_equal(got[found], exact[found])
        assert np.all(got[~found] <= exact[~found])
        # what a skipped first layer reports is still one of its units, at its value
        for r, p in list(zip(*np.nonzero(~found & (got >= 0))))[::37]:
            assert _unit_corr(u, theta, s, p, j1[r], j2[r], got_at[r, p]) == pytest.approx(
                got[r, p], rel=1e-12, abs=1e-12 * exact.max())
