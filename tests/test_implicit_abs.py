"""The implicit 3-layer deep narrow abs library (pricer "mirrors", dictionary/mirrors.py): its
pricing against the explicit library's A^T theta, its solves against the explicit library,
cvxpy/Clarabel and the reconstructed network's objective (1.1), and its errors."""

import re
import warnings

import numpy as np
import pytest
from convex_reference import cvx_lasso

import library_of_mirrors as lom
from library_of_mirrors.dictionary import ImplicitDictionary, mirrors
from library_of_mirrors.dictionary import build as dbuild
from library_of_mirrors.dictionary import implicit as dimplicit


def _data(n, seed, dup=False):
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(-2, 2, n))
    if dup:
        x = np.round(x, 1)
    return x, np.sin(2 * x) + 0.3 * np.abs(x) + 0.2 * rng.standard_normal(n)


def _pair(x, midpoints="anchor"):
    return (lom.build_dictionary(x, "abs", 3, midpoints=midpoints),
            lom.build_dictionary(x, "abs", 3, midpoints=midpoints, implicit=True))


def _theta(n, seed, centered):
    theta = np.random.default_rng(seed).standard_normal(n)
    return theta - theta.mean() if centered else theta


# (name, x): plain random points, repeated inputs, far from 0, tiny scale, an even grid (many
# mirrors land on data points: data units equal to midpoint units)
INPUTS = {
    "random": _data(31, 1)[0],
    "duplicates": _data(60, 2, dup=True)[0],
    "offset": _data(31, 3)[0] + 1e6,
    "tiny": _data(31, 4)[0] * 1e-6,
    "grid": np.linspace(-1.0, 2.0, 25),
}


@pytest.mark.parametrize("name", list(INPUTS))
@pytest.mark.parametrize("centered", [True, False])
@pytest.mark.parametrize("midpoints", ["anchor", "none"])
def test_pricing_is_the_explicit_librarys_max_and_finds_its_best_columns(name, centered,
                                                                         midpoints):
    x = INPUTS[name]
    d, imp = _pair(x, midpoints)
    assert imp.spec.pricer == "mirrors" and not imp.listed
    assert imp.n_features == sum(dbuild.candidate_counts(d.spec, d.x_unique.shape[0]))
    theta = _theta(x.shape[0], 5, centered)  # at the samples, aggregated per distinct point
    A = d.matrix()
    corr = np.sort(np.abs(A.T @ theta))[::-1]
    k = 20
    price = imp.price(np.bincount(d.inverse, weights=theta), k, centered=centered)
    # the exact maximum over the whole library (it scales the dual point: the certificate)
    assert price.corr_max == pytest.approx(corr[0], rel=1e-11)
    assert price.scores.max() == pytest.approx(corr[0], rel=1e-11)
    # the candidates are library units whose correlations are the reported scores
    cols = imp.materialize(price.codes)
    B = cols.matrix()
    assert np.allclose(np.abs(B.T @ theta), price.scores, rtol=1e-11, atol=1e-12 * corr[0])
    for j in range(B.shape[1]):
        err = np.minimum(np.abs(A - B[:, [j]]).max(axis=0), np.abs(A + B[:, [j]]).max(axis=0))
        assert err.min() <= 1e-9 * max(np.abs(B[:, j]).max(), np.abs(x).max() * 1e-6)
    # and the k most correlated: no column of the library beats the k-th candidate
    assert price.codes.shape[0] == k
    assert price.scores.min() >= corr[k - 1] * (1 - 1e-11)


@pytest.mark.parametrize("seed", [0, 1])
def test_pruned_pricing_equals_the_exhaustive_pass(seed):
    """The bounds of the chunked pass lose nothing: the same maximum and k best scores as
    evaluating every unit, on random points, a grid with duplicates and a clustered sample;
    also when the first pass lists a single chunk (the second pass then decides)."""
    rng = np.random.default_rng(seed)
    samples = [np.unique(rng.uniform(-3, 3, 700)),
               np.unique(np.round(rng.uniform(0, 10, 900))) / 7.0,
               np.unique(np.concatenate([rng.normal(0, 0.01, 300), rng.exponential(2, 300)]))]
    for u in samples:
        n = u.shape[0]
        for theta in (rng.standard_normal(n), np.sin(5 * u) - np.convolve(
                np.sin(5 * u), np.ones(9) / 9, mode="same")):
            for k in (1, 37, 300):
                ref = mirrors.price_mirrors(u, theta, k, prune=False)
                for kw in ({}, {"chunk": 16, "fine": 4}, {"listed": 1}):
                    got = mirrors.price_mirrors(u, theta, k, **kw)
                    assert got[0] == ref[0]
                    assert np.allclose(got[1], ref[1], rtol=1e-13, atol=0)
                    assert np.array_equal(np.sort(got[1])[::-1], got[1])


def test_the_second_pass_runs_when_the_listed_chunks_do_not_decide(monkeypatch):
    u = np.unique(np.random.default_rng(3).uniform(-1, 1, 300))
    theta = np.random.default_rng(4).standard_normal(u.shape[0])
    sweeps = []
    sweep = mirrors._sweep_block

    def counting(*args):
        sweeps.append(args[8])  # evaluate: the second pass (one call per block of rows)
        return sweep(*args)

    monkeypatch.setattr(mirrors, "_sweep_block", counting)
    for k, listed in ((500, 1), (40, 1)):
        sweeps.clear()
        got = mirrors.price_mirrors(u, theta, k, chunk=32, listed=listed)
        passes = [e for i, e in enumerate(sweeps) if i == 0 or e != sweeps[i - 1]]
        assert passes == [False, True] and sweeps.count(True) == sweeps.count(False)
        ref = mirrors.price_mirrors(u, theta, k, prune=False)
        assert got[0] == ref[0] and np.allclose(got[1], ref[1], rtol=1e-13, atol=0)


def test_units_of_both_families_materialize_in_the_order_given():
    x = INPUTS["random"]
    d, imp = _pair(x)
    n = d.x_unique.shape[0]
    rng = np.random.default_rng(6)
    codes = rng.choice(imp.n_features, 40, replace=False)
    fam, local = imp.split_codes(codes)
    assert set(fam.tolist()) == {0, 1} and np.all(local < n * n)
    keep = imp.hash_codes(codes)[3]  # midpoint codes of a point with itself are no unit
    codes = codes[keep]
    together = imp.materialize(codes).matrix()
    one_by_one = np.column_stack([imp.materialize(codes[[i]]).matrix()[:, 0]
                                  for i in range(codes.shape[0])])
    assert np.array_equal(together, one_by_one)
    kinds = imp.materialize(codes).batch.kinds
    assert set(kinds.tolist()) == {lom.families.DATA.kind, lom.families.MIDPOINT.kind}


@pytest.mark.parametrize("dup", [False, True])
@pytest.mark.parametrize("costly", [False, True])
def test_implicit_solve_equals_explicit_solve_cvxpy_and_the_network(dup, costly, monkeypatch):
    """Both working-set regimes of the engine: celer's (few points) and every priced unit in
    the working set (the regime from MIRRORS_COSTLY_FROM points)."""
    monkeypatch.setattr(dimplicit, "MIRRORS_COSTLY_FROM", 0 if costly else 10**9)
    x, y = _data(40 if dup else 28, 7, dup)
    d, imp = _pair(x)
    assert imp.costly_pricing == costly and imp.pool().keep_priced == costly
    A = d.matrix()
    bmax = lom.beta_max(d, y)
    assert lom.beta_max(imp, y) == pytest.approx(bmax, rel=1e-12)
    for frac in (0.1, 1e-2, 1e-3):
        beta = frac * bmax
        ref = lom.solve_lasso(d, y, beta, tol=1e-10)
        res = lom.solve_lasso(imp, y, beta, tol=1e-10)
        assert res.converged and res.certificate == lom.TRAINING_PROBLEM
        assert res.z.shape == (res.dictionary.n_features,) == res.codes.shape
        assert res.objective == pytest.approx(ref.objective, rel=1e-8)
        cvx = cvx_lasso(A, y, beta)
        assert abs(res.objective - cvx) <= 1e-7 * max(1.0, abs(cvx))
        # the certificate bounds the optimum of the full library from below
        assert res.objective - res.gap <= min(ref.objective, cvx) + 1e-9 * abs(cvx)
        # second oracle: the reconstructed network's objective (1.1)
        net = lom.reconstruct(imp, res, beta)
        assert net.objective(x, y, beta) == pytest.approx(res.objective, rel=1e-9)
        assert np.allclose(net(x), res.predict(imp, x), atol=1e-10)


def test_without_midpoints_the_certificate_covers_the_library_only():
    x, y = _data(30, 8)
    d, imp = _pair(x, "none")
    assert not imp.exact and imp.why_inexact == d.why_inexact
    beta = 1e-2 * lom.beta_max(d, y)
    with warnings.catch_warnings():  # it warns once per reason and process
        warnings.simplefilter("ignore", lom.LibraryOnlyWarning)
        res = lom.solve_lasso(imp, y, beta, tol=1e-10)
    assert res.certificate == lom.LIBRARY_ONLY
    assert res.objective == pytest.approx(cvx_lasso(d.matrix(), y, beta), rel=1e-7)
    # the data units only: no midpoint unit was priced
    assert set(res.dictionary.batch.kinds.tolist()) == {lom.families.DATA.kind}


def test_warm_start_zero_solutions_and_weights():
    x, y = _data(40, 9)
    d, imp = _pair(x)
    bmax = lom.beta_max(imp, y)
    first = lom.solve_lasso(imp, y, 0.05 * bmax, tol=1e-10)
    warm = lom.solve_lasso(imp, y, 0.005 * bmax, tol=1e-10, warm_start=first)
    cold = lom.solve_lasso(imp, y, 0.005 * bmax, tol=1e-10)
    assert warm.converged and warm.objective == pytest.approx(cold.objective, rel=1e-9)
    # above beta_max: z = 0 with an empty pool, certified, the network is the constant xi
    res = lom.solve_lasso(imp, y, 2 * bmax)
    assert res.converged and res.active.shape[0] == 0 and res.gap <= 1e-12 * res.objective
    assert np.allclose(lom.reconstruct(imp, res)(x), res.xi)
    # sample weights and no external bias (the pricer never assumes sum theta = 0)
    w = np.random.default_rng(10).uniform(0.2, 2.0, x.shape[0])
    res = lom.solve_lasso(imp, y, 0.01, sample_weight=w, bias=False, tol=1e-10)
    ref = cvx_lasso(d.matrix(), y, 0.01, w=w, bias=False)
    assert res.converged and abs(res.objective - ref) <= 1e-7 * max(1.0, abs(ref))


def test_auto_goes_implicit_and_models_reload_by_unit_codes(monkeypatch, tmp_path):
    x, y = _data(50, 11)
    imp = lom.build_dictionary(x, "abs", 3, implicit="auto", max_candidates=100)
    assert isinstance(imp, ImplicitDictionary)
    assert not isinstance(lom.build_dictionary(x, "abs", 3, implicit="auto"),
                          ImplicitDictionary)
    ref = lom.ConvexNetRegressor(activation="abs", depth=3, beta=0.05, tol=1e-10).fit(
        x[:, None], y)
    monkeypatch.setattr(dbuild, "MAX_CANDIDATES", 1000)
    est = lom.ConvexNetRegressor(activation="abs", depth=3, beta=0.05, tol=1e-10).fit(
        x[:, None], y)
    assert est.implicit_ and not ref.implicit_
    assert est.result_.objective == pytest.approx(ref.result_.objective, rel=1e-8)
    assert np.allclose(est.predict(x[:, None]), ref.predict(x[:, None]), atol=1e-6)
    est.save(tmp_path / "m.json")
    back = lom.ConvexNetRegressor.load(tmp_path / "m.json")
    assert np.array_equal(back.predict(x[:, None]), est.predict(x[:, None]))


def test_errors():
    x, _ = _data(20, 12)
    with pytest.raises(ValueError, match=re.escape(
            "no implicit (structured) pricing for the 3-layer deep_narrow abs library with "
            "midpoints='all' (the midpoint of any pair with any anchor, Definition 3.9 "
            "literally: O(N^3) units); implicit=True prices midpoints='anchor' (Lemma D.11, "
            "the default) or 'none'")):
        lom.build_dictionary(x, "abs", 3, midpoints="all", implicit=True)
    # "auto" does not choose it: the explicit library's limit applies, with its message
    with pytest.raises(ValueError, match=re.escape(
            "the full 3-layer deep_narrow abs library has 8.4e+03 candidate units for 20 "
            "distinct points (limit 100); pass n_features=... to sample a library, or raise "
            "max_candidates")):
        lom.build_dictionary(x, "abs", 3, midpoints="all", implicit="auto", max_candidates=100)
    imp = lom.build_dictionary(x, "abs", 3, implicit=True)
    with pytest.raises(ValueError, match=re.escape(
            "theta must have one value per distinct point (20), got (3,)")):
        imp.price(np.zeros(3), 5)
    with pytest.raises(MemoryError, match="never stored"):
        imp.matrix()
