"""Standard networks (2.2): ``f(x) = xi + omega x + X^(L) alpha`` with full weight matrices."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..activations import Activation
from ..validation import one_input, real_array


@dataclass
class StandardNetwork:
    activation: Activation
    weights: list[np.ndarray]  # W^(l): (m_l, m_{l+1})
    biases: list[np.ndarray]  # b^(l): (m_{l+1},)
    alpha: np.ndarray  # (m_L,)
    xi: float = 0.0
    amplitudes: np.ndarray | None = None  # last hidden layer (sign / threshold)
    skip: float = 0.0
    shift: float = 0.0  # the first layer reads x - shift (ParallelNetwork.shift)

    @property
    def depth(self) -> int:
        return len(self.weights) + 1

    def __call__(self, x) -> np.ndarray:
        """Output at x: same shape as a 1-D ``x``; (n,) for inputs X of shape (n, p) (additive
        networks, whose first layer has one row per input column it reads)."""
        x = real_array(x, "x")
        p = self.weights[0].shape[0] if self.weights else 1
        wide = x.ndim == 2 and x.shape[1] > 1
        if p == 1:
            one_input(x)
        if wide:
            h, lin = x[:, :p] - self.shift, 0.0
        else:
            h, lin = x.reshape(-1, 1) - self.shift, self.skip * x.ravel()
        for W, b in zip(self.weights, self.biases):
            h = self.activation(h @ W + b)
        if self.amplitudes is not None:
            h = h * self.amplitudes
        out = self.xi + lin + h @ self.alpha
        return out if wide else out.reshape(x.shape)

    def __repr__(self) -> str:
        widths = [w.shape[1] for w in self.weights]
        return f"StandardNetwork({self.activation.name}, widths={widths}, xi={self.xi:.6g})"
