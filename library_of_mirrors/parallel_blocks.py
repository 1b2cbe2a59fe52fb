"""Blocks of one numba pass on threads: the package's in-process parallelism.

A pass over many candidates (or rows) is cut into blocks, each one call of a serial kernel
compiled with ``nogil=True`` that writes only its own slice of the outputs; the blocks run on
a pool of :func:`numba.get_num_threads` threads (so ``numba.set_num_threads`` and the
executors' ``threads_per_task`` apply).

Why not ``prange`` wrappers: numba compiles a parallel wrapper as a new function with its
callees inside it, once per environment.  For the candidate passes of :mod:`.families.kernels`
that was 27 s of compilation on top of the serial kernels' 36 s (2 cores), paid by the first
large build of every fresh environment (and by each test worker).  Threads reuse the serial
kernel as compiled; the blocks' Python overhead is a few microseconds each.  Between blocks
the main thread is back in Python, so an interrupt stops the pass after the running blocks
(the queued ones are cancelled).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait

import numba

_POOLS: dict[tuple[int, int], ThreadPoolExecutor] = {}
_LOCK = threading.Lock()


def _pool(threads: int) -> ThreadPoolExecutor:
    """The process's pool of ``threads`` threads, started on first use (one per process id: a
    forked child starts its own, its parent's threads do not exist there).  Creating a pool
    per pass cost 2.5 ms, the whole of a 3-layer abs pricing round at N = 1000."""
    key = (os.getpid(), threads)
    with _LOCK:
        pool = _POOLS.get(key)
        if pool is None:
            pool = _POOLS[key] = ThreadPoolExecutor(max_workers=threads,
                                                    thread_name_prefix="lom-block")
        return pool


def run_blocks(task: Callable[[int], None], n_blocks: int) -> None:
    """Call ``task(b)`` for ``b`` in ``range(n_blocks)``, on up to
    :func:`numba.get_num_threads` threads (serially with one); the first exception (an
    interrupt included) cancels the blocks not yet started, waits for the running ones and is
    raised."""
    threads = min(int(numba.get_num_threads()), int(n_blocks))
    if threads <= 1:
        for b in range(n_blocks):
            task(b)
        return
    futures = [_pool(threads).submit(task, b) for b in range(n_blocks)]
    try:
        for future in futures:
            future.result()
    except BaseException:
        for future in futures:
            future.cancel()
        wait(futures)
        raise


__all__ = ["run_blocks"]
