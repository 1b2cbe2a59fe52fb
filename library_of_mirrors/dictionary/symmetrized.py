"""3-layer symmetrized dictionaries (Theorems 3.5, 3.13; Figure B.1).

Units sigma(w21 sigma(w11 (x - x_j1)) + w22 sigma(w12 (x - x_j2)) + b2) with W1, W2 in {+-1}^2
and data feature biases (b2 vanishes the second-layer pre-activation at x_j3).  The two
first-layer neurons are interchangeable, so one ordering of each pair is enumerated.  The Lasso
uses beta~ = beta / 2 for this architecture (section 3).
"""

from __future__ import annotations

from .._kinkform import SYM
from ..activations import Activation


def families(activation: Activation) -> list[tuple[int, int, bool]]:
    return [(SYM, 3, True)]
