"""Libraries of Table 3.1: explicit, additive and implicit, all seen by the solvers through one
protocol (:mod:`.pools`).

``build_dictionary`` (:mod:`.build`) enumerates or samples (section 4) the units of an
architecture's feature families (:mod:`library_of_mirrors.families`, chosen by the architecture
registry :mod:`library_of_mirrors.architectures`) into an explicit :class:`Dictionary`
(:mod:`.explicit`), or returns an :class:`ImplicitDictionary` (:mod:`.implicit`, priced by the
structured kernels of :mod:`.pricing`) for libraries too large to list.  Additive networks (one
column per unit, several lags) get ``build_additive_dictionary`` (:mod:`.additive`).
"""

from ..architectures import IMPLICIT_SUPPORTED, SUPPORTED, TABLE_3_1
from .additive import AdditiveDictionary, build_additive_dictionary
from .build import MAX_CANDIDATES, build_dictionary
from .explicit import DENSE_MAX_BYTES, Dictionary
from .implicit import ImplicitDictionary
from .pools import Library, Pool, Pricing

__all__ = ["AdditiveDictionary", "DENSE_MAX_BYTES", "Dictionary", "IMPLICIT_SUPPORTED",
           "ImplicitDictionary", "Library", "MAX_CANDIDATES", "Pool", "Pricing", "SUPPORTED",
           "TABLE_3_1", "build_additive_dictionary", "build_dictionary"]
