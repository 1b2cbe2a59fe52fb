"""How wide must an optimal network be?  Minimal models of the optimal set against the width
bounds (Theorem 3.11, Proposition E.3, Jacot et al.).

Theorem 3.11: the Lasso is equivalent to training once the network has at least
``m* = ||z*||_0`` units, with ``m* <= 2N`` for 2-layer networks (their dictionaries hold at most
2N features) and at most the number of features in general.  Proposition E.3: the optimal set
is the polytope ``{u >= 0 : M u = b}`` (``M`` the centered ``A_E diag(s_E)``: the bias is free
on the set, erratum E11); its vertices are the minimal models, with at most
``rank(M) <= N - 1`` nonzeros (plus the unregularized bias xi).  So some optimal network has
fewer than N units, whatever the depth or the size of the dictionary, well
below Jacot et al.'s ``N(N+1)`` (the width beyond which every local minimum of an L2-regularized
homogeneous network is reachable; a bound for standard networks of any kind, not for these).

:func:`width_table` measures, per architecture and data size, the solver's width, the width of
the minimum-Euclidean-norm optimal solution and the narrowest of ``k`` random vertices.  The
sparsest optimal solution is always a vertex, but not every vertex is sparsest: the minimum over
sampled vertices is an *upper bound* on the true minimal width ``m*_min``, not its value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from ..dictionary import build_dictionary
from ..reconstruct import reconstruct
from ..solvers import solve_lasso
from .optimal_set import OptimalSet


@dataclass(frozen=True)
class Case:
    """One architecture of the width table: ``build_dictionary(x, activation, depth,
    architecture)``."""

    activation: str
    depth: int
    architecture: str = "deep_narrow"

    @property
    def label(self) -> str:
        arch = "symmetrized" if self.architecture == "symmetrized" else "deep narrow"
        return f"{self.depth}-layer {arch} {self.activation}" if self.depth > 2 else \
            f"2-layer {self.activation}"


#: the architectures of the width table
DEFAULT_CASES: tuple[Case, ...] = (
    Case("relu", 2), Case("abs", 2), Case("relu", 3), Case("abs", 3),
    Case("relu", 3, "symmetrized"),
)


def synthetic_data(n: int, seed: int = 0, noise: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points ``x ~ N(0, 1)`` with ``y = sin(2x) + noise * N(0, 1)`` (seeded)."""
    rng = np.random.default_rng([int(seed), int(n)])
    x = rng.normal(size=n)
    return x, np.sin(2.0 * x) + noise * rng.normal(size=n)


def support(u: np.ndarray, rtol: float = 1e-7) -> np.ndarray:
    """Indices of the entries of ``u`` above ``rtol * max|u|`` (exact zeros of a simplex
    vertex stay zero; an interior-point solution's tiny entries count as zero)."""
    u = np.asarray(u, dtype=float)
    top = float(np.abs(u).max()) if u.size else 0.0
    return np.flatnonzero(np.abs(u) > rtol * top) if top > 0 else np.array([], dtype=int)


def network_objective(d, y, S: OptimalSet, u: np.ndarray) -> float:
    """The training objective (1.1) of the network reconstructed from ``u`` (Lemma B.4)."""
    return float(reconstruct(d, S.z_of(u), xi=S.bias(u)).objective(d.x, y, S.beta))


def _checked_width(d, y, S: OptimalSet, u: np.ndarray, optimum: float, rtol: float,
                   what: str) -> tuple[int, float]:
    """Zero the entries of ``u`` below ``1e-7 max u``, check that the network of the rest is
    optimal (objective (1.1) within ``rtol`` relative) and return (its width, deviation)."""
    keep = support(u)
    v = np.zeros_like(u)
    v[keep] = u[keep]
    dev = abs(network_objective(d, y, S, v) - optimum) / abs(optimum)
    if dev > rtol:
        raise RuntimeError(f"{what} is {dev:.2e} (relative) off the optimum {optimum}")
    return int(keep.size), dev


def width_row(x, y, beta: float, case: Case, n_vertices: int = 20, seed: int = 0,
              rtol: float = 1e-8) -> dict:
    """One row of :func:`width_table` for data ``(x, y)``.

    Every reported width is that of a network checked optimal: the reconstructed network's
    objective (1.1) must lie within ``rtol`` (relative) of the Lasso optimum, or a RuntimeError
    is raised.  Vertices: ``n_vertices`` random ones (:meth:`OptimalSet.vertex`) and the one
    inside the solver's support (:meth:`OptimalSet.vertex_within`)."""
    if isinstance(n_vertices, bool) or not isinstance(n_vertices, (int, np.integer)) \
            or n_vertices < 1:
        raise ValueError(f"n_vertices must be a positive integer, got {n_vertices!r}")
    x = np.asarray(x, dtype=float).ravel()
    y = np.asarray(y, dtype=float).ravel()
    d = build_dictionary(x, case.activation, case.depth, case.architecture)
    res = solve_lasso(d, y, beta, tol=1e-12)
    S = OptimalSet.from_result(d, y, res)
    n = int(d.x_unique.shape[0])
    rank = int(np.linalg.matrix_rank(S.M)) if S.M.size else 0
    opt = float(res.objective)
    where = f"{case.label}, N={n}"
    rng = np.random.default_rng([int(seed), 7])
    widths, worst = [], 0.0
    for k in range(n_vertices):
        w, dev = _checked_width(d, y, S, S.vertex(rng), opt, rtol, f"{where}: vertex {k}")
        widths.append(w)
        worst = max(worst, dev)
    # the solver's point in u-coordinates, and the vertex inside its support
    u_solver = res.z[S.equicorrelation] * S.signs
    w_solver_vertex, dev = _checked_width(
        d, y, S, S.vertex_within(support(u_solver)), opt, rtol, f"{where}: solver's vertex")
    worst = max(worst, dev)
    min_norm_nnz, dev = _checked_width(d, y, S, S.min_norm(), opt, rtol,
                                       f"{where}: minimum-norm solution")
    return {
        "architecture": case.label, "activation": case.activation, "depth": case.depth,
        "N": n, "features": int(d.n_features), "E": int(S.equicorrelation.size),
        "rank": rank, "dimension": S.dimension(),
        "solver_nnz": int(np.count_nonzero(res.z)), "min_norm_nnz": min_norm_nnz,
        "solver_vertex": w_solver_vertex,
        "narrowest_vertex": int(min(widths)), "widest_vertex": int(max(widths)),
        "narrowest_found": int(min(widths + [w_solver_vertex])),
        "vertices": int(n_vertices), "vertex_max_rel_dev": worst,
        "min_norm_rel_dev": dev,
        "bound_rank": n, "bound_2N": 2 * n, "bound_jacot": n * (n + 1),
        "objective": opt, "gap": float(res.gap),
    }


def width_table(cases: Sequence[Case] = DEFAULT_CASES, sizes: Iterable[int] = (5, 10, 20, 40),
                beta: float = 1e-3, n_vertices: int = 20, seed: int = 0,
                data: Callable[[int, int], tuple[np.ndarray, np.ndarray]] = synthetic_data,
                progress: Callable[[Iterable], Iterable] | None = None) -> list[dict]:
    """Width of optimal networks (Theorem 3.11's ``m*``, Proposition E.3's minimal models):
    one :func:`width_row` per architecture and data size N on ``data(N, seed)``.

    Columns: N, the number of features, ``|E|`` (equicorrelation set), ``rank(M)``, the optimal
    set's dimension, the nonzeros of the solver's solution and of the minimum-Euclidean-norm
    solution, the narrowest and widest of ``n_vertices`` random vertices (each verified
    optimal; the narrowest is an upper bound on the minimal width), and the bounds N (vertices,
    rank), 2N (Theorem 3.11, 2-layer) and N(N+1) (Jacot et al.).  ``progress`` wraps the list of
    jobs (e.g. ``tqdm``)."""
    jobs = [(int(n), c) for n in sizes for c in cases]
    if progress is not None:
        jobs = progress(jobs)
    rows = []
    for n, case in jobs:
        x, y = data(n, seed)
        rows.append(width_row(x, y, beta, case, n_vertices, seed))
    return rows


def width_markdown(rows: Sequence[dict]) -> str:
    """The width table as markdown."""
    head = ["architecture", "N", "features", "&#124;E&#124;", "rank M", "dim", "solver nnz",
            "min-norm nnz", "solver's vertex", "random vertices: min", "max", "2N",
            "N(N+1)"]
    keys = ["architecture", "N", "features", "E", "rank", "dimension", "solver_nnz",
            "min_norm_nnz", "solver_vertex", "narrowest_vertex", "widest_vertex", "bound_2N",
            "bound_jacot"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        lines.append("| " + " | ".join(str(r[k]) for k in keys) + " |")
    return "\n".join(lines)


__all__ = ["DEFAULT_CASES", "Case", "network_objective", "support",
           "synthetic_data", "width_markdown", "width_row", "width_table"]
