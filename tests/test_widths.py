"""Width of optimal networks (Theorem 3.11, Proposition E.3): minimal models of the optimal set.

Only theorems are asserted: vertices are optimal and have at most rank(M) <= N units (plus
the bias xi), so the narrowest one found is <= N <= 2N <= N(N+1); the minimum-norm solution
is no longer (in Euclidean norm) than any vertex; the set's dimension is what uniform samples
span.  The equicorrelation set and the optimum are cross-checked against cvxpy."""

import cvxpy as cp
import numpy as np
import pytest
from convex_reference import TIGHT
from scipy.optimize import linprog

import library_of_mirrors as lom
from library_of_mirrors.analysis import OptimalSet, width_table
from library_of_mirrors.analysis.widths import (
    DEFAULT_CASES,
    Case,
    support,
    synthetic_data,
    width_markdown,
    width_row,
)

BETA = 1e-3


def _set(case, n, seed=0, beta=BETA):
    x, y = synthetic_data(n, seed)
    d = lom.build_dictionary(x, case.activation, case.depth, case.architecture)
    res = lom.solve_lasso(d, y, beta, tol=1e-12)
    return d, y, res, OptimalSet.from_result(d, y, res)


def _net_objective(d, y, S, u, beta=BETA):
    return lom.reconstruct(d, S.z_of(u), xi=S.bias(u)).objective(d.x, y, beta)


@pytest.mark.parametrize("case", DEFAULT_CASES, ids=lambda c: c.label.replace(" ", "_"))
def test_vertices_are_narrow_optimal_networks(case):
    n = 8
    d, y, res, S = _set(case, n)
    rank = np.linalg.matrix_rank(S.M)
    u_mn = S.min_norm()
    assert _net_objective(d, y, S, u_mn) == pytest.approx(res.objective, rel=1e-8)
    verts = [S.vertex(k) for k in range(6)]
    u_solver = res.z[S.equicorrelation] * S.signs
    verts.append(S.vertex_within(support(u_solver)))
    assert set(support(verts[-1])) <= set(support(u_solver))
    for u in verts:
        assert S.residual(u) < 1e-9 and np.all(u >= 0)
        assert _net_objective(d, y, S, u) == pytest.approx(res.objective, rel=1e-8)
        width = support(u).size
        assert width <= rank <= n  # a vertex: at most rank(M) units (plus the bias xi)
        # the minimum Euclidean norm over the set is below every point's
        assert np.linalg.norm(u_mn) <= np.linalg.norm(u) * (1 + 1e-7)


def test_width_table_rows_respect_the_bounds():
    rows = width_table(DEFAULT_CASES, sizes=(5, 9), n_vertices=4, seed=3)
    assert len(rows) == 2 * len(DEFAULT_CASES)
    for r in rows:
        assert r["vertex_max_rel_dev"] <= 1e-8 and r["min_norm_rel_dev"] <= 1e-8
        assert r["narrowest_found"] <= r["narrowest_vertex"] <= r["widest_vertex"] <= r["rank"]
        assert r["solver_vertex"] <= r["rank"] <= r["bound_rank"] == r["N"]
        assert (r["bound_2N"], r["bound_jacot"]) == (2 * r["N"], r["N"] * (r["N"] + 1))
        assert r["rank"] <= r["E"] <= r["features"]
        assert 0 <= r["dimension"] <= r["E"] - r["rank"]
        assert r["solver_nnz"] <= r["E"] and r["min_norm_nnz"] <= r["E"]
    md = width_markdown(rows)
    assert md.count("\n") == len(rows) + 1 and "N(N+1)" in md


@pytest.mark.parametrize("case,n", [(Case("relu", 3), 6), (Case("abs", 3), 7),
                                    (Case("relu", 2), 10)])
def test_set_dimension_is_what_samples_span(case, n):
    """dim = |F| - rank(M_F); uniform samples of the set span exactly that many directions,
    and F is where some point of the set is positive (one LP per coordinate)."""
    d, y, res, S = _set(case, n, seed=1)
    F = S.free_coordinates()
    k = S.M.shape[1]
    for i in range(k):
        c = np.zeros(k)
        c[i] = -1.0
        top = -linprog(c, A_eq=S.M, b_eq=S.b, bounds=(0, None), method="highs").fun
        assert (i in F) == (top > 1e-9 * S.norm)
    u0 = S.interior_point()
    assert np.all(u0[F] > 0) and S.residual(u0) < 1e-9
    dim = S.dimension()
    assert dim > 0
    U = S.sample(60, 0, thin=3, burn=20)
    assert np.linalg.matrix_rank(U - U.mean(axis=0), tol=1e-9) == dim


def test_equicorrelation_and_optimum_against_cvxpy():
    """|E| and the optimal value from cvxpy (Clarabel) on the dense matrix."""
    case = Case("relu", 3)
    d, y, res, S = _set(case, 8, seed=2)
    A = d.matrix()
    lam = BETA * d.beta_scale
    z, xi = cp.Variable(A.shape[1]), cp.Variable()
    prob = cp.Problem(cp.Minimize(0.5 * cp.sum_squares(A @ z + xi - y) + lam * cp.norm1(z)))
    prob.solve(solver=cp.CLARABEL, **TIGHT)
    zc, xc = np.asarray(z.value), float(xi.value)
    value = 0.5 * np.sum((A @ zc + xc - y) ** 2) + lam * np.abs(zc).sum()
    assert res.objective == pytest.approx(value, rel=1e-7)
    assert res.objective <= value * (1 + 1e-9)  # the certified solver is not worse
    corr = np.abs(A.T @ (y - A @ zc - xc))
    E_cvx = np.flatnonzero(corr >= lam * (1 - 1e-5))
    assert np.array_equal(E_cvx, S.equicorrelation)
    # the fit is unique (Lemma E.2): same y_hat from both
    np.testing.assert_allclose(A @ zc + xc, S.fit, atol=1e-6)


def test_width_row_reports_the_solver_and_min_norm():
    x, y = synthetic_data(7, 4)
    r = width_row(x, y, BETA, Case("abs", 3), n_vertices=3, seed=1)
    d = lom.build_dictionary(x, "abs", 3)
    res = lom.solve_lasso(d, y, BETA, tol=1e-12)
    assert r["solver_nnz"] == np.count_nonzero(res.z)
    assert r["objective"] == pytest.approx(res.objective, rel=1e-10)


def test_width_table_script(capsys):
    import importlib.util
    import pathlib

    path = pathlib.Path(__file__).parents[1] / "scripts" / "width_table.py"
    spec = importlib.util.spec_from_file_location("width_table_script", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert mod.main(["--sizes", "5", "--vertices", "2", "--beta", "1e-2"]) == 0
    out = capsys.readouterr().out
    assert "| 2-layer relu | 5 |" in out and "every reported network is optimal" in out


@pytest.mark.parametrize("case", [Case("abs", 3), Case("relu", 3, "symmetrized")],
                         ids=["abs3", "sym3"])
def test_narrowest_optimal_network_by_brute_force(case):
    """The minimal width over the whole optimal set, by enumerating supports: the sparsest
    optimal solution has linearly independent columns (a vertex), the narrowest vertex found
    is an upper bound on it, and the solver's vertex is no wider than the solver's support."""
    import itertools

    from scipy.optimize import nnls

    d, y, res, S = _set(case, 5, seed=4)
    k = S.M.shape[1]
    rank = np.linalg.matrix_rank(S.M)
    best = None
    for w in range(1, rank + 1):
        for cols in itertools.combinations(range(k), w):
            u, r = nnls(S.M[:, list(cols)], S.b)
            if r <= 1e-9 * max(1.0, np.linalg.norm(S.b)) and np.all(u > 1e-10):
                best = (w, cols)
                break
        if best:
            break
    assert best is not None
    w, cols = best
    assert np.linalg.matrix_rank(S.M[:, list(cols)]) == w  # independent columns: a vertex
    row = width_row(d.x, y, BETA, case, n_vertices=10, seed=0)
    assert row["narrowest_found"] >= w
    u_solver = res.z[S.equicorrelation] * S.signs
    assert support(S.vertex_within(support(u_solver))).size <= support(u_solver).size
