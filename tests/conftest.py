import os
import sys

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
