"""Batch workloads on the serial, joblib and Dask executors: identical results for the same
seeds, and no result lost or duplicated when a worker dies mid-run."""

from __future__ import annotations

import csv
import dataclasses
import os
import sys

import cloudpickle
import cvxpy as cp
import numpy as np
import pytest
from cli_runner import run_cli

import library_of_mirrors as lom
from library_of_mirrors.analysis import OptimalSet
from library_of_mirrors.executors import Executor, as_executor, run_batch
from library_of_mirrors.figures import make_figures
from library_of_mirrors.figures.depth import sampled_task
from library_of_mirrors.model_selection import cross_validate_path, kfolds
from library_of_mirrors.timeseries import ARForecaster, backtest, load_sunspots

distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")

# the task functions defined here travel to the workers by value (workers cannot import tests)
cloudpickle.register_pickle_by_value(sys.modules[__name__])


@pytest.fixture(scope="module")
def dask_executor():
    """A LocalCluster of 2 single-threaded worker processes, shared by this module's tests."""
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None, silence_logs=50)
    client = distributed.Client(cluster)
    try:
        yield Executor(client=client)
    finally:
        client.close()
        cluster.close()


@pytest.fixture(scope="module")
def ar_pairs():
    v = np.asarray(load_sunspots().values, dtype=float)[:121]
    v = (v - v[:81].mean()) / v[:81].std()
    train, test = v[:81], v[80:]
    return {"x_train": train[:-1], "y_train": train[1:], "x_test": test[:-1],
            "y_test": test[1:], "beta": 1.0 / 80, "n_features": 60}


def _sampled_jobs(n_per_depth: int = 4) -> list[tuple[int, int]]:
    rng = np.random.default_rng(7)
    return [(L, int(s)) for L in (3, 4) for s in rng.integers(0, 2**31 - 1, n_per_depth)]


def _same_fit(a, b) -> None:
    """Two DepthFits agree on everything but the wall time."""
    for f in dataclasses.fields(a):
        if f.name in ("seconds", "warnings"):
            continue
        va, vb = getattr(a, f.name), getattr(b, f.name)
        if isinstance(va, np.ndarray):
            np.testing.assert_array_equal(va, vb, err_msg=f.name)
        elif isinstance(va, float) and np.isnan(va):
            assert np.isnan(vb), f.name
        else:
            assert va == vb, f.name


# -- the executor itself --------------------------------------------------------------------


def test_executor_rejects_bad_options():
    with pytest.raises(ValueError, match=r"unknown executor 'threads'; choose from serial, "
                                         r"processes, dask"):
        Executor("threads")
    with pytest.raises(ValueError, match=r"n_workers must be a positive integer, got 0"):
        Executor("processes", n_workers=0)
    with pytest.raises(ValueError, match=r"a scheduler address needs executor='dask', not "
                                         r"'processes'"):
        Executor("processes", scheduler_address="tcp://127.0.0.1:8786")
    with pytest.raises(ValueError, match=r"retries must be a non-negative integer"):
        Executor("processes", retries=-1)
    with pytest.raises(TypeError, match=r"executor must be one of serial, processes, dask, an "
                                        r"Executor or a distributed.Client, got int"):
        as_executor(3)


def test_serial_map_keeps_order_and_calls_back():
    seen = []
    out = run_batch(_scaled, [1, 2, 3], shared={"factor": 10},
                    callback=lambda i, r: seen.append((i, r)))
    assert out == [10, 20, 30] and seen == [(0, 10), (1, 20), (2, 30)]


def _scaled(i, *, factor):
    return i * factor


@pytest.mark.parametrize("kind", ["processes", "dask"])
def test_task_errors_reach_the_caller(kind, dask_executor):
    ex = dask_executor if kind == "dask" else Executor("processes", n_workers=2)
    x = np.array([0.0, 1.0, 2.0, 3.0, 4.0, 5.0])
    # 3 folds of 6 points: every training fold has 4 points, but a constant y in one fold is
    # fine; an unknown activation fails inside the workers' build on every fold
    with pytest.raises(ValueError, match="activation"):
        run_batch(_build_task, [0, 1], ex, shared={"x": x})


def _build_task(i, *, x):
    return lom.build_dictionary(x, "nonsense", 2).n_features


# -- sampled libraries ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["processes", "dask"])
def test_sampled_libraries_equal_serial(kind, dask_executor, ar_pairs):
    jobs = _sampled_jobs()
    serial = run_batch(sampled_task, jobs, shared=ar_pairs)
    ex = dask_executor if kind == "dask" else Executor("processes", n_workers=2)
    parallel = run_batch(sampled_task, jobs, ex, shared=ar_pairs)
    assert len(parallel) == len(jobs)
    for (fa, pa), (fb, pb), (L, seed) in zip(serial, parallel, jobs):
        assert (fa.depth, fa.seed) == (L, seed)
        _same_fit(fa, fb)
        np.testing.assert_array_equal(pa, pb)
    # and the fits are optima: the certified gap is tiny relative to the objective
    assert max(f.gap / f.objective for f, _ in parallel) < 1e-6


# -- cross-validated paths --------------------------------------------------------------------


@pytest.fixture(scope="module")
def cv_data():
    rng = np.random.default_rng(3)
    x = rng.uniform(-2, 2, 60)
    return x, np.sin(2 * x) + 0.2 * rng.standard_normal(60)


def test_cross_validated_path_equals_serial_on_dask(dask_executor, cv_data):
    """Also the continued grid (extend=): the folds' last solutions travel to the workers as
    warm starts and back."""
    x, y = cv_data
    grid = {"depth": 3, "n_betas": 4, "eps": 0.1, "n_folds": 4, "extend": 3}
    a = cross_validate_path(x, y, **grid)
    b = cross_validate_path(x, y, **grid, executor=dask_executor)
    assert a.betas.shape[0] > 4  # the grid was continued
    np.testing.assert_array_equal(a.betas, b.betas)
    np.testing.assert_array_equal(a.errors, b.errors)
    np.testing.assert_array_equal(a.n_active, b.n_active)
    assert a.best_beta == b.best_beta and a.beta_1se == b.beta_1se


def test_cross_validated_path_matches_cvxpy_per_fold(cv_data):
    """The held-out error of a fold at a beta is that of the cvxpy optimum on the fold's own
    library (an independent solver on the explicit matrix)."""
    x, y = cv_data
    cv = cross_validate_path(x, y, depth=2, n_betas=5, n_folds=3, eps=1e-2)
    train, test = kfolds(x.shape[0], 3, 0)[1]
    d = lom.build_dictionary(x[train], "relu", 2)
    A, At = d.matrix(), d.evaluate(x[test])
    for j in (1, 3):
        beta = cv.betas[j]
        z, xi = cp.Variable(A.shape[1]), cp.Variable()
        cp.Problem(cp.Minimize(0.5 * cp.sum_squares(A @ z + xi - y[train])
                               + beta * cp.norm1(z))).solve(solver=cp.CLARABEL)
        mse = float(np.mean((At @ z.value + xi.value - y[test]) ** 2))
        assert cv.errors[1, j] == pytest.approx(mse, rel=1e-4)
    assert cv.mean[cv.best_index] == cv.mean.min()
    assert cv.beta_1se >= cv.best_beta
    assert cv.mean[list(cv.betas).index(cv.beta_1se)] <= cv.mean.min() + cv.se[cv.best_index]


def test_cross_validated_path_errors(cv_data):
    x, y = cv_data
    with pytest.raises(ValueError, match=r"n_folds must be an integer >= 2, got 1"):
        cross_validate_path(x, y, n_folds=1)
    with pytest.raises(ValueError, match=r"n_folds=61 is more than the 60 samples"):
        cross_validate_path(x, y, n_folds=61)
    with pytest.raises(ValueError, match=r"pass betas explicitly for loss='absolute'"):
        cross_validate_path(x, y, loss="absolute")
    with pytest.raises(ValueError, match=r"n_betas must be a positive integer, got 0"):
        cross_validate_path(x, y, n_betas=0)
    with pytest.raises(ValueError, match=r"eps must lie strictly between 0 and 1, got 2.0"):
        cross_validate_path(x, y, eps=2.0)
    with pytest.raises(ValueError, match=r"betas is empty"):
        cross_validate_path(x, y, betas=[])


def test_folds_partition_the_samples():
    folds = kfolds(23, 4, 1)
    tests = np.concatenate([t for _, t in folds])
    assert sorted(tests.tolist()) == list(range(23))
    for train, test in folds:
        assert np.intersect1d(train, test).size == 0 and train.size + test.size == 23


# -- backtests ------------------------------------------------------------------------------


def test_backtest_equals_serial_on_dask(dask_executor):
    s = load_sunspots()
    fc = ARForecaster(lags=1, depth=2, activation="abs", beta=1e-2, transform="none", skip=False,
                      n_calibration=5)
    opts = {"horizon": 3, "step": 3, "max_folds": 5, "baselines": ("random_walk", "ar1"),
            "initial": 240}
    a = backtest(s, fc, **opts)
    b = backtest(s, fc, executor=dask_executor, **opts)
    strip = [{k: v for k, v in r.items() if k != "fit_time"} for r in a.rows]
    assert strip == [{k: v for k, v in r.items() if k != "fit_time"} for r in b.rows]
    assert a.forecasts.keys() == b.forecasts.keys()
    for m in a.forecasts:
        np.testing.assert_array_equal(a.forecasts[m], b.forecasts[m])
    assert [r["fold"] for r in b.rows] == sorted(r["fold"] for r in b.rows)


# -- hit-and-run chains ---------------------------------------------------------------------


def test_hit_and_run_chains_equal_serial_and_stay_optimal(dask_executor):
    rng = np.random.default_rng(5)
    x = rng.normal(size=12)
    y = np.abs(x) + 0.1 * rng.normal(size=12)
    d = lom.build_dictionary(x, "relu", 3)
    res = lom.solve_lasso(d, y, 1e-3, tol=1e-12)
    S = OptimalSet.from_result(d, y, res)
    assert S.dimension() > 0  # (this draw's optimal set is not a single point)
    a = S.sample(40, 11, chains=4, thin=2, burn=20)
    b = S.sample(40, 11, chains=4, thin=2, burn=20, executor=dask_executor)
    np.testing.assert_array_equal(a, b)
    assert a.shape == (40, S.M.shape[1]) and (a >= 0).all()
    np.testing.assert_allclose(a @ S.M.T, np.tile(S.b, (40, 1)), atol=1e-8)
    # different chains are different chains
    assert not np.array_equal(a[:10], a[10:20])
    with pytest.raises(ValueError, match=r"chains must be a positive integer, got 0"):
        S.sample(4, 0, chains=0)


# -- a worker dies mid-run ------------------------------------------------------------------


def _dies_once(job, *, marker: str, **shared):
    """A sampled-library task whose first attempt at item 2 kills its worker process."""
    if job == shared.pop("victim") and not os.path.exists(marker):
        open(marker, "w").close()
        os._exit(1)  # no cleanup, no exception: the process is gone
    return sampled_task(job, **shared)


@pytest.mark.parametrize("kind", ["dask", "processes"])
def test_a_killed_worker_loses_and_duplicates_nothing(kind, dask_executor, ar_pairs,
                                                      tmp_path):
    jobs = _sampled_jobs(5)
    serial = run_batch(sampled_task, jobs, shared=ar_pairs)
    marker = tmp_path / "killed"
    ex = dask_executor if kind == "dask" else Executor("processes", n_workers=2)
    arrived = []
    out = ex.map(_dies_once, jobs, callback=lambda i, r: arrived.append(i),
                 shared=ar_pairs | {"marker": str(marker), "victim": jobs[2]})
    assert marker.exists()  # the worker really died mid-batch
    assert sorted(arrived) == list(range(len(jobs)))  # each result exactly once
    for (fa, pa), (fb, pb) in zip(serial, out):
        _same_fit(fa, fb)
        np.testing.assert_array_equal(pa, pb)
    if kind == "dask":  # the cluster is whole again for the next test
        dask_executor.client.wait_for_workers(2, timeout=30)


# -- the figures and the command line --------------------------------------------------------


def _without_times(v):
    """The numbers behind a figure, minus wall times (which depend on where tasks ran)."""
    if isinstance(v, dict):
        return {k: _without_times(x) for k, x in v.items()
                if k not in ("seconds", "milliseconds", "summary_ms", "executor")}
    if isinstance(v, list):
        return [_without_times(x) for x in v]
    return v


def test_figures_equal_serial_on_processes(tmp_path):
    opts = {"only": "4.6,E.1", "quick": True, "progress": False, "log": lambda m: None,
            "counts": {"samples": 3, "features": 40, "max_T": 60, "hit_and_run": 60}}
    a = make_figures(tmp_path / "serial", **opts)
    b = make_figures(tmp_path / "processes", executor=Executor("processes", n_workers=2),
                     **opts)
    assert b["4.6"]["executor"] == "processes" and a["4.6"]["executor"] == "serial"
    assert _without_times(a) == _without_times(b)
    assert len(a["4.6"]["train_loss"]["3"]) == 3


def _cli(*args):
    return run_cli(*args)


@pytest.mark.slow  # 13 s to start a cluster from the CLI; test_backtest_equals_serial_on_dask
def test_cli_backtest_on_a_local_dask_cluster(tmp_path):  # covers the executor by default
    common = ["backtest", "sunspots", "--baselines", "random_walk,ar1", "--max-folds", "3",
              "--horizon", "2", "--lags", "1", "--beta", "0.01", "--transform", "none", "--quiet"]
    p = _cli(*common, "--out", str(tmp_path / "serial"))
    assert p.returncode == 0, p.stderr
    q = _cli(*common, "--out", str(tmp_path / "dask"), "--executor", "dask", "--workers", "2")
    assert q.returncode == 0, q.stderr

    def rows(folder):
        with open(tmp_path / folder / "backtest.csv") as fh:
            return [{k: v for k, v in r.items() if k != "fit_time"} for r in csv.DictReader(fh)]
    assert rows("serial") == rows("dask") and len(rows("dask")) == 3 * 3


def test_cli_cv_writes_the_path_and_names_the_best_beta(tmp_path):
    p = _cli("cv", "nile", "--depth", "2", "--folds", "3", "--n-betas", "6", "--out",
             str(tmp_path), "--executor", "processes", "--workers", "2")
    assert p.returncode == 0, p.stderr
    with open(tmp_path / "cv.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 6 and (tmp_path / "cv.png").exists()
    best = min(rows, key=lambda r: float(r["mean"]))
    assert f"best beta {float(best['beta']):.6g}" in p.stdout
    assert "executor: processes (2 local worker processes)" in p.stdout


@pytest.mark.parametrize("args, msg", [
    (["--executor", "processes", "--scheduler", "tcp://127.0.0.1:9"],
     "--scheduler needs --executor dask, not processes"),
    (["--workers", "2"], "--workers needs --executor processes or dask"),
    (["--scheduler", "tcp://127.0.0.1:9", "--workers", "2"],
     "--workers sizes a local pool or cluster; with --scheduler the cluster's own workers "
     "run the tasks"),
])
def test_cli_executor_errors_are_one_line(tmp_path, args, msg):
    p = _cli("cv", "nile", "--out", str(tmp_path / "o"), *args)
    assert p.returncode == 2 and p.stderr == f"mirrors: error: {msg}\n"
    assert not (tmp_path / "o").exists()


def test_scheduler_address_from_python_and_the_command_line(dask_executor, cv_data, tmp_path):
    """A running cluster reached by its address (what `--scheduler` does on a real cluster)
    gives the serial numbers; closing that executor leaves the cluster running."""
    address = dask_executor.client.scheduler.address
    x, y = cv_data
    a = cross_validate_path(x, y, depth=2, n_betas=5, n_folds=3)
    with Executor(scheduler_address=address) as ex:
        assert ex.kind == "dask"
        b = cross_validate_path(x, y, depth=2, n_betas=5, n_folds=3, executor=ex)
    np.testing.assert_array_equal(a.errors, b.errors)
    assert dask_executor.client.status == "running"
    common = ["cv", "nile", "--depth", "2", "--folds", "3", "--n-betas", "5", "--quiet"]
    p = _cli(*common, "--out", str(tmp_path / "serial"))
    q = _cli(*common, "--out", str(tmp_path / "remote"), "--scheduler", address)
    assert p.returncode == 0 and q.returncode == 0, q.stderr
    assert (tmp_path / "serial" / "cv.csv").read_text() == \
        (tmp_path / "remote" / "cv.csv").read_text()


def test_run_blocks_runs_each_block_once_and_stops_at_the_first_error():
    import threading
    import time

    import numba

    from library_of_mirrors.parallel_blocks import run_blocks

    seen = np.zeros(64, dtype=int)
    threads = set()

    def task(b):
        seen[b] += 1
        threads.add(threading.get_ident())

    run_blocks(task, 64)
    assert seen.tolist() == [1] * 64
    if numba.get_num_threads() > 1:
        assert threading.get_ident() not in threads  # on the pool's threads
    started = []

    def failing(b):
        started.append(b)
        if b == 0:
            raise ValueError("block 0 failed")
        time.sleep(0.01)

    with pytest.raises(ValueError, match="block 0 failed"):
        run_blocks(failing, 64)
    assert len(started) < 64  # the blocks not yet started were cancelled
    before = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        threads.clear()
        run_blocks(task, 8)
        assert threads == {threading.get_ident()}  # one thread: serially, in the caller
    finally:
        numba.set_num_threads(before)
