"""Feature families: one module per family of units (Definitions 3.9, 3.10; Theorem 3.13;
Corollary 3.15), each owning its code (count, decode, encode), its numba builder, its network
unit and its name.

=================  ====================================================================
``data``           deep narrow, data feature biases at every layer (Theorems 3.2, 3.11)
``padded``         3-layer relu units padded to depth L >= 4 (Lemma 3.7)
``midpoint``       3-layer, first-layer normalized midpoint paired with the anchor (D.11)
``midpoint_pairs`` 3-layer, the midpoint of any pair (Definition 3.9 literally)
``symmetrized``    3-layer symmetrized units, W1, W2 in {+-1}^2 (Theorem 3.13)
``jump``           2-layer sign / threshold units (Corollary 3.15)
``arrangement``    deep narrow units at the vertices of the bias arrangement (every bias;
                   the exact pricer's units, erratum E12)
=================  ====================================================================

Which families make up a library is the architecture registry's business
(:mod:`library_of_mirrors.architectures`).
"""

from .arrangement import FAMILY as ARRANGEMENT
from .base import MAX_CODE, Family
from .data import FAMILY as DATA
from .jump import FAMILY as JUMP
from .midpoint import FAMILY as MIDPOINT
from .midpoint import FAMILY_PAIRS as MIDPOINT_PAIRS
from .padded import FAMILY as PADDED
from .symmetrized import FAMILY as SYMMETRIZED

FAMILIES: dict[int, Family] = {f.kind: f for f in (DATA, PADDED, MIDPOINT, MIDPOINT_PAIRS,
                                                   SYMMETRIZED, JUMP, ARRANGEMENT)}


def family(kind: int) -> Family:
    """The family of a ``kind`` code (as stored in ``FeatureBatch.kinds``)."""
    return FAMILIES[int(kind)]


__all__ = ["ARRANGEMENT", "DATA", "FAMILIES", "Family", "JUMP", "MAX_CODE", "MIDPOINT",
           "MIDPOINT_PAIRS", "PADDED", "SYMMETRIZED", "family"]
