"""Deep narrow dictionaries (Definitions 3.9, 3.10; Theorems 3.2, 3.11; Lemmas 3.7, B.2, D.11).

Depth 3: data feature biases at both layers; for non-monotone activations (abs, leaky relu with
a- < 0) also first-layer midpoint feature biases.  Lemma D.11 pairs the first-layer midpoint
with the second-layer anchor, which gives the O(N^2) library of Table 3.1 (``midpoints="anchor"``,
the default); Definition 3.9 read literally allows the midpoint of any pair (O(N^3),
``midpoints="all"``).  Depth >= 4: data feature biases at every layer (Theorem 3.2); for relu the
library freezes at depth 3 (Lemma 3.7), so its units are the depth-3 ones padded with identity
layers; deeper abs libraries also hold the padded 3-layer midpoint units (Remark 3.12).
"""

from __future__ import annotations

from .._kinkform import DN, DN_PAD, MID, MID_ALL
from ..activations import Activation

MIDPOINT_OPTIONS = ("anchor", "all", "none")


def families(activation: Activation, depth: int, midpoints: str) -> list[tuple[int, int, bool]]:
    """(kind, depth, signed) triples whose union is the deep narrow library of ``depth`` >= 3."""
    signed = not activation.even
    if depth >= 4 and activation.name == "relu":
        return [(DN_PAD, depth, signed)]
    fams = [(DN, depth, signed)]
    # depth 3: midpoint feature biases (Definition 3.9).  Deeper abs libraries also hold the
    # 3-layer midpoint units, padded with identity layers |X - 0| = X (abs features are >= 0 and
    # vanish at their anchor), so that they contain the shallower library as Remark 3.12 states
    # (the data-feature library of Theorem 3.2 alone does not: see docs/errata.md).
    if not activation.monotone and midpoints != "none" and (depth == 3 or activation.even):
        fams.append((MID if midpoints == "anchor" else MID_ALL, depth, signed))
    return fams
