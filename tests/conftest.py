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
