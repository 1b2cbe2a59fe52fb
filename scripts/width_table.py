"""Width of optimal networks: minimal models of the optimal set against the width bounds.

    python scripts/width_table.py [--sizes 5 10 20 40] [--beta 1e-3] [--vertices 20] [--seed 0]

Per architecture (2-layer relu and abs, 3-layer deep narrow relu and abs, 3-layer symmetrized
relu) and data size N (x ~ N(0, 1), y = sin(2x) + 0.1 noise, seeded), solves the Lasso at
``--beta``, builds its optimal set (Proposition E.3) and prints, as markdown: the number of
features, |E| (equicorrelation set), rank(M), the optimal set's dimension, the nonzeros of the
solver's solution and of the minimum-Euclidean-norm optimal solution, the vertex inside the
solver's support, the narrowest and widest of ``--vertices`` random vertices (minimal models),
and the bounds 2N (Theorem 3.11, 2-layer networks) and N(N+1) (Jacot et al.).  Every vertex
and the minimum-norm solution are rebuilt as networks and checked optimal (objective (1.1)
within 1e-8 relative of the Lasso optimum).  Vertices have at most rank(M) <= N units; the
narrowest vertex found is an upper bound on the narrowest optimal network, not its value.
"""

from __future__ import annotations

import argparse
import sys
import time

from library_of_mirrors.analysis.widths import DEFAULT_CASES, width_markdown, width_table


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[5, 10, 20, 40],
                   help="data sizes N (default: 5 10 20 40)")
    p.add_argument("--beta", type=float, default=1e-3, help="beta of (1.1) (default 1e-3)")
    p.add_argument("--vertices", type=int, default=20,
                   help="random vertices per case (default 20)")
    p.add_argument("--seed", type=int, default=0, help="data and vertex seed (default 0)")
    args = p.parse_args(argv)
    if min(args.sizes) < 2 or args.beta <= 0 or args.vertices < 1:
        p.error("need sizes >= 2, beta > 0 and vertices >= 1")

    from tqdm.auto import tqdm

    def bar(jobs):
        return tqdm(jobs, desc="width table", unit="case", file=sys.stderr)

    t0 = time.perf_counter()
    rows = width_table(DEFAULT_CASES, args.sizes, args.beta, args.vertices, args.seed,
                       progress=bar)
    print(f"beta = {args.beta:g}, seed = {args.seed}, {args.vertices} random vertices per case; "
          "data x ~ N(0, 1), y = sin(2x) + 0.1 N(0, 1)\n")
    print(width_markdown(rows))
    worst = max(max(r["vertex_max_rel_dev"], r["min_norm_rel_dev"]) for r in rows)
    print(f"\nevery reported network is optimal: largest relative deviation of its objective "
          f"(1.1) from the Lasso optimum {worst:.1e}; {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
