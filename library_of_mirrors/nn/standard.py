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
    #: the first layer reads x - shift: one number, or one per first-layer neuron (then each
    #: neuron reads one input, as :meth:`ParallelNetwork.to_standard` writes them)
    shift: float | np.ndarray = 0.0

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
            h, lin = x[:, :p], 0.0
        else:
            h, lin = x.reshape(-1, 1), self.skip * x.ravel()
        for l, (W, b) in enumerate(zip(self.weights, self.biases)):
            h = self.activation((self._first_layer(h, W) if l == 0 else h @ W) + b)
        if self.amplitudes is not None:
            h = h * self.amplitudes
        out = self.xi + lin + h @ self.alpha
        return out if wide else out.reshape(x.shape)

    def _first_layer(self, h: np.ndarray, W: np.ndarray) -> np.ndarray:
        """``(h - shift) W`` without forming ``shift W`` (a shift of 1e11 would cancel the
        digits of the product)."""
        s = np.asarray(self.shift, dtype=float)
        if s.ndim == 0:
            return (h - s) @ W if s else h @ W
        rows = np.argmax(W != 0, axis=0)  # the one input each neuron reads
        return (h[:, rows] - s[None, :]) * W[rows, np.arange(W.shape[1])][None, :]

    def __repr__(self) -> str:
        widths = [w.shape[1] for w in self.weights]
        return f"StandardNetwork({self.activation.name}, widths={widths}, xi={self.xi:.6g})"
