"""BLAS threads while solving: one.

The solvers' dense linear algebra is small (restricted blocks, Riccati steps) and their vector
products are memory-bound, while the heavy passes (pricing, fits) are numba kernels with their
own threads.  OpenBLAS's threads only wait on each other and on numba's there: on this 2-core
machine a dot product of 1e5 entries took 8 ms with two BLAS threads under load and 0.08 ms
with one (the 2-layer relu slope-change solve at N = 1e5 spent two thirds of its time in
them), and a small Cholesky factor 17 ms against 0.2 ms.
"""

from __future__ import annotations

from threadpoolctl import ThreadpoolController

_CONTROLLER = ThreadpoolController()


def one_blas_thread():
    """A context manager: BLAS runs on one thread inside it (restored on exit)."""
    return _CONTROLLER.limit(limits=1, user_api="blas")


__all__ = ["one_blas_thread"]
