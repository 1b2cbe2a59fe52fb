"""2-layer dictionaries (Corollary 3.15): sigma(x - x_n) and sigma(x_n - x).

Every activation enumerates both weight signs; merging columns equal up to sign leaves A+ alone
for abs (sigma is even) and for sign (sign(x_n - x) = -sign(x - x_{n'}) on the data), and
[A+, A-] for relu, leaky relu and threshold, as the corollary states.
"""

from __future__ import annotations

from .._kinkform import DN, JUMP
from ..activations import Activation


def families(activation: Activation) -> list[tuple[int, int, bool]]:
    """(kind, depth, signed) triples whose union is the 2-layer library."""
    if activation.sign_determined:
        return [(JUMP, 2, True)]
    return [(DN, 2, not activation.even)]
