"""Where batch work runs: one process, a local process pool (joblib), or a Dask cluster.

Every batch workload of the package (cross-validated paths, sampled libraries, backtest
folds, hit-and-run chains, the figures' repetitions) is a list of independent tasks
``fn(item, **shared)`` whose result depends only on its arguments (seeds included), and goes
through :meth:`Executor.map`.  The executor therefore changes where and when tasks run, never
what they return: results come back in the order of ``items`` whatever the executor, and a
batch gives the same numbers serially, on a process pool or on a cluster.

* ``"serial"`` (default): a plain loop in this process.
* ``"processes"``: a joblib (loky) pool of ``n_workers`` processes on this machine.  If a
  worker dies, the tasks without a result are submitted again (``retries`` times).
* ``"dask"``: a ``dask.distributed`` client: ``scheduler_address`` of a running cluster, or a
  ``LocalCluster`` of ``n_workers`` single-threaded worker processes started (and closed) by
  the executor.  Dask's scheduler recomputes tasks lost with a dead worker; the shared
  arguments are tasks of the graph (not scattered data), so they are recomputed too.

What travels: ``fn`` is pickled by reference (a module-level function of this package, which
the workers import); the ``shared`` keyword arguments go to each worker once per batch (Dask:
one task every worker fetches; joblib: large arrays are memory-mapped); each ``item`` is
small (a seed, a fold's indices).  Inside a task numba uses ``threads_per_task`` threads
(default 1 for the parallel executors: the workers already fill the cores).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable, Sequence
from typing import Any

KINDS = ("serial", "processes", "dask")

#: glibc malloc settings of a worker process (bytes): large arrays come from the heap, which is
#: trimmed only above 128 MiB.  With glibc's defaults a loop that allocates and frees arrays of
#: a few hundred KiB (Adam's training steps) hands the memory back to the kernel and faults
#: it in again every step: 45% of Adam's time went to the kernel, and Dask's nanny, which sets
#: MALLOC_TRIM_THRESHOLD_=65536, made it worse (four Adam runs on two workers: 3.2 s, 1.0 s
#: with these settings).
#: ``mmap_max = 0``: arrays above the largest mmap threshold glibc accepts (32 MiB) come from
#: the heap too, so a solve at N = 10^7 reuses its 80 MB arrays instead of faulting in fresh
#: pages for each (2-layer relu, N = 10^7, implicit library: 22-24 s -> 10-12 s)
WORKER_MALLOC = {"trim_threshold": 128 * 2**20, "mmap_threshold": 32 * 2**20, "mmap_max": 0}
_TUNED: list[bool] = []


def tune_malloc() -> None:
    """Apply :data:`WORKER_MALLOC` to this (worker) process, once; glibc only (elsewhere, or
    if libc cannot be loaded, nothing changes)."""
    if _TUNED:
        return
    _TUNED.append(True)
    try:
        import ctypes  # noqa: PLC0415
        import ctypes.util  # noqa: PLC0415

        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(-3, WORKER_MALLOC["mmap_threshold"])  # M_MMAP_THRESHOLD
        libc.mallopt(-1, WORKER_MALLOC["trim_threshold"])  # M_TRIM_THRESHOLD
        libc.mallopt(-4, WORKER_MALLOC["mmap_max"])  # M_MMAP_MAX
    except (OSError, AttributeError):  # pragma: no cover - not glibc
        pass


def _run_task(fn: Callable, item: Any, threads: int | None, shared: dict,
              worker: bool = True) -> Any:
    """One task: ``fn(item, **shared)``, with numba capped at ``threads`` threads in this
    thread (if given); a ``worker`` process (of a parallel executor, never the caller's) also
    gets :data:`WORKER_MALLOC`."""
    if worker:
        tune_malloc()
    if threads is not None:
        import numba  # noqa: PLC0415

        numba.set_num_threads(max(1, min(int(threads), numba.config.NUMBA_NUM_THREADS)))
    return fn(item, **shared)


def _identity(v: Any) -> Any:
    return v


@contextlib.contextmanager
def _quiet_children():
    """Processes started inside write their stderr to /dev/null: a local cluster's workers.

    A terminal's Ctrl-C reaches every process of its group, the workers included; each then
    printed a KeyboardInterrupt traceback (from an import, or from its event loop) next to the
    command's one line.  The command itself stops them (the executor closes its cluster), and
    a task's failure reaches the caller through its future, so their stderr says nothing the
    caller needs.  The caller's own stderr is back when the block ends."""
    try:
        saved = os.dup(2)
    except OSError:  # no stderr to redirect
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _check_workers(n_workers) -> int | None:
    if n_workers is None:
        return None
    if isinstance(n_workers, bool) or not isinstance(n_workers, int) or n_workers < 1:
        raise ValueError(f"n_workers must be a positive integer, got {n_workers!r}")
    return n_workers


class Executor:
    """Run independent tasks serially, on a joblib process pool or on Dask.

    Parameters
    ----------
    kind : "serial", "processes" or "dask".
    n_workers : worker processes (``processes``, or the local Dask cluster); default: the
        number of cores.  Ignored with ``scheduler_address``.
    scheduler_address : address of a running Dask scheduler (``tcp://host:8786``); implies
        ``kind="dask"``.
    threads_per_task : numba threads inside a task; default 1 for ``processes`` and
        ``dask``, unchanged for ``serial``.
    retries : how often the ``processes`` pool is restarted after a worker died.
    client : an existing ``distributed.Client`` to use (not closed by the executor).

    Use it as a context manager (or call :meth:`close`) so that a cluster it started is shut
    down.  Functions taking ``executor=`` accept an ``Executor``, a ``distributed.Client`` or
    one of the kinds; a kind starts a fresh executor for that call only.
    """

    def __init__(self, kind: str = "serial", *, n_workers: int | None = None,
                 scheduler_address: str | None = None, threads_per_task: int | None = None,
                 retries: int = 2, client=None):
        if client is not None:
            kind = "dask"
        if scheduler_address is not None:
            if not isinstance(scheduler_address, str) or not scheduler_address.strip():
                raise ValueError(f"scheduler_address must be an address like "
                                 f"'tcp://host:8786', got {scheduler_address!r}")
            if kind not in ("dask", "serial"):
                raise ValueError(f"a scheduler address needs executor='dask', not {kind!r}")
            kind = "dask"
        if kind not in KINDS:
            raise ValueError(f"unknown executor {kind!r}; choose from {', '.join(KINDS)}")
        self.kind = kind
        self.n_workers = _check_workers(n_workers)
        self.scheduler_address = scheduler_address
        if threads_per_task is not None:
            threads_per_task = _check_workers(threads_per_task)
        self.threads_per_task = threads_per_task if threads_per_task is not None or \
            kind == "serial" else 1
        if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
            raise ValueError(f"retries must be a non-negative integer, got {retries!r}")
        self.retries = retries
        self._client = client
        self._owned: list = []  # what close() shuts down (a local cluster and its client)
        if kind == "dask" and client is None:
            self._start_dask()

    # lifecycle ---------------------------------------------------------------------------------
    def _start_dask(self) -> None:
        try:
            from distributed import Client, LocalCluster  # noqa: PLC0415
        except ImportError as exc:  # pragma: no cover - the dask extra is installed in CI
            raise ImportError("executor='dask' needs dask.distributed: pip install "
                              "'library_of_mirrors[dask]'") from exc
        if self.scheduler_address is not None:
            try:
                self._client = Client(self.scheduler_address, timeout="10s")
            except OSError as exc:
                raise ValueError(f"no Dask scheduler answers at {self.scheduler_address}: "
                                 f"{exc}") from None
            except (MemoryError, ValueError, TypeError, RuntimeError, KeyError) as exc:
                # another service: its bytes read as a Dask message (a frame "length" of
                # 3 EiB was a MemoryError)
                raise ValueError(f"{self.scheduler_address} did not answer as a Dask "
                                 f"scheduler (another service listens there?): "
                                 f"{type(exc).__name__}: {str(exc)[:120]}") from None
            self._owned = [self._client]
            return
        import logging  # noqa: PLC0415

        with _quiet_children():
            cluster = LocalCluster(n_workers=self.n_workers or os.cpu_count() or 1,
                                   threads_per_worker=1, processes=True,
                                   dashboard_address=None,
                                   # task errors reach the caller through their futures;
                                   # what workers log at ERROR is their scheduler going away
                                   # at shutdown (CommClosedError tracebacks at a Ctrl-C)
                                   silence_logs=logging.CRITICAL)
        self._client = Client(cluster)
        self._owned = [self._client, cluster]

    @property
    def client(self):
        """The ``distributed.Client`` (``dask`` only)."""
        return self._client

    def close(self) -> None:
        """Shut down what this executor started (a local Dask cluster, a client)."""
        for obj in self._owned:
            obj.close()
        self._owned = []

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        where = f", scheduler_address={self.scheduler_address!r}" if self.scheduler_address \
            else (f", n_workers={self.n_workers}" if self.n_workers else "")
        return f"Executor({self.kind!r}{where})"

    # work --------------------------------------------------------------------------------------
    def map(self, fn: Callable, items: Iterable, *, shared: dict | None = None,
            desc: str | None = None, progress: bool = False,
            callback: Callable[[int, Any], None] | None = None) -> list:
        """``[fn(item, **shared) for item in items]``, run by this executor.

        ``callback(i, result)`` is called in this process as each result arrives (in completion
        order); the returned list is in the order of ``items``.  A task's exception is raised
        here (the remaining tasks are cancelled)."""
        items = list(items)
        shared = dict(shared or {})
        bar = None
        if progress and items:
            from tqdm.auto import tqdm  # noqa: PLC0415

            bar = tqdm(total=len(items), desc=desc or "tasks", unit="task", leave=False)

        def done(i: int, r: Any) -> None:
            if bar is not None:
                bar.update()
            if callback is not None:
                callback(i, r)

        try:
            if self.kind == "serial" or not items:
                out = []
                for i, item in enumerate(items):
                    out.append(_run_task(fn, item, self.threads_per_task, shared,
                                         worker=False))
                    done(i, out[-1])
                return out
            if self.kind == "processes":
                return self._map_processes(fn, items, shared, done)
            return self._map_dask(fn, items, shared, done)
        finally:
            if bar is not None:
                bar.close()

    def _map_processes(self, fn, items: Sequence, shared: dict, done) -> list:
        from joblib import Parallel, delayed  # noqa: PLC0415
        from joblib.externals.loky.process_executor import (  # noqa: PLC0415
            BrokenProcessPool,
            TerminatedWorkerError,
        )

        out: list = [None] * len(items)
        start, attempts = 0, 0
        while start < len(items):
            try:
                with Parallel(n_jobs=self.n_workers or os.cpu_count() or 1,
                              return_as="generator") as pool:
                    for r in pool(delayed(_run_task)(fn, item, self.threads_per_task, shared)
                                  for item in items[start:]):
                        out[start] = r  # results arrive in the order of the items
                        done(start, r)
                        start += 1
            except (TerminatedWorkerError, BrokenProcessPool):
                attempts += 1  # a worker died: resubmit everything without a result
                if attempts > self.retries:
                    raise
        return out

    def _map_dask(self, fn, items: Sequence, shared: dict, done) -> list:
        from distributed import as_completed  # noqa: PLC0415

        client = self._client
        # shared arguments as tasks of the graph: fetched once per worker, and recomputable
        # from the graph if the workers holding them die (scattered data would be lost)
        shared_f = {k: client.submit(_identity, v, pure=False) for k, v in shared.items()}
        futures = [client.submit(_run_task, fn, item, self.threads_per_task, shared_f,
                                 pure=False) for item in items]
        index = {f.key: i for i, f in enumerate(futures)}
        out: list = [None] * len(items)
        try:
            for fut, r in as_completed(futures, with_results=True):
                i = index[fut.key]
                out[i] = r
                done(i, r)
        except BaseException as exc:
            client.cancel(futures + list(shared_f.values()))
            if type(exc).__name__ == "KilledWorker":  # the same task took down several workers
                raise RuntimeError(f"a task of the batch took down every worker that ran it "
                                   f"(out of memory? a crash in compiled code?): {exc}") from exc
            raise
        finally:
            del shared_f
        return out


def as_executor(executor=None, *, n_workers: int | None = None,
                scheduler_address: str | None = None) -> tuple[Executor, bool]:
    """``(executor, owned)`` for an ``executor=`` argument: an :class:`Executor` or a
    ``distributed.Client`` is used as is (``owned`` False); a kind (or None = "serial") makes a
    new executor the caller must close (``owned`` True)."""
    if isinstance(executor, Executor):
        return executor, False
    if executor is None:
        executor = "serial"
    if isinstance(executor, str):
        return Executor(executor, n_workers=n_workers,
                        scheduler_address=scheduler_address), True
    if type(executor).__name__ == "Client" and hasattr(executor, "submit"):
        return Executor(client=executor), False
    raise TypeError(f"executor must be one of {', '.join(KINDS)}, an Executor or a "
                    f"distributed.Client, got {type(executor).__name__}")


def run_batch(fn: Callable, items: Iterable, executor=None, *, shared: dict | None = None,
              desc: str | None = None, progress: bool = False, callback=None) -> list:
    """:meth:`Executor.map` with an ``executor=`` argument of any accepted form (an executor
    made here is closed again)."""
    ex, owned = as_executor(executor)
    try:
        return ex.map(fn, items, shared=shared, desc=desc, progress=progress,
                      callback=callback)
    finally:
        if owned:
            ex.close()


__all__ = ["Executor", "KINDS", "as_executor", "run_batch"]
