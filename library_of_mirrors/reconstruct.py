"""Lasso solution -> optimal parallel network (Definition B.3 with the unscaling of D.17).

For each feature with ``z_j != 0`` the unit of that column (weights +-1, data-feature or midpoint
biases, Definition 3.9) becomes a parallel unit with ``alpha = z_j``; then the parameters are
unscaled so that the weight penalty of (1.1) equals ``beta * |z_j|`` at the same outputs:

* continuous activations (relu, leaky relu, abs): every regularized parameter of unit j gets
  the norm ``gamma_j`` with ``gamma_j^L = |z_j| prod_l ||W^(j,l)||`` (the balanced scaling; D.17
  is the case of unit-norm weights), biases scale with the layer's cumulative factor;
* sign / threshold: ``alpha_j = sign(z_j) sqrt|z_j|`` and amplitude ``s_j = sqrt|z_j|``; the
  scale-free inner weights keep their values (Remark D.20).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .activations import Activation
from .nn.parallel import ParallelNetwork, unit_shifts
from .solvers.result import LassoResult
from .units import Unit
from .validation import check_beta


def reconstruct(d, res: LassoResult | np.ndarray,
                beta: float | None = None, *, xi: float = 0.0) -> ParallelNetwork:
    """The optimal parallel network of a Lasso solution ``res`` over dictionary ``d``.

    ``net(x)`` equals ``A z + xi`` on the training points and the feature sum anywhere;
    ``net.objective(x, y, beta)`` equals ``res.objective`` (Theorem 3.11, Lemma B.4).
    ``beta`` (optional) is checked against the one ``res`` was solved with.  ``res`` may also
    be a coefficient vector ``z`` (any feature combination, e.g. the single feature of
    Figure 3.2), with the external bias ``xi``; its penalty is ``beta * d.beta_scale * ||z||_1``.
    For an :class:`AdditiveDictionary` the network is additive: unit j reads input column
    ``d.feature_columns[j]`` (``net.inputs``) and takes inputs X of shape (n, p).
    Over an :class:`ImplicitDictionary` the network is built from ``res.dictionary``, the
    materialized columns of the solution.
    """
    if not all(hasattr(d, a) for a in ("beta_scale", "activation", "listed")):
        raise TypeError(f"d must be a Dictionary, got {type(d).__name__}")
    if not d.listed:
        if not isinstance(res, LassoResult) or res.dictionary is None:
            raise ValueError("an implicit dictionary has no columns of its own: pass the "
                             "LassoResult of solve_lasso over it (its res.dictionary holds the "
                             "solution's units)")
        d = res.dictionary
    if not isinstance(res, LassoResult):
        z = np.asarray(res, dtype=float)
        if z.shape != (d.n_features,) or not np.all(np.isfinite(z)):
            raise ValueError(f"z must be {d.n_features} finite coefficients (this dictionary), "
                             f"got shape {z.shape}")
        return _network(d, z, float(xi))
    z = np.asarray(res.z, dtype=float)
    if z.shape != (d.n_features,):
        raise ValueError(f"res.z must have {d.n_features} coefficients (this dictionary), got "
                         f"{z.shape}")
    if beta is not None and res.beta is not None:
        beta = check_beta(beta)
        if not np.isclose(beta, res.beta, rtol=1e-12):
            raise ValueError(f"res was solved with beta={res.beta}, not beta={beta}")
    return _network(d, z, float(res.xi))


def _network(d, z: np.ndarray, xi: float) -> ParallelNetwork:
    active = np.flatnonzero(z)
    net = network_of_units(d.activation, d.depth, [d.unit(int(j)) for j in active],
                           z[active], xi)
    columns = getattr(d, "feature_columns", None)
    if columns is not None:  # an additive network: unit j reads input column columns[j]
        net.inputs = columns[active].copy()
    return net


def network_of_units(act: Activation, depth: int, units: Sequence[Unit], coefficients,
                     xi: float = 0.0) -> ParallelNetwork:
    """The balanced parallel network ``xi + sum_j c_j unit_j(x)`` (Definition B.3 + D.17) for
    any units of one architecture, e.g. ``Dictionary.unit_feature(...).unit`` for a unit the
    library does not keep as its column's representative (Figure 3.2, L = 4)."""
    zs = np.asarray(coefficients, dtype=float).ravel()
    if zs.shape != (len(units),):
        raise ValueError(f"need one coefficient per unit, got {zs.shape[0]} for {len(units)}")
    if np.any(zs == 0) or not np.all(np.isfinite(zs)):
        raise ValueError("unit coefficients must be finite and nonzero")
    L = depth
    shift = unit_shifts(np.array([u.shift for u in units], dtype=float))
    if not units:  # the constant network
        shapes = [(1, 1)] * (L - 1)
        return ParallelNetwork(act, [np.zeros((0,) + s) for s in shapes],
                               [np.zeros((0, s[1])) for s in shapes], np.zeros(0),
                               xi, np.zeros(0) if act.sign_determined else None)
    W = [np.stack([u.weights[l] for u in units]).astype(float) for l in range(L - 1)]
    b = [np.stack([u.biases[l] for u in units]).astype(float) for l in range(L - 1)]
    if act.sign_determined:
        root = np.sqrt(np.abs(zs))
        return ParallelNetwork(act, W, b, np.sign(zs) * root, xi, root, shift=shift)
    norms = np.stack([np.sqrt(np.sum(w.reshape(w.shape[0], -1) ** 2, axis=1)) for w in W])
    gamma = (np.abs(zs) * np.prod(norms, axis=0)) ** (1.0 / L)
    cum = np.ones_like(gamma)
    for l in range(L - 1):
        c = gamma / norms[l]
        W[l] = W[l] * c[:, None, None]
        cum = cum * c
        b[l] = b[l] * cum[:, None]
    return ParallelNetwork(act, W, b, np.sign(zs) * gamma, xi, shift=shift)
