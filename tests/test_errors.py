"""Bad input gets a clear error naming the problem."""

import numpy as np
import pytest

import library_of_mirrors as lom

X = np.array([0.0, 1.0, 2.0])


@pytest.mark.parametrize(
    "x, kwargs, err, msg",
    [
        ([0.0, np.nan, 1.0], {}, ValueError, r"x contains 1 NaN or infinite value\(s\)"),
        ([0.0, np.inf, 1.0], {}, ValueError, "NaN or infinite"),
        (np.zeros((3, 2)), {}, ValueError, r"shape \(n,\) or \(n, 1\); got shape \(3, 2\)"),
        (np.zeros((2, 2, 2)), {}, ValueError, "must be 1-D data"),
        ([1.0, 1.0, 1.0], {}, ValueError, "at least 2 distinct points.*got 1 distinct"),
        ([], {}, ValueError, "at least 2 distinct points"),
        (["a", "b"], {}, TypeError, "x must be numeric"),
        (X, dict(depth=1), ValueError, "depth must be >= 2"),
        (X, dict(depth=2.5), TypeError, "depth must be an integer"),
        (X, dict(depth=True), TypeError, "depth must be an integer"),
        (X, dict(activation="leaky_relu", leaky_slope=1.0), ValueError, "leaky_slope == 1"),
        (X, dict(activation="gelu"), ValueError, "unknown activation 'gelu'; supported"),
        (X, dict(architecture="wide"), ValueError, "unknown architecture 'wide'"),
        (X, dict(activation="sign", depth=3), ValueError,
         r"unsupported combination activation='sign', depth=3.*supported combinations: depth 2"),
        (X, dict(activation="threshold", depth=4), ValueError, "outside Table 3.1"),
        (X, dict(activation="abs", depth=3, architecture="symmetrized"), ValueError,
         "symmetrized: relu, leaky_relu with leaky_slope >= 0"),
        (X, dict(activation="relu", depth=2, architecture="symmetrized"), ValueError,
         "unsupported combination"),
        (X, dict(activation="relu", depth=4, architecture="symmetrized"), ValueError,
         "unsupported combination"),
        (X, dict(midpoints="some"), ValueError, "midpoints must be one of"),
        (X, dict(n_features=0), ValueError, "n_features must be >= 1"),
        (X, dict(n_features=2.0), TypeError, "n_features must be a positive integer"),
    ],
)
def test_bad_input(x, kwargs, err, msg):
    with pytest.raises(err, match=msg):
        lom.build_dictionary(x, **kwargs)


def test_too_many_candidates_points_to_sampling():
    x = np.linspace(0, 1, 50)
    with pytest.raises(ValueError, match=r"pass n_features=\.\.\. to sample"):
        lom.build_dictionary(x, "abs", 5, max_candidates=10_000)
    d = lom.build_dictionary(x, "abs", 5, n_features=100, random_state=0)
    assert d.n_features == 100


def test_product_shapes_are_checked():
    d = lom.build_dictionary(X, "relu", 2)
    with pytest.raises(ValueError, match=r"z must have shape \(4,\)"):
        d.matvec(np.ones(3))
    with pytest.raises(ValueError, match=r"r must have shape \(3,\)"):
        d.rmatvec(np.ones(4))
    with pytest.raises(IndexError, match="out of range"):
        d.features[10]
