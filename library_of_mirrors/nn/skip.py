"""Lemma 3.1: 2-layer relu and abs networks with a skip connection are one problem.

``|t| = 2 (t)_+ - t`` and ``(t)_+ = (|t| + t) / 2``: a 2-layer unit of one activation is a
unit of the other plus an affine function, which the skip weight ``omega`` and the external
bias ``xi`` (both unregularized) absorb.  The maps keep the network function exactly.

They do *not* keep the objective (1.1) at the same beta, as the lemma's proof claims: the outer
weight doubles (abs -> relu) or halves (relu -> abs), so the balanced penalty ``beta |W||alpha|``
of each unit doubles or halves.  The equivalence holds between the abs problem at ``beta`` and
the relu problem at ``beta / 2`` (erratum E7): with ``factor = beta_relu / beta_abs = 1/2``,
``abs_to_relu`` sends an optimal abs network at beta to an optimal relu network at beta / 2 with
the same objective value, and ``relu_to_abs`` the reverse.  Both rebalance each unit (input and
output weight norms equal), which never raises the penalty.
"""

from __future__ import annotations

import numpy as np

from ..activations import get_activation
from .parallel import ParallelNetwork

#: beta of the relu + skip problem over beta of the equivalent abs + skip problem (erratum E7)
RELU_BETA_FACTOR = 0.5


def _check(net: ParallelNetwork, name: str) -> None:
    if not isinstance(net, ParallelNetwork):
        raise TypeError(f"net must be a ParallelNetwork, got {type(net).__name__}")
    if net.depth != 2:
        raise ValueError(f"Lemma 3.1 maps 2-layer networks, got depth {net.depth}")
    if net.activation.name != name:
        raise ValueError(f"expected activation {name!r}, got {net.activation.name!r}")


def _balanced(W: np.ndarray, b: np.ndarray, alpha: np.ndarray):
    """Rescale each unit by c > 0 (W, b -> c W, c b; alpha -> alpha / c) so |W| = |alpha|;
    positive homogeneity keeps the function, AM-GM makes the penalty |W||alpha| minimal."""
    w = np.abs(W[:, 0, 0])
    a = np.abs(alpha)
    c = np.ones_like(w)
    ok = (w > 0) & (a > 0)
    c[ok] = np.sqrt(a[ok] / w[ok])
    return W * c[:, None, None], b * c[:, None], alpha / np.where(ok, c, 1.0)


def _mapped(net: ParallelNetwork, target: str, out_scale: float, affine_sign: float
            ) -> ParallelNetwork:
    W, b = net.weights[0], net.biases[0]
    w, bb = W[:, 0, 0], b[:, 0]
    alpha = net.alpha * out_scale
    skip = net.skip + affine_sign * float(net.alpha @ w)
    # the units read x - shift; the skip term reads x
    xi = net.xi + affine_sign * float(net.alpha @ bb - (net.alpha @ w) * net.shift)
    W2, b2, a2 = _balanced(W, b, alpha)
    return ParallelNetwork(get_activation(target), [W2], [b2], a2, xi, None, skip,
                           shift=net.shift)


def abs_to_relu(net: ParallelNetwork) -> ParallelNetwork:
    """The relu + skip network equal to a 2-layer abs (+ skip) network (Lemma 3.1):
    ``alpha -> 2 alpha``, ``omega -> omega - sum alpha_i W_i``, ``xi -> xi - sum alpha_i b_i``,
    rebalanced.  Its objective at ``RELU_BETA_FACTOR * beta`` equals ``net``'s at ``beta``
    when ``net`` is balanced (erratum E7)."""
    _check(net, "abs")
    return _mapped(net, "relu", 2.0, -1.0)


def relu_to_abs(net: ParallelNetwork) -> ParallelNetwork:
    """The abs + skip network equal to a 2-layer relu (+ skip) network (Lemma 3.1):
    ``alpha -> alpha / 2``, ``omega -> omega + sum alpha_i W_i / 2``,
    ``xi -> xi + sum alpha_i b_i / 2``, rebalanced.  Its objective at ``beta / RELU_BETA_FACTOR``
    equals ``net``'s at ``beta`` when ``net`` is balanced (erratum E7)."""
    _check(net, "relu")
    return _mapped(net, "abs", 0.5, 0.5)
