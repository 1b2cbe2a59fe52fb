"""One parallel unit of eq. (2.3): the network behind a feature (Definition 3.10)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .activations import Activation


@dataclass
class Unit:
    """One parallel unit (eq. (2.3)): per-layer weights, biases and amplitudes.

    ``weights[l]`` has shape (m_l, m_{l+1}), ``biases[l]`` shape (m_{l+1},); ``amplitudes[l]`` are
    the amplitude parameters s^(l) (all ones; only sign / threshold networks train them).
    The unit reads ``x - shift``: a library far from 0 keeps its units' biases in its own
    coordinates (:func:`~library_of_mirrors.dictionary.columns.internal_origin`); the first
    bias in the data's coordinates, ``b - W shift``, would lose the digits of the offset.
    """

    activation: Activation
    weights: list[np.ndarray]
    biases: list[np.ndarray]
    amplitudes: list[np.ndarray] = field(default_factory=list)
    shift: float = 0.0

    @property
    def depth(self) -> int:
        """Network depth L (number of weight layers + 1 for the output coefficient)."""
        return len(self.weights) + 1

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """Forward pass (2.3) on the scalar inputs ``x``; returns X^(L)(x) with shape x.shape."""
        x = np.asarray(x, dtype=float)
        h = x.reshape(-1, 1) - self.shift
        for l, (W, b) in enumerate(zip(self.weights, self.biases)):
            h = self.activation(h @ W + b)
            if self.amplitudes:
                h = h * self.amplitudes[l]
        return h.reshape(x.shape)


def anchored_chain(act: Activation, first_kink: float, weights, anchors) -> Unit:
    """A deep narrow unit: ``sigma(w1 (x - first_kink))`` followed by layers ``sigma(w_l (h -
    h(anchor_l)))`` (data feature biases, Definition 3.9: layer l vanishes at its anchor)."""
    w1 = float(weights[0])
    Ws = [np.array([[w1]])]
    bs = [np.array([-w1 * float(first_kink)])]
    for w, a in zip(weights[1:], anchors):
        partial = Unit(act, list(Ws), list(bs))
        w = float(w)
        Ws.append(np.array([[w]]))
        bs.append(np.array([-w * float(partial(np.array([a]))[0])]))
    return Unit(act, Ws, bs)
