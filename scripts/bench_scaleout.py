"""Many problems at once: 200 sampled libraries (section 4) serially and on 2 workers.

    python scripts/bench_scaleout.py [--problems 200] [--features 1000] [--workers 2]
                                     [--scheduler tcp://host:8786] [--repeats 1]

The workload is the one of Figures 4.3 and 4.5-4.7: autoregression x_{t-1} -> x_t on the
bundled yearly sunspots (standardized, first half trains), deep narrow abs networks of depth
3, 4 and 5, each on a library of ``--features`` features drawn with its own seed, solved to a
certified optimum with beta = 1/T.  The same tasks (``figures.depth.sampled_task``) run

* serially in this process (numba with all its threads),
* on a joblib (loky) pool of ``--workers`` processes,
* on a Dask ``LocalCluster`` of ``--workers`` single-threaded worker processes (or on the
  cluster at ``--scheduler``),

and the script prints wall time, throughput, the speed-up over serial and whether every
result (objective, coefficients, predictions) is identical to the serial one.  Starting the
pool or the cluster is timed separately from the batch (joblib starts its pool lazily, inside
the first batch); numba is compiled before any timing (each worker warms up before its first
task, inside the batch: part of the parallel cost).  This process gets the workers' malloc
settings (``executors.WORKER_MALLOC``) so that serial and parallel runs differ only in where
the tasks run.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from library_of_mirrors.executors import Executor, tune_malloc
from library_of_mirrors.figures.depth import sampled_task, warm_up
from library_of_mirrors.timeseries import load_sunspots


def _data(features: int) -> dict:
    v = np.asarray(load_sunspots().values, dtype=float)
    T = v.shape[0] // 2
    train, test = v[:T], v[T:2 * T]
    mu, sd = train.mean(), train.std()
    train, test = (train - mu) / sd, (test - mu) / sd
    return {"x_train": train[:-1], "y_train": train[1:], "x_test": test[:-1],
            "y_test": test[1:], "beta": 1.0 / (T - 1), "n_features": features}


def _jobs(n: int) -> list[tuple[int, int]]:
    rng = np.random.default_rng(0)
    depths = (3, 4, 5)
    return [(depths[i % 3], int(s)) for i, s in enumerate(rng.integers(0, 2**31 - 1, n))]


def _same(a, b) -> bool:
    (fa, pa), (fb, pb) = a, b
    return (fa.objective == fb.objective and np.array_equal(fa.coef, fb.coef)
            and np.array_equal(fa.active, fb.active) and np.array_equal(pa, pb))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--problems", type=int, default=200)
    ap.add_argument("--features", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--scheduler", default=None, help="a running Dask scheduler instead of a "
                    "LocalCluster")
    ap.add_argument("--repeats", type=int, default=1, help="batches per executor (best kept)")
    args = ap.parse_args()

    tune_malloc()
    shared = _data(args.features)
    jobs = _jobs(args.problems)
    warm_up(shared["x_train"], shared["y_train"], shared["beta"], args.features)
    print(f"{args.problems} sampled deep narrow abs libraries (depths 3-5, {args.features} "
          f"features each) on sunspots, T = {shared['y_train'].shape[0]}; "
          f"{os.cpu_count()} cores")

    rows, reference = [], None
    for kind in ("serial", "processes", "dask"):
        t0 = time.perf_counter()
        if kind == "dask" and args.scheduler:
            ex = Executor("dask", scheduler_address=args.scheduler)
        else:
            ex = Executor(kind, n_workers=None if kind == "serial" else args.workers)
        start = time.perf_counter() - t0
        best, out = np.inf, None
        with ex:
            for _ in range(args.repeats):
                t0 = time.perf_counter()
                out = ex.map(sampled_task, jobs, shared=shared)
                best = min(best, time.perf_counter() - t0)
        if reference is None:
            reference = out
        same = all(_same(a, b) for a, b in zip(reference, out)) and len(out) == len(jobs)
        gaps = max(f.gap / f.objective for f, _ in out)
        rows.append((kind, start, best, same, gaps))

    serial = rows[0][2]
    where = args.scheduler or f"{args.workers} workers"
    print(f"\n{'executor':<22}{'start s':>9}{'batch s':>9}{'problems/s':>12}{'speed-up':>10}"
          f"{'= serial':>10}{'max gap/obj':>13}")
    for kind, start, t, same, gaps in rows:
        name = kind if kind == "serial" else f"{kind} ({where})"
        print(f"{name:<22}{start:>9.2f}{t:>9.2f}{len(jobs) / t:>12.1f}{serial / t:>10.2f}"
              f"{'yes' if same else 'NO':>10}{gaps:>13.1e}")


if __name__ == "__main__":
    main()
