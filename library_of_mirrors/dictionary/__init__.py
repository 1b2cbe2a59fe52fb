"""Dictionaries of Table 3.1: one module per family, ``build_dictionary`` chooses.

``two_layer`` (Corollary 3.15), ``deep_narrow`` (Theorems 3.2, 3.11, Lemma 3.7),
``symmetrized`` (Theorems 3.5, 3.13); sampled libraries (section 4) come from
``build_dictionary(..., n_features=...)``; additive networks (one column per unit, several
lags) from ``build_additive_dictionary`` (``additive.py``).  The numba kernels are in
``_kernels.py``.  Libraries too large to list are held implicitly (``implicit.py``: priced
by the structured kernels of ``_pricing.py``).
"""

from .additive import AdditiveDictionary, build_additive_dictionary
from .core import (
    DENSE_MAX_BYTES,
    MAX_CANDIDATES,
    SUPPORTED,
    TABLE_3_1,
    Dictionary,
    build_dictionary,
)
from .implicit import IMPLICIT_SUPPORTED, ImplicitDictionary

__all__ = ["AdditiveDictionary", "build_additive_dictionary", "DENSE_MAX_BYTES",
           "MAX_CANDIDATES", "SUPPORTED", "TABLE_3_1", "Dictionary",
           "build_dictionary", "IMPLICIT_SUPPORTED", "ImplicitDictionary"]
