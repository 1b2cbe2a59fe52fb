import os
import sys

sys.path.insert(0, os.path.dirname(__file__))

# every combination of Table 3.1 the library supports: (activation, depth, architecture, slope)
COMBOS = [
    ("relu", 2, "deep_narrow", None),
    ("leaky_relu", 2, "deep_narrow", 0.1),
    ("abs", 2, "deep_narrow", None),
    ("sign", 2, "deep_narrow", None),
    ("threshold", 2, "deep_narrow", None),
    ("relu", 3, "deep_narrow", None),
    ("leaky_relu", 3, "deep_narrow", -0.5),
    ("leaky_relu", 3, "deep_narrow", 0.2),
    ("abs", 3, "deep_narrow", None),
    ("relu", 4, "deep_narrow", None),
    ("abs", 4, "deep_narrow", None),
    ("leaky_relu", 4, "deep_narrow", -0.3),
    ("relu", 3, "symmetrized", None),
    ("leaky_relu", 3, "symmetrized", 0.25),
]


def combo_id(c):
    a, L, arch, s = c
    return f"{a}{'' if s is None else s}-L{L}-{arch}"
