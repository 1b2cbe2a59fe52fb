"""Piecewise-linear activations (paper section 2, eq. (2.1)) and the normalized midpoint (3.1).

Every activation of the paper is *piecewise linear around 0*::

    sigma(u) = a_minus * u + b_minus   if u < 0
               a_plus  * u + b_plus    otherwise

relu is (a-, a+, b-, b+) = (0, 1, 0, 0); leaky relu (a-, 1, 0, 0) with any a- != 1 (a- = -1 is the
absolute value); sign is (0, 0, -1, 1) with sign(0) = 1; threshold is (0, 0, 0, 1) = 1{u >= 0}.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ACTIVATION_NAMES = ("relu", "leaky_relu", "abs", "sign", "threshold")


@dataclass(frozen=True)
class Activation:
    """A piecewise-linear activation, eq. (2.1): slopes ``a_minus``, ``a_plus``, offsets ``b_*``."""

    name: str
    a_minus: float
    a_plus: float
    b_minus: float = 0.0
    b_plus: float = 0.0

    @property
    def continuous(self) -> bool:
        """True for relu / leaky relu / abs (``b- = b+ = 0``)."""
        return self.b_minus == 0.0 and self.b_plus == 0.0

    @property
    def sign_determined(self) -> bool:
        """True for sign and threshold: the output depends only on the sign of the input (D.1)."""
        return self.a_minus == 0.0 and self.a_plus == 0.0

    @property
    def monotone(self) -> bool:
        """True when a- and a+ do not have strictly opposite signs (relu, leaky relu, a- >= 0)."""
        return self.a_minus * self.a_plus >= 0.0

    @property
    def even(self) -> bool:
        """True when sigma(-u) = sigma(u) (abs): a unit's weight signs then do not matter."""
        return self.continuous and self.a_minus == -self.a_plus

    @property
    def effective_depth_is_two(self) -> bool:
        """Sign / threshold networks regularize only the outer amplitude and weight (L~ = 2)."""
        return self.sign_determined

    def __call__(self, u: np.ndarray | float) -> np.ndarray:
        u = np.asarray(u, dtype=float)
        return np.where(u < 0.0, self.a_minus * u + self.b_minus, self.a_plus * u + self.b_plus)

    def normalized_midpoint(self, alpha: float, beta: float) -> float:
        """The normalized midpoint m_{alpha,beta} of eq. (3.1).

        ``-(a+ max(alpha, beta) - a- min(alpha, beta)) / (a+ - a-)``; for abs it is
        ``-(alpha + beta) / 2`` and it is the zero (in the bias b) of
        ``sigma(b + alpha) - sigma(b + beta)`` (Lemma D.10).
        """
        if self.a_plus == self.a_minus:
            raise ValueError("the normalized midpoint needs a+ != a-")
        hi, lo = max(alpha, beta), min(alpha, beta)
        return -(self.a_plus * hi - self.a_minus * lo) / (self.a_plus - self.a_minus)

    def midpoint_breakpoint(self, xa: float, xb: float, w: int) -> float:
        """Where a first-layer unit ``sigma(w x + b)`` with a midpoint feature bias has its kink.

        Lemma D.10 applied to ``sigma(w x_a + b) - sigma(w x_b + b)`` gives the optimal bias
        ``b = m_{w x_a, w x_b}``; the unit's kink is at ``t = -b / w``, a weighted average of the
        two data points (their midpoint for abs).  See docs/errata.md on the sign in Def. 3.9.
        """
        b = self.normalized_midpoint(w * xa, w * xb)
        return -b / w

    def params(self) -> np.ndarray:
        """(a-, a+, b-, b+) as a float array, the form the numba kernels take."""
        return np.array([self.a_minus, self.a_plus, self.b_minus, self.b_plus], dtype=float)


def get_activation(name: str, leaky_slope: float | None = None) -> Activation:
    """Return the activation called ``name``; ``leaky_slope`` is a- for ``"leaky_relu"``.

    Raises ``ValueError`` for an unknown name, a missing or invalid slope (a- must be finite and
    != 1, where the activation would be linear) and ``TypeError`` for a non-string name.
    """
    if not isinstance(name, str):
        raise TypeError(f"activation must be a string, got {type(name).__name__}")
    key = name.lower().replace("-", "_")
    if key == "leakyrelu":
        key = "leaky_relu"
    if key not in ACTIVATION_NAMES:
        raise ValueError(
            f"unknown activation {name!r}; supported: {', '.join(ACTIVATION_NAMES)}"
        )
    if leaky_slope is not None and key != "leaky_relu":
        raise ValueError(f"leaky_slope is only used with activation='leaky_relu', not {name!r}")
    if key == "relu":
        return Activation("relu", 0.0, 1.0)
    if key == "abs":
        return Activation("abs", -1.0, 1.0)
    if key == "sign":
        return Activation("sign", 0.0, 0.0, -1.0, 1.0)
    if key == "threshold":
        return Activation("threshold", 0.0, 0.0, 0.0, 1.0)
    if leaky_slope is None:
        raise ValueError("activation='leaky_relu' needs leaky_slope (the negative slope a-)")
    try:
        slope = float(leaky_slope)
    except (TypeError, ValueError):
        raise TypeError(f"leaky_slope must be a number, got {leaky_slope!r}") from None
    if not np.isfinite(slope):
        raise ValueError(f"leaky_slope must be finite, got {leaky_slope!r}")
    if slope == 1.0:
        raise ValueError("leaky_slope == 1 makes the activation linear (a- must differ from 1)")
    return Activation("leaky_relu", slope, 1.0)
