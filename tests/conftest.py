import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))

from library_of_mirrors.dictionary import TABLE_3_1

# every combination of Table 3.1 the library supports: (activation, depth, architecture, slope):
# one representative per row, plus the other leaky slopes and depths
COMBOS = list(TABLE_3_1) + [
    ("leaky_relu", 3, "deep_narrow", 0.2),
    ("leaky_relu", 4, "deep_narrow", -0.3),
    ("leaky_relu", 3, "symmetrized", 0.25),
]


def combo_id(c):
    a, L, arch, s = c
    return f"{a}{'' if s is None else s}-L{L}-{arch}"


def noisy_sine(n, seed, dup=False):
    """Sorted x ~ U(-2, 2) (rounded to 0.1 with ``dup``: repeated inputs) and
    y = sin 3x + 0.3 noise: the data of the slope-change solvers' tests."""
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(-2, 2, n))
    if dup:
        x = np.round(x, 1)
    return x, np.sin(3 * x) + 0.3 * rng.standard_normal(n)


def _compile_builds():
    """The explicit builds' numba passes (relu and abs, depths 2 and 3)."""
    import library_of_mirrors as lom

    x, _ = noisy_sine(40, 0)
    for act, depth in (("relu", 2), ("relu", 3), ("abs", 2), ("abs", 3)):
        lom.build_dictionary(x, act, depth)


def _compile_solvers():
    """The slope-change solvers and the ramp pricers (an implicit 2-layer relu library)."""
    import warnings

    import library_of_mirrors as lom

    x, y = noisy_sine(40, 0)
    d = lom.build_dictionary(x, "relu", 2, implicit=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for frac in (1e-1, 1e-3):
            lom.solve_lasso(d, y, frac * lom.beta_max(d, y))


def pytest_sessionstart(session):
    """Under xdist, the first two workers compile different halves of the common numba kernels
    before their first test (a fresh environment has no numba cache; each half takes about
    27 s): otherwise both compile both, about 56 s of duplicated work in a fresh venv.  With a
    warm cache this only loads it."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")) < 2 or not worker.startswith("gw"):
        return
    index = int(worker[2:])
    if index < 2:
        (_compile_builds, _compile_solvers)[index]()
