"""Features: the network unit and the kink form agree everywhere; the paper's named features."""

import numpy as np
import pytest
from conftest import COMBOS, combo_id

import library_of_mirrors as lom


@pytest.mark.parametrize("combo", COMBOS, ids=combo_id)
def test_unit_and_kink_form_agree_everywhere(combo):
    act, L, arch, slope = combo
    rng = np.random.default_rng(L)
    x = rng.normal(size=6)
    d = lom.build_dictionary(x, act, L, arch, leaky_slope=slope)
    z = np.concatenate([rng.normal(size=200) * 4, np.linspace(-8, 8, 801), x])
    for f in d.features:
        bps = f.breakpoints
        pts = np.concatenate([z, bps, bps + 1e-9, bps - 1e-9])
        np.testing.assert_allclose(f(pts), f.unit(pts), atol=1e-9)
    # the matrix is the features on the samples
    np.testing.assert_allclose(d.evaluate(x), d.matrix(), atol=0)


def test_breakpoints_are_exact_affine_combinations_of_data():
    x = np.random.default_rng(0).normal(size=7)
    for act, L, arch in [("abs", 3, "deep_narrow"), ("abs", 4, "deep_narrow"),
                         ("relu", 3, "symmetrized")]:
        d = lom.build_dictionary(x, act, L, arch)
        for f in d.features[: 200]:
            for b in f.provenance:
                assert abs(sum(c * p for c, p in zip(b.coefficients, b.points))
                           - b.position) < 1e-12
                assert abs(sum(b.coefficients) - 1.0) < 1e-12  # affine: translation-equivariant


def test_figure_3_1_reflection_and_double_reflection():
    x = np.array([0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 7.0, 8.0, 13.0])
    d3 = lom.build_dictionary(x, "abs", 3)
    f = d3.unit_feature([3.0, 2.0])  # ||x - 3| - |2 - 3||
    np.testing.assert_array_equal(f.breakpoints, [2.0, 3.0, 4.0])
    refl = f.provenance[2]
    assert refl.kind == "reflection" and refl.points == (2.0, 3.0)
    assert refl.formula == "R(x[2], x[3]) = 2x[3] - x[2]"
    t = np.linspace(-2, 15, 500)
    np.testing.assert_allclose(f(t), np.abs(np.abs(t - 3) - 1))
    f = d3.unit_feature([8.0, 4.0])  # ||x - 8| - 4|: breakpoints 4, 8 and R(4, 8) = 12
    assert [b.kind for b in f.provenance] == ["data", "data", "reflection"]
    assert f.provenance[2].position == 12.0
    d4 = lom.build_dictionary(x, "abs", 4)
    f = d4.unit_feature([7.0, 4.0, 5.0])  # |||x - 7| - 3| - 1|
    np.testing.assert_array_equal(f.breakpoints, [3, 4, 5, 7, 9, 10, 11])
    np.testing.assert_allclose(f(t), np.abs(np.abs(np.abs(t - 7) - 3) - 1))
    kinds = {b.position: b.kind for b in f.provenance}
    assert kinds[11.0] == "double reflection"  # R(R(x_j3, x_j2), x_j1) = R(3, 7) = 11
    assert kinds[3.0] == "reflection" and kinds[9.0] == "reflection"
    assert kinds[10.0] == "reflection"


def test_lemma_b2_relu_closed_forms():
    """3-layer relu features are ReLU^+-_{max/min} (W2 = 1) or capped ramps (W2 = -1)."""
    rng = np.random.default_rng(2)
    x = rng.normal(size=6)
    d = lom.build_dictionary(x, "relu", 3)
    t = np.linspace(-4, 4, 1001)
    relu = lambda v: np.maximum(v, 0)  # noqa: E731

    def ramp_plus(a1, a2, v):
        return np.where(a1 <= a2, np.clip(v - a1, 0, a2 - a1), 0.0)

    def ramp_minus(a1, a2, v):
        return np.where(a1 <= a2, np.clip(a2 - v, 0, a2 - a1), 0.0)

    for xj1 in x:
        for xj2 in x:
            for w1 in (1, -1):
                for w2 in (1, -1):
                    f = d.unit_feature([xj1, xj2], signs=[w1, w2])
                    if w2 == 1:
                        ref = relu(t - max(xj1, xj2)) if w1 == 1 else relu(min(xj1, xj2) - t)
                    else:
                        ref = ramp_minus(xj1, xj2, t) if w1 == 1 else ramp_plus(xj2, xj1, t)
                    np.testing.assert_allclose(f(t), ref, atol=1e-12)


def test_lemma_b2_abs_closed_form_w_function():
    """3-layer abs features are W_{min(x_j2, R(x_j2, a)), a} with a the first-layer kink."""
    x = np.random.default_rng(3).normal(size=5)
    t = np.linspace(-6, 6, 1201)

    def W(al, be, v):  # Definition B.1
        R = 2 * be - al
        return np.where(v <= al, al - v, np.where(v <= be, v - al,
                                                  np.where(v <= R, R - v, v - R)))

    d = lom.build_dictionary(x, "abs", 3)
    for xj1 in x:
        for xj2 in x:
            for a, kw in ((xj1, dict(anchors=[xj1, xj2])),
                          ((xj1 + xj2) / 2, dict(anchors=[xj2], midpoint_pair=[xj1, xj2]))):
                if "midpoint_pair" in kw and xj1 == xj2:
                    continue
                f = d.unit_feature(**kw)
                al = min(xj2, 2 * a - xj2)
                np.testing.assert_allclose(f(t), W(al, a, t), atol=1e-12)


def test_figure_3_4_generalized_reflections():
    """Symmetrized relu: breakpoints at x_j1 + x_j2 - x_j3 (Figure 3.4, bottom row)."""
    x = np.array([-2.0, -1.0, 0.0, 2.0, 3.5])
    d = lom.build_dictionary(x, "relu", 3, "symmetrized")
    # W1 = (1, -1), W2 = (1, 1): relu(x - a) + relu(b - x), anchored at c > a > b
    f = d.unit_feature([2.0, 0.0, 3.5], signs=[1, -1, 1, 1])
    gen = [b for b in f.provenance if b.kind == "generalized reflection"]
    assert len(gen) == 1 and gen[0].position == pytest.approx(2.0 + 0.0 - 3.5)
    assert set(gen[0].points) == {0.0, 2.0, 3.5}
    # the library holds generalized-reflection features
    found = [b for g in d.features for b in g.provenance if b.kind == "generalized reflection"]
    assert found
    # slopes of symmetrized relu features are 0, +-1 or +-2 (Figure 3.4, Lemma C.7)
    slopes = set()
    for g in d.features:
        kf = g.kink_form
        s = np.concatenate([[kf["c1"]], kf["c1"] + np.cumsum(kf["slopes"])])
        slopes |= set(np.round(s, 12))
    assert slopes <= {0.0, 1.0, -1.0, 2.0, -2.0}


def test_sign_and_threshold_jumps_follow_sign_of_zero():
    x = np.array([0.0, 1.0, 2.0])
    for act in ("sign", "threshold"):
        d = lom.build_dictionary(x, act, 2)
        for f in d.features:
            bp = f.breakpoints
            np.testing.assert_array_equal(f(bp), f.unit(bp))  # sign(0) = 1, 1{0 >= 0} = 1
            assert all(b.jump and b.kind == "data" for b in f.provenance)


def test_unit_feature_errors():
    d = lom.build_dictionary([0.0, 1.0, 2.0], "abs", 3)
    with pytest.raises(ValueError, match="not a training point"):
        d.unit_feature([0.5, 1.0])
    with pytest.raises(ValueError, match="expected 2 anchor"):
        d.unit_feature([1.0])
    with pytest.raises(ValueError, match="two distinct training points"):
        d.unit_feature([1.0], midpoint_pair=[2.0, 2.0])


def test_products_over_chosen_features_equal_those_of_the_subset_batch():
    # FeatureBatch's evaluate / grid products with ``cols`` read only those features, in that
    # order (duplicates allowed): the same numbers as the subset batch's own products
    x = np.random.default_rng(5).normal(size=25)
    b = lom.build_dictionary(x, "abs", 3).batch
    cols = np.array([7, 0, 7, b.n_features - 1, 3])
    sub = b.subset(cols)
    t = np.linspace(-3, 3, 41)
    z = np.random.default_rng(6).standard_normal(cols.shape[0])
    q = np.random.default_rng(7).standard_normal(b.x_unique.shape[0])
    assert np.array_equal(b.evaluate(t, cols), sub.evaluate(t))
    assert np.array_equal(b.grid_rmatvec(q, cols), sub.grid_rmatvec(q))
    assert np.array_equal(b.grid_columns(cols), sub.grid_columns())
    assert np.array_equal(b.grid_matvec(z, cols), sub.grid_matvec(z))
    assert np.array_equal(b.grid_matvec_accurate(z, cols), sub.grid_matvec_accurate(z))
    assert np.array_equal(b.grid_columns(), b.grid_columns(np.arange(b.n_features)))
