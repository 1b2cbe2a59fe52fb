"""What every feature family declares (one :class:`Family` per module of this package).

A *family* is a set of candidate units of one shape, indexed by an integer *code*: a mixed-radix
number over the indices of the data points that fix the unit's biases ("slots") and its weight
signs.  The family owns how many codes there are (in exact integer arithmetic), how a code
decodes (a numba kernel in its module) and encodes, how its unit is built as a network
(:class:`~library_of_mirrors.units.Unit`) and what it is called.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

#: codes are int64 everywhere (hashing, materializing, saved models): families whose code space
#: would exceed this are refused by the dictionary builder with a clear message
MAX_CODE = 2**62


@dataclass(frozen=True)
class Family:
    """A feature family.

    ``kind``: the integer the numba kernels dispatch on; ``name``: its identifier; ``label``:
    how a feature of it is described (``Feature.family``); ``group``: its bias type in
    ``Dictionary.family_counts`` ("data", "midpoint", "symmetrized"); ``jump``: sign /
    threshold features (step basis).  ``n_slots(L)`` / ``n_signs(L)``: data indices and weight
    signs of a unit of depth L; ``count(L, n, signed)``: the number of codes for n distinct
    points (a Python int); ``encode(L, n, signed, idx, signs)``: codes of units given as arrays
    (rows of slot indices and of +-1 signs); ``unit(act, L, signs, slots, u)``: the network unit.
    ``workspace(L)``: breakpoint room of the numba builder.
    """

    kind: int
    name: str
    label: str
    group: str
    jump: bool
    n_slots: Callable[[int], int]
    n_signs: Callable[[int], int]
    count: Callable[[int, int, bool], int]
    encode: Callable[..., np.ndarray]
    unit: Callable
    workspace: Callable[[int], int]


def radix_code(n: int, idx: np.ndarray, neg: np.ndarray | None) -> np.ndarray:
    """``sum_a idx[:, a] n^a + n^m sum_a neg[:, a] 2^a`` (m = number of index columns): the
    layout of every family's code (index digits first, then the sign bits)."""
    idx = np.atleast_2d(np.asarray(idx, dtype=np.int64))
    code = np.zeros(idx.shape[0], dtype=np.int64)
    mult = 1
    for a in range(idx.shape[1]):
        code += idx[:, a] * np.int64(mult)
        mult *= n
    if neg is not None:
        neg = np.atleast_2d(np.asarray(neg, dtype=bool))
        bits = np.zeros(idx.shape[0], dtype=np.int64)
        for a in range(neg.shape[1]):
            bits |= neg[:, a].astype(np.int64) << a
        code += bits * np.int64(mult)
    return code
