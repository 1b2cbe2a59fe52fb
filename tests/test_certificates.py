"""A certificate is never wrong: targets far from zero, libraries whose size overflows int64,
non-finite numbers, and the problems that used to stall.

With a free bias, y and y + c are the same problem.  The targets here have few significant
bits (multiples of 2^-10 in [-1, 1]) and c is a power of two up to 2^40, so ``y + c`` is exact
in floating point and the centered problem is exactly the one of y: objectives must agree."""

import warnings

import numpy as np
import pytest
from convex_reference import cvx_lasso

import library_of_mirrors as lom

X8 = np.linspace(0, 1, 8)
Y8 = np.round(np.sin(6 * X8) * 2**10) / 2**10
OFFSETS = [2.0**k for k in (13, 20, 27, 33, 40)]  # 1e4 ... 1e12 relative to the spread


@pytest.mark.parametrize("c", OFFSETS, ids=lambda c: f"{c:.0e}")
@pytest.mark.parametrize("loss,kw", [("squared", {}), ("huber", {"delta": 0.1}),
                                     ("quantile", {"quantile": 0.3}), ("absolute", {})])
def test_target_offsets_give_the_centered_objective(c, loss, kw):
    d = lom.build_dictionary(X8, "abs", 3)
    assert np.array_equal((Y8 + c) - c, Y8)  # the shifted data are exact
    ref = lom.solve_lasso(d, Y8, 1e-3, loss, tol=1e-12, **kw)
    res = lom.solve_lasso(d, Y8 + c, 1e-3, loss, tol=1e-12, **kw)
    assert res.converged
    assert res.objective == pytest.approx(ref.objective, rel=1e-9)
    assert res.xi == pytest.approx(ref.xi + c, rel=1e-15)
    # the certificate is a true bound: the centered problem's cvxpy optimum lies above it
    lam = 1e-3 * d.beta_scale
    opt = cvx_lasso(d.matrix(), Y8, lam, loss, kw.get("quantile"), kw.get("delta", 1.0))
    assert res.objective - res.gap <= opt * (1 + 1e-9)


@pytest.mark.parametrize("c", OFFSETS, ids=lambda c: f"{c:.0e}")
def test_target_offsets_on_paths_and_certified_points(c):
    d = lom.build_dictionary(X8, "abs", 3)
    path0 = lom.lasso_path(d, Y8, n_betas=6)
    path = lom.lasso_path(d, Y8 + c, n_betas=6)
    np.testing.assert_allclose(path.betas, path0.betas, rtol=1e-12)
    np.testing.assert_allclose(path.objectives, path0.objectives, rtol=1e-9)
    # duality_gap of a suboptimal point: the same value and gap as without the offset
    z = path0.results[3].z * 0.9
    obj0, gap0 = lom.duality_gap(d, Y8, path0.betas[3], z)
    obj, gap = lom.duality_gap(d, Y8 + c, path0.betas[3], z)
    assert obj == pytest.approx(obj0, rel=1e-9) and gap == pytest.approx(gap0, rel=1e-6)
    assert gap >= obj - path0.objectives[3] - 1e-12


def test_the_reported_offset_case():
    """x = linspace(0, 1, 8), y = sin 6x + 1e8, abs depth 3, beta 1e-3: certified 0.0259 with
    gap 0 before (the optimum of the rounded targets is 0.0057108); now the value is the
    rounded problem's optimum, within its certified gap of cvxpy on the centered targets."""
    y = np.sin(6 * X8) + 1e8
    d = lom.build_dictionary(X8, "abs", 3)
    res = lom.solve_lasso(d, y, 1e-3)
    ref = cvx_lasso(d.matrix(), y - np.mean(y), 1e-3)
    assert res.converged
    assert res.objective == pytest.approx(ref, rel=1e-7)
    assert res.objective == pytest.approx(0.0057108, rel=1e-4)


def test_deep_libraries_refuse_instead_of_overflowing():
    """128^9 * 2^9 candidate units overflow int64: the depth-10 abs library refuses, listing
    what to do; the depth-3 library on the same points still builds and solves."""
    x = np.linspace(-1, 1, 128)
    with pytest.raises(ValueError, match=r"10-layer deep_narrow abs library has 9\.22e\+18 "
                                         r"candidate units for 128 distinct points"):
        lom.build_dictionary(x, "abs", 10)
    with pytest.raises(ValueError, match=r"more than the 2\^62 unit codes a library can index"):
        lom.build_dictionary(x, "abs", 10, n_features=100)
    # a sampled deep library below the code limit works, and never beats the exact depth 3
    y = np.sin(4 * x)
    d3 = lom.build_dictionary(x, "abs", 3)
    d5 = lom.build_dictionary(x, "abs", 5, n_features=500, random_state=0)
    assert d5.n_features == 500 and not d5.exact
    assert lom.solve_lasso(d3, y, 1e-2).converged


@pytest.mark.parametrize("kwargs,msg", [
    ({"activation": "leaky_relu", "leaky_slope": 1e300}, "features overflow at these inputs"),
    ({"activation": "leaky_relu", "depth": 3, "leaky_slope": 1e200},
     "features overflow at these inputs"),
])
def test_non_finite_libraries_are_refused(kwargs, msg):
    args = {"depth": 2} | kwargs
    with pytest.raises(ValueError, match=msg):
        lom.build_dictionary(np.linspace(0, 1, 9), **args)


def test_non_finite_targets_and_coefficients_are_refused():
    d = lom.build_dictionary(np.linspace(0, 1, 9), "relu", 2)
    y = np.sin(np.arange(9.0))
    bad = y.copy()
    bad[4] = np.inf
    with pytest.raises(ValueError, match=r"y contains 1 NaN or infinite value\(s\)"):
        lom.solve_lasso(d, bad, 0.1)
    with pytest.raises(ValueError, match="z contains NaN or infinite coefficients"):
        lom.duality_gap(d, y, 0.1, np.full(d.n_features, np.nan))
    with pytest.raises(ValueError, match="warm_start contains NaN"):
        lom.solve_lasso(d, y, 0.1, warm_start=np.full(d.n_features, np.nan))
    w = np.ones(9)
    w[2] = np.nan
    with pytest.raises(ValueError, match="sample_weight contains 1 NaN"):
        lom.solve_lasso(d, y, 0.1, sample_weight=w)


def test_the_reported_stalls_converge():
    """2-layer relu on 200 noisy points at beta 1e-3 and tol 1e-10 (500 iterations, not
    converged, before); x = [1e4, 0, 1]; leaky relu with inputs offset by 1e6 at a spread of
    1e-3 (500 iterations before, 2 when shifted back).  Each converges well inside the budget
    to the cvxpy optimum."""
    rng = np.random.default_rng(0)
    x = np.sort(rng.uniform(-2, 2, 200))
    y = np.sin(3 * x) + 0.3 * rng.standard_normal(200)
    cases = [(lom.build_dictionary(x, "relu", 2), y, 1e-3, 1e-10),
             (lom.build_dictionary([1e4, 0.0, 1.0], "relu", 2), np.array([0.0, 1.0, 0.0]),
              1e-3, 1e-8)]
    x40 = np.sort(rng.uniform(-2, 2, 40))
    y40 = np.sin(3 * x40) + 0.3 * rng.standard_normal(40)
    shifted = lom.build_dictionary(1e6 + 1e-3 * x40 / 4, "leaky_relu", 2, leaky_slope=0.1)
    cases.append((shifted, y40, 1e-3, 1e-8))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for d, yy, beta, tol in cases:
            res = lom.solve_lasso(d, yy, beta, tol=tol)
            assert res.converged and res.n_iter <= 30
            ref = cvx_lasso(d.matrix(), yy, beta)
            assert res.objective == pytest.approx(ref, rel=1e-7)
    # the shifted leaky problem is the unshifted one (the library is translation invariant)
    back = lom.build_dictionary(1e-3 * x40 / 4, "leaky_relu", 2, leaky_slope=0.1)
    assert lom.solve_lasso(shifted, y40, 1e-3).objective == pytest.approx(
        lom.solve_lasso(back, y40, 1e-3).objective, rel=1e-7)


def test_the_engine_says_why_it_stopped():
    """A budget of one iteration: not converged, and the warning names the gap, the
    tolerance and the reason."""
    x = np.linspace(-1, 1, 30)
    d = lom.build_dictionary(x, "relu", 2)
    with pytest.warns(lom.ConvergenceWarning, match=r"stopped after max_iter=1 iterations"):
        res = lom.solve_lasso(d, np.sin(5 * x), 1e-4, max_iter=1)
    assert not res.converged and res.gap > 0


def test_every_result_says_what_its_gap_certifies():
    """res.certificate is "training problem (1.1)" for every row of Table 3.1 whose library is
    complete (explicit or implicit), and "Lasso over this library only" for the depth-4 abs and
    negative-slope leaky relu libraries (errata E3b, E3c; their implicit form, the exact
    pricer, certifies (1.1)), sampled ones and 3-layer abs without its midpoints.  The E3b
    data show the latter is warranted: one unit outside the depth-4 abs library,
    |||x - 0.96| - 0.62| - 0.48|, lowers the library's certified optimum 20.000 below 19.99394
    (cvxpy on the library's matrix with that column added)."""
    from library_of_mirrors.architectures import TABLE_3_1

    x = np.array([-1.56, -0.14, 0.34, 0.59, 1.1])
    y = np.array([-1.0, 2.0, -5.0, 3.0, 1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", lom.LibraryOnlyWarning)
        for act, L, arch, slope in TABLE_3_1:
            res = lom.solve_lasso(lom.build_dictionary(x, act, L, arch, leaky_slope=slope), y, 3)
            expected = lom.LIBRARY_ONLY if (act, L) == ("abs", 4) else lom.TRAINING_PROBLEM
            assert res.certificate == expected, (act, L, arch)
        for kw in ({"activation": "leaky_relu", "depth": 4, "leaky_slope": -0.5},
                   {"activation": "abs", "depth": 3, "midpoints": "none"},
                   {"activation": "abs", "depth": 3, "n_features": 4, "random_state": 0}):
            assert lom.solve_lasso(lom.build_dictionary(x, **kw), y, 3).certificate == \
                lom.LIBRARY_ONLY, kw
        for act, L, arch, slope in (("relu", 3, "deep_narrow", None),
                                    ("relu", 3, "symmetrized", None),
                                    ("abs", 4, "deep_narrow", None),
                                    ("leaky_relu", 4, "deep_narrow", -0.5)):
            # the last two: the exact pricer over the whole unit space (erratum E12)
            d = lom.build_dictionary(x, act, L, arch, leaky_slope=slope, implicit=True)
            assert lom.solve_lasso(d, y, 3).certificate == lom.TRAINING_PROBLEM
        d4 = lom.build_dictionary(x, "abs", 4)
        res = lom.solve_lasso(d4, y, 3)
    assert res.objective == pytest.approx(20.0, abs=1e-9) and res.gap <= 1e-9
    unit = np.abs(np.abs(np.abs(x - 0.96) - 0.62) - 0.48)
    assert cvx_lasso(np.column_stack([d4.matrix(), unit]), y, 3.0) <= 19.99394


def test_a_library_only_certificate_warns_once_per_reason():
    """The first solve over a sampled library warns, naming why; a second over the same kind of
    library does not; the solution itself is unchanged by the warning."""
    x = np.linspace(-1, 1, 11)
    y = np.abs(x) - 0.3
    d = lom.build_dictionary(x, "abs", 3, n_features=13, random_state=1)
    with pytest.warns(lom.LibraryOnlyWarning, match=r"the 3-layer deep_narrow abs library is "
                      r"sampled \(13 features\): units outside the sample can lower the "
                      r"training objective \(1\.1\)"):
        first = lom.solve_lasso(d, y, 0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("error", lom.LibraryOnlyWarning)
        second = lom.solve_lasso(d, y, 0.1)
    assert first.certificate == second.certificate == lom.LIBRARY_ONLY
    assert first.objective == second.objective
