import numpy as np
import pytest

from library_of_mirrors import get_activation


def test_values_of_eq_2_1():
    u = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])
    np.testing.assert_array_equal(get_activation("relu")(u), [0, 0, 0, 0.5, 2])
    np.testing.assert_array_equal(get_activation("abs")(u), [2, 0.5, 0, 0.5, 2])
    np.testing.assert_array_equal(get_activation("sign")(u), [-1, -1, 1, 1, 1])  # sign(0) = 1
    np.testing.assert_array_equal(get_activation("threshold")(u), [0, 0, 1, 1, 1])
    np.testing.assert_allclose(get_activation("leaky_relu", 0.1)(u), [-0.2, -0.05, 0, 0.5, 2])
    # abs is leaky relu with a- = -1
    np.testing.assert_array_equal(get_activation("leaky_relu", -1.0)(u), get_activation("abs")(u))


def test_properties():
    assert get_activation("abs").even and not get_activation("abs").monotone
    assert get_activation("relu").monotone and not get_activation("relu").even
    assert get_activation("leaky_relu", 0.3).monotone
    assert not get_activation("leaky_relu", -0.3).monotone
    assert get_activation("sign").sign_determined and get_activation("threshold").sign_determined


@pytest.mark.parametrize("slope", [-1.0, -0.4, 0.0, 0.3, 2.5])
def test_normalized_midpoint_is_the_sign_change_of_lemma_d10(slope):
    """m_{alpha,beta} (3.1) is where sigma(b + alpha) - sigma(b + beta) changes sign."""
    act = get_activation("leaky_relu", slope)
    rng = np.random.default_rng(0)
    for _ in range(20):
        al, be = rng.normal(size=2) * 3
        m = act.normalized_midpoint(al, be)
        f = lambda b: act(b + al) - act(b + be)  # noqa: E731
        grid = np.linspace(-20, 20, 4001)
        if act.monotone:  # (D.12): no sign change, so no midpoint breakpoint
            vals = f(grid)
            assert np.all(vals >= -1e-12) or np.all(vals <= 1e-12)
            continue
        assert abs(f(m)) < 1e-12
        assert f(m - 1e-6) * f(m + 1e-6) < 0


def test_midpoint_of_abs_is_the_average():
    act = get_activation("abs")
    assert act.normalized_midpoint(1.0, 3.0) == -2.0  # -(1 + 3)/2, eq. (3.1)
    for w in (1, -1):
        assert act.midpoint_breakpoint(1.0, 3.0, w) == 2.0
    relu = get_activation("relu")
    assert relu.normalized_midpoint(1.0, 3.0) == -3.0  # = -max for relu


@pytest.mark.parametrize(
    "kwargs, err, msg",
    [
        (dict(name="tanh"), ValueError, "unknown activation 'tanh'"),
        (dict(name=3), TypeError, "activation must be a string"),
        (dict(name="leaky_relu"), ValueError, "needs leaky_slope"),
        (dict(name="leaky_relu", leaky_slope=1.0), ValueError, "leaky_slope == 1"),
        (dict(name="leaky_relu", leaky_slope=float("nan")), ValueError, "must be finite"),
        (dict(name="relu", leaky_slope=0.1), ValueError, "only used with activation='leaky_relu'"),
    ],
)
def test_bad_activation(kwargs, err, msg):
    with pytest.raises(err, match=msg):
        get_activation(**kwargs)
