"""numpy Adam on (1.1): mini-batches, starts from a Lasso solution (Appendix D), schedules,
and the reflection breakpoints Adam learns (Figures 3.2, 3.5).

Oracles: the certified Lasso optimum (never beaten) and the predicted breakpoints of the
library's features (reflections of data points about data points)."""

import numpy as np
import pytest

import library_of_mirrors as lom
from library_of_mirrors.compare import compare_adam, function_kinks, nearest_kink_distances
from library_of_mirrors.nn import ParallelNetwork
from library_of_mirrors.nn.training import init_network, train_adam
from library_of_mirrors.reconstruct import network_of_units

FIG32_X = np.array([2.0, 0.0, -1.0, 3.0])
FIG35_X = np.array([4.0, 3.0, 1.0, 0.0, -1.0])


def _data(n, seed):
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(-2, 2, n))
    return x, np.sin(2 * x) + 0.3 * rng.standard_normal(n)


def test_one_batch_is_full_batch_adam():
    x, y = _data(10, 0)
    a = train_adam(x, y, 0.01, "relu", 3, width=8, epochs=50, seed=1)
    b = train_adam(x, y, 0.01, "relu", 3, width=8, epochs=50, seed=1, batch_size=10)
    for wa, wb in zip(a.weights + a.biases + [a.alpha], b.weights + b.biases + [b.alpha]):
        np.testing.assert_allclose(wa, wb, rtol=1e-12, atol=1e-15)  # summation order differs
    np.testing.assert_allclose(a.history, b.history, rtol=1e-12)


def test_mini_batch_adam_descends_and_stays_above_the_lasso():
    x, y = _data(16, 1)
    beta = 0.02
    d = lom.build_dictionary(x, "relu", 2)
    opt = lom.solve_lasso(d, y, beta, tol=1e-10).objective
    net = train_adam(x, y, beta, "relu", 2, width=30, epochs=1500, seed=2, batch_size=4)
    curve = np.array(net.history)[:, 1]
    assert curve[-1] < 0.5 * curve[0]
    assert net.objective(x, y, beta) >= opt * (1 - 1e-9)
    assert net.objective(x, y, beta) <= 1.5 * opt


@pytest.mark.parametrize("act,L,arch", [("relu", 3, "deep_narrow"), ("abs", 3, "deep_narrow"),
                                        ("relu", 3, "symmetrized"), ("sign", 2, "deep_narrow")])
def test_adam_from_the_lasso_solution_stays_at_the_optimum(act, L, arch):
    """Appendix D: the reconstructed optimal network as a subset of the units, padded with
    small random units, is (near) a stationary point: Adam keeps the objective at the optimum
    and never goes below it."""
    x, y = _data(10, 3)
    beta = 0.02
    d = lom.build_dictionary(x, act, L, arch)
    res = lom.solve_lasso(d, y, beta, tol=1e-12)
    start = lom.reconstruct(d, res, beta)
    net = train_adam(x, y, beta, act, L, arch, width=start.width + 10, epochs=400, lr=1e-3,
                     seed=4, init=start)
    assert net.width == start.width + 10
    assert res.objective * (1 - 1e-6) <= net.objective(x, y, beta) <= res.objective * 1.02


def test_concat_adds_the_functions():
    x = np.linspace(-2, 2, 9)
    a = init_network(x, "abs", 3, width=4, seed=0)
    b = init_network(x, "abs", 3, width=3, seed=1)
    a.xi, b.xi = 0.5, -0.25
    c = a.concat(b)
    assert c.width == 7
    t = np.linspace(-3, 3, 31)
    np.testing.assert_allclose(c(t), a(t) + b(t), atol=1e-12)
    with pytest.raises(ValueError, match="activations or unit shapes differ"):
        a.concat(init_network(x, "relu", 3, width=2, seed=0))
    with pytest.raises(ValueError, match="activations or unit shapes differ"):
        a.concat(init_network(x, "abs", 4, width=2, seed=0))
    with pytest.raises(TypeError, match="other must be a ParallelNetwork"):
        a.concat("b")


def test_training_rejects_bad_options():
    x, y = _data(6, 5)
    with pytest.raises(ValueError, match="lr_schedule must be one of"):
        train_adam(x, y, 0.1, epochs=2, lr_schedule="step")
    with pytest.raises(ValueError, match="need epochs >= 1 and lr > 0"):
        train_adam(x, y, 0.1, epochs=0)
    with pytest.raises(TypeError, match="init must be a ParallelNetwork"):
        train_adam(x, y, 0.1, epochs=2, init="lasso")
    with pytest.raises(ValueError, match="init must be 'random' or 'lasso'"):
        compare_adam(x, y, 0.1, seeds=[0], epochs=2, init="zeros")


def test_cosine_schedule_reaches_a_lower_objective_than_its_constant_start():
    """Annealing the step removes Adam's hovering: same seed, same epochs, lower objective."""
    x, y = _data(12, 6)
    kw = dict(width=20, epochs=3000, lr=2e-2, seed=0)
    const = train_adam(x, y, 0.01, "relu", 2, **kw).objective(x, y, 0.01)
    cos = train_adam(x, y, 0.01, "relu", 2, lr_schedule="cosine", **kw).objective(x, y, 0.01)
    assert cos < const


def test_kink_finder_locates_known_breakpoints():
    def f(t):
        return np.abs(t - 1.0) + 0.5 * np.maximum(t + 0.5, 0.0) - 0.01 * np.maximum(t - 2, 0)

    k = function_kinks(f, -3, 4)
    np.testing.assert_allclose(np.sort(k), [-0.5, 1.0], atol=1e-9)  # 2 is below rtol
    np.testing.assert_allclose(nearest_kink_distances(f, [1.0, 3.0], -3, 4), [0, 2], atol=1e-9)
    assert np.all(np.isinf(nearest_kink_distances(lambda t: 2 * t, [0.0], -1, 1)))


def test_adam_learns_the_reflections_of_figure_3_2():
    """Figure 3.2, L = 3: target the feature ||x - 2| - 2| on x = (2, 0, -1, 3); its kink at
    4 = R(x2 = 0 about x1 = 2) is no training point.  Adam from random starts comes within 1%
    of the Lasso optimum, every significant kink it learns is a breakpoint of the library
    (data points, midpoints, reflections), every seed learns a reflection that is no training
    point, and some seed learns the kink at 4.  (Off the data hull the optimum is not unique:
    a seed may continue the line through 4 instead, at the same objective.)"""
    d = lom.build_dictionary(FIG32_X, "abs", 3)
    f = d.unit_feature((2.0, 0.0))
    assert 4.0 in f.breakpoints and 4.0 not in FIG32_X
    library = np.unique(np.concatenate([g.breakpoints for g in d.features]))
    y = f(FIG32_X)
    beta = 1e-2
    opt = lom.solve_lasso(d, y, beta, tol=1e-12).objective
    at4 = []
    for seed in range(3):
        net = train_adam(FIG32_X, y, beta, "abs", 3, width=40, epochs=15000, lr=5e-3,
                         seed=seed, lr_schedule="cosine")
        assert opt * (1 - 1e-6) <= net.objective(FIG32_X, y, beta) <= 1.01 * opt
        kinks = function_kinks(net, -3, 8)
        assert np.all(np.min(np.abs(kinks[:, None] - library[None]), axis=1) < 0.02)
        off_data = np.min(np.abs(kinks[:, None] - FIG32_X[None]), axis=1) > 0.5
        assert off_data.any()
        at4.append(nearest_kink_distances(net, [4.0], -3, 8)[0] < 0.02)
    assert any(at4)


@pytest.mark.slow
def test_adam_keeps_the_reflections_of_figures_3_2_and_3_5():
    """Appendix D's protocol: the paper's single-feature network (Figure 3.2, L = 4: the unit
    |||x - 2| - 3| - 1| with its double reflection at 6; Figure 3.5: the symmetrized unit
    (|x - 1| - 1)_+ with its reflection at 2) initializes a subset of the units, the rest are
    random; after Adam the kinks are still at the reflections and no seed beats the Lasso."""
    d4 = lom.build_dictionary(FIG32_X, "abs", 4)
    u4 = d4.unit_feature((2.0, -1.0, 0.0))
    ds = lom.build_dictionary(FIG35_X, "relu", 3, "symmetrized")
    us = ds.unit_feature((1.0, 1.0, 0.0), signs=(1, -1, 1, 1))
    assert 6.0 in u4.breakpoints and 2.0 in us.breakpoints
    for d, u, x, points, L, arch in [(d4, u4, FIG32_X, [4.0, 6.0], 4, "deep_narrow"),
                                      (ds, us, FIG35_X, [2.0], 3, "symmetrized")]:
        y = u(x)
        beta = 1e-3
        opt = lom.solve_lasso(d, y, beta, tol=1e-12).objective
        start = network_of_units(d.activation, L, [u.unit], [1.0])
        for seed in range(5):
            net = train_adam(x, y, beta, d.activation.name, L, arch, width=40, epochs=10000,
                             lr=5e-3, seed=seed, init=start)
            assert opt * (1 - 1e-6) <= net.objective(x, y, beta) <= 1.05 * opt
            assert np.all(nearest_kink_distances(net, points, -3, 8) < 0.05)


def test_network_of_units_rejects_bad_coefficients():
    d = lom.build_dictionary(FIG32_X, "abs", 3)
    u = d.unit_feature((2.0, 0.0)).unit
    with pytest.raises(ValueError, match="need one coefficient per unit, got 2 for 1"):
        network_of_units(d.activation, 3, [u], [1.0, 2.0])
    with pytest.raises(ValueError, match="finite and nonzero"):
        network_of_units(d.activation, 3, [u], [0.0])
    assert isinstance(network_of_units(d.activation, 3, [u], [2.0]), ParallelNetwork)


def test_adam_callback_sees_every_recorded_epoch_with_training_seconds():
    """The callback of Figures 4.1/4.2: called at each recorded epoch (and the last) with the
    network being trained and the nondecreasing training time, in step with net.history."""
    x = np.linspace(-1, 1, 9)
    seen = []
    net = train_adam(x, np.abs(x), 1e-2, "relu", 2, width=5, epochs=23, seed=0,
                     record_every=5, callback=lambda e, n, s: seen.append((e, n.objective(
                         x, np.abs(x), 1e-2), s)))
    assert [e for e, _, _ in seen] == [0, 5, 10, 15, 20, 22]
    np.testing.assert_allclose([o for _, o, _ in seen], [h[1] for h in net.history])
    secs = [s for _, _, s in seen]
    assert secs[0] > 0 and all(b >= a for a, b in zip(secs, secs[1:]))
    with pytest.raises(ValueError, match="record_every must be a positive integer, got 0"):
        train_adam(x, np.abs(x), 1e-2, "relu", 2, width=5, epochs=3, record_every=0)
    with pytest.raises(TypeError, match="callback must be callable"):
        train_adam(x, np.abs(x), 1e-2, "relu", 2, width=5, epochs=3, callback=3)
