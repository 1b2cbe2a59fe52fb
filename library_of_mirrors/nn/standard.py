"""Standard networks (2.2): ``f(x) = xi + omega x + X^(L) alpha`` with full weight matrices."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..activations import Activation


@dataclass
class StandardNetwork:
    activation: Activation
    weights: list[np.ndarray]  # W^(l): (m_l, m_{l+1})
    biases: list[np.ndarray]  # b^(l): (m_{l+1},)
    alpha: np.ndarray  # (m_L,)
    xi: float = 0.0
    amplitudes: np.ndarray | None = None  # last hidden layer (sign / threshold)
    skip: float = 0.0

    @property
    def depth(self) -> int:
        return len(self.weights) + 1

    def __call__(self, x) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        h = x.reshape(-1, 1)
        for W, b in zip(self.weights, self.biases):
            h = self.activation(h @ W + b)
        if self.amplitudes is not None:
            h = h * self.amplitudes
        return (self.xi + self.skip * x.ravel() + h @ self.alpha).reshape(x.shape)

    def __repr__(self) -> str:
        widths = [w.shape[1] for w in self.weights]
        return f"StandardNetwork({self.activation.name}, widths={widths}, xi={self.xi:.6g})"
