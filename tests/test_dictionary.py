"""The deep library against a brute-force enumeration of Definition 3.10, and its counts."""

import numpy as np
import pytest
from conftest import COMBOS, combo_id
from reference import canonical_columns, library_matrix, same_column_sets

import library_of_mirrors as lom


def _data(seed, n):
    return np.random.default_rng(seed).normal(size=n)


@pytest.mark.parametrize("combo", COMBOS, ids=combo_id)
@pytest.mark.parametrize("n", [3, 5, 7])
def test_library_equals_bruteforce_definition_3_10(combo, n):
    act, L, arch, slope = combo
    if arch == "symmetrized" and n == 7:
        n = 6  # 16 N^3 brute-force units: keep the default suite quick
    x = _data(n + 10 * L, n)
    d = lom.build_dictionary(x, act, L, arch, leaky_slope=slope)
    ref = library_matrix(x, act, L, arch, slope)
    assert same_column_sets(d.matrix(), ref)
    # merging leaves no two columns equal up to sign
    assert len(canonical_columns(d.matrix())) == d.n_features


@pytest.mark.parametrize("midpoints", ["anchor", "all", "none"])
@pytest.mark.parametrize("act, slope", [("abs", None), ("leaky_relu", -0.6)])
def test_midpoint_options_equal_bruteforce(act, slope, midpoints):
    x = _data(3, 6)
    d = lom.build_dictionary(x, act, 3, leaky_slope=slope, midpoints=midpoints)
    assert same_column_sets(d.matrix(), library_matrix(x, act, 3, leaky=slope,
                                                       midpoints=midpoints))
    assert set(d.family_counts) == ({"data"} if midpoints == "none" else {"data", "midpoint"})


@pytest.mark.parametrize("depth", [4, 5])
def test_relu_library_freezes_at_depth_3_lemma_3_7(depth):
    x = _data(depth, 6)
    d3 = lom.build_dictionary(x, "relu", 3)
    dL = lom.build_dictionary(x, "relu", depth)
    assert same_column_sets(d3.matrix(), dL.matrix())
    # and the depth-L units really are depth-L networks realising those columns
    assert same_column_sets(dL.matrix(), library_matrix(x, "relu", depth))
    for f in dL.features:
        assert f.unit.depth == depth


def test_exact_counts():
    rng = np.random.default_rng(5)
    for n in (4, 9, 15):
        x = rng.permutation(np.linspace(-1, 2, n) + rng.uniform(0, 0.01, n))
        count = lambda a, L, **k: lom.build_dictionary(x, a, L, **k).n_features  # noqa: E731
        # Corollary 3.15: A+ (N) for abs and sign, [A+, A-] (2N) for the others, less the
        # columns that vanish on the data (relu(x - max), relu(min - x)) or coincide
        # (threshold: 1{x >= min} = 1{x <= max} = 1)
        assert count("abs", 2) == n
        assert count("sign", 2) == n
        assert count("relu", 2) == 2 * n - 2
        assert count("leaky_relu", 2, leaky_slope=0.1) == 2 * n
        assert count("threshold", 2) == 2 * n - 1
        # Lemma B.2: 2N - 2 ramps and (N-1)(N-2) distinct capped ramps = N(N-1) (Lemma 3.7)
        assert count("relu", 3) == n * (n - 1)


@pytest.mark.parametrize("n", [5, 8])
def test_counts_respect_the_bounds_of_table_3_1(n):
    x = _data(n, n)
    b = lambda *a, **k: lom.build_dictionary(x, *a, **k).n_features  # noqa: E731
    assert b("relu", 2) <= 2 * n and b("abs", 2) <= n and b("sign", 2) <= n
    assert b("threshold", 2) <= 2 * n
    assert b("relu", 3) <= n * n and b("relu", 5) <= n * n  # O(N^2), Lemma 3.7
    # abs, 3 layers: data features N^2 plus midpoint features N(N-1) (Table 3.1: O(N^2))
    assert b("abs", 3) <= 2 * n * n
    # Theorem 3.6: O(N^(L-1) 2^L L!); deep library (Def. 3.10): 2^(L-1) N^(L-1) units
    assert b("abs", 4) <= n**3
    assert b("leaky_relu", 4, leaky_slope=-0.3) <= 8 * n**3
    # Theorem 3.13: 2^(2(L-1)) N^3 = 16 N^3 for the symmetrized library
    assert b("relu", 3, "symmetrized") <= 16 * n**3


def test_duplicates_and_row_order():
    x = np.array([0.3, -1.0, 0.3, 2.0, -1.0, 5.0])
    d = lom.build_dictionary(x, "abs", 3)
    A = d.matrix()
    assert A.shape == (6, d.n_features) and d.n_samples == 6
    np.testing.assert_array_equal(A[0], A[2])
    np.testing.assert_array_equal(A[1], A[4])
    # rows follow x as given: column j is the feature evaluated at x
    for j in range(d.n_features):
        np.testing.assert_allclose(A[:, j], d.features[j](x), atol=1e-12)
    np.testing.assert_array_equal(d.x_unique, [-1.0, 0.3, 2.0, 5.0])
    np.testing.assert_array_equal(d.counts, [2, 2, 1, 1])
    # the library on the distinct values is the same as without duplicates
    assert same_column_sets(lom.build_dictionary(np.unique(x), "abs", 3).matrix(),
                            d.matrix()[[1, 0, 3, 5]])


def test_parallel_passes_equal_the_serial_ones(monkeypatch):
    """Above PARALLEL_FROM candidates the hashing and building passes run over blocks in
    parallel; every family kind then gives the same library, in the same order, as serially."""
    from library_of_mirrors.families import kernels

    x = _data(11, 7)
    serial = {c: lom.build_dictionary(x, c[0], c[1], c[2], leaky_slope=c[3]) for c in COMBOS}
    monkeypatch.setattr(kernels, "PARALLEL_FROM", 1)
    for (act, L, arch, slope), d in serial.items():
        p = lom.build_dictionary(x, act, L, arch, leaky_slope=slope)
        np.testing.assert_array_equal(p.matrix(), d.matrix())
        np.testing.assert_array_equal(p.multiplicity, d.multiplicity)
        assert p.family_counts == d.family_counts


def test_input_as_column_vector_and_list():
    x = [[1.0], [0.0], [3.0]]
    d = lom.build_dictionary(x, "relu", 2)
    assert d.n_samples == 3
    np.testing.assert_array_equal(d.x, [1.0, 0.0, 3.0])


def test_sampled_library_is_reproducible_and_inside_the_full_library():
    x = _data(0, 9)
    full = lom.build_dictionary(x, "abs", 4)
    s1 = lom.build_dictionary(x, "abs", 4, n_features=40, random_state=3)
    s2 = lom.build_dictionary(x, "abs", 4, n_features=40, random_state=3)
    s3 = lom.build_dictionary(x, "abs", 4, n_features=40, random_state=4)
    assert s1.n_features == 40 and s1.sampled
    np.testing.assert_array_equal(s1.matrix(), s2.matrix())
    assert not np.array_equal(s1.matrix(), s3.matrix())
    F = canonical_columns(full.matrix())
    from scipy.spatial import cKDTree

    dist, _ = cKDTree(F).query(canonical_columns(s1.matrix()))
    assert np.max(dist) < 1e-9
    # sampling more than the library holds returns the whole library, with a warning: at
    # least its candidates (built whole, no draws) ...
    with pytest.warns(RuntimeWarning, match=r"sampling found only 6 distinct nonzero features "
                                            r"\(asked for n_features=50\): the full 2-layer "
                                            "deep_narrow abs library has 6 candidate units on 6 "
                                            "distinct points, so it was built whole"):
        s = lom.build_dictionary(x[:6], "abs", 2, n_features=50, random_state=0)
    assert s.n_features == 6 and not s.sampled
    # ... or more distinct columns than it has (the draws find them all)
    full3 = lom.build_dictionary(x[:4], "abs", 3)
    with pytest.warns(RuntimeWarning, match=f"only {full3.n_features} distinct.*after"):
        s = lom.build_dictionary(x[:4], "abs", 3, n_features=full3.n_features + 1,
                                 random_state=0)
    assert s.n_features == full3.n_features and s.sampled


def test_sampled_deep_library_sequential_procedure_section_4():
    """Each sampled depth-L unit carries anchors x_j1..x_j(L-1) and data feature biases."""
    x = _data(1, 30)
    d = lom.build_dictionary(x, "abs", 5, n_features=200, random_state=0)
    assert d.n_features == 200
    for f in d.features[:20]:
        unit = f.unit
        assert unit.depth == 5
        np.testing.assert_allclose(unit(x), f(x), atol=1e-12)


def test_multiplicity_counts_merged_units():
    x = _data(2, 5)
    # sign: sigma(x_n - x) = -sigma(x - x_n') on the data, so 2N units give N columns
    d = lom.build_dictionary(x, "sign", 2)
    assert d.n_features == 5 and np.all(d.multiplicity == 2)
    d = lom.build_dictionary(x, "relu", 3)
    assert d.multiplicity.sum() == 4 * 5 * 5 - np.sum(
        np.all(np.abs(library_matrix(x, "relu", 3)) < 1e-12, axis=0))


@pytest.mark.parametrize("act, slope", [("abs", None), ("relu", None), ("leaky_relu", 0.4)])
def test_deeper_libraries_contain_shallower_ones_remark_3_12(act, slope):
    from scipy.spatial import cKDTree

    x = _data(8, 7)
    prev = None
    for L in (2, 3, 4, 5):
        C = canonical_columns(lom.build_dictionary(x, act, L, leaky_slope=slope).matrix())
        if prev is not None:
            assert np.max(cKDTree(C).query(prev)[0]) < 1e-9, L
        prev = C


def test_depth_4_leaky_negative_slope_misses_3_layer_columns():
    """Erratum E3c: with a- < 0 the depth-4 leaky library lacks 3-layer (midpoint) columns,
    even up to the free constant; with a- > 0 (monotone) it contains them all."""
    x = np.array([-1.99, 0.17, 0.43, 0.92, 1.26, 1.74])

    def directions(A):
        A = A - A.mean(axis=0)
        n = np.linalg.norm(A, axis=0)
        return A / np.where(n > 0, n, 1.0)

    missing = {}
    for s in (-0.5, 0.2):
        B3 = directions(lom.build_dictionary(x, "leaky_relu", 3, leaky_slope=s).matrix())
        B4 = directions(lom.build_dictionary(x, "leaky_relu", 4, leaky_slope=s).matrix())
        missing[s] = int(np.sum(np.max(np.abs(B4.T @ B3), axis=0) < 1 - 1e-9))
    assert missing == {-0.5: 58, 0.2: 0}
