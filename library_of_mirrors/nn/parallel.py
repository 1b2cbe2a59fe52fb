"""Parallel networks (2.3) in numpy: forward pass, the training objective (1.1), exact gradients.

A parallel network of depth L is ``f(x) = xi + omega x + sum_i alpha_i X^(i,L)(x)`` with units
``X^(i,l+1) = sigma_s(X^(i,l) W^(i,l) + b^(i,l))``.  All units share their layer shapes, so the
parameters are stacked over units: ``weights[l]`` has shape (m, d_l, d_{l+1}), ``biases[l]``
shape (m, d_{l+1}).  Deep narrow units have d_l = 1; 3-layer symmetrized units have widths
(1, 2, 1).  Sign and threshold networks carry the amplitude parameters of the last hidden layer
(the simplified network of Lemma D.3; inner amplitudes fold into the weights).

Regularization (1.1): ``(beta / L~) sum_{q in theta_w} ||q||_2^L~`` with q ranging over each
unit's alpha_i and weight matrices W^(i,l) (continuous activations, L~ = L) or over alpha_i and
the amplitude s^(i,L-1) (sign / threshold, L~ = 2, Remark D.1); biases, xi and the skip weight
omega are free.  ``regularization="weight_decay"`` is plain ``beta/2 * sum of squares`` of the
same parameters.

Additive networks (autoregression with several lags, section 4): ``inputs[i]`` names the input
column unit i reads, so ``f(X) = xi + sum_i alpha_i X^(i,L)(X[:, inputs[i]])`` on inputs X of
shape (n, p).  The penalty is unchanged, and the convex problem is the Lasso over the
concatenated per-column dictionaries (``build_additive_dictionary``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..activations import Activation
from ..solvers.datafits import Datafit, Squared
from ..validation import NON_NEGATIVE, check_vector, one_input, real_array

REGULARIZATIONS = ("paper", "weight_decay")


def _datafit(loss) -> Datafit:
    if loss is None:
        return Squared()
    if not isinstance(loss, Datafit):
        raise TypeError(f"loss must be a Datafit (library_of_mirrors.solvers.datafits), got "
                        f"{type(loss).__name__}")
    return loss


def unit_shifts(shifts: np.ndarray) -> float | np.ndarray:
    """Per-unit input shifts as one number when they are all equal (or there are none)."""
    shifts = np.asarray(shifts, dtype=float)
    if shifts.size == 0 or np.all(shifts == shifts.flat[0]):
        return float(shifts.flat[0]) if shifts.size else 0.0
    return shifts.copy()


def _slope(act: Activation, z: np.ndarray) -> np.ndarray:
    """d sigma / dz (a+ at 0, the convention of sign(0) = 1); 0 for sign / threshold."""
    return np.where(z < 0.0, act.a_minus, act.a_plus)


@dataclass
class ParallelNetwork:
    activation: Activation
    weights: list[np.ndarray]
    biases: list[np.ndarray]
    alpha: np.ndarray
    xi: float = 0.0
    amplitudes: np.ndarray | None = None  # (m,) last-layer amplitudes, sign / threshold only
    skip: float = 0.0
    history: list = field(default_factory=list)
    inputs: np.ndarray | None = None  # (m,) input column of each unit; None: 1-D input
    #: the units read x - shift: one number, or one per unit (units of libraries with
    #: different origins, e.g. the lag columns of an additive network; Unit.shift)
    shift: float | np.ndarray = 0.0

    # shapes ----------------------------------------------------------------------------------
    @property
    def depth(self) -> int:
        return len(self.weights) + 1

    @property
    def width(self) -> int:
        """Number of parallel units m_L."""
        return int(self.alpha.shape[0])

    @property
    def n_inputs(self) -> int:
        """Number of input columns: 1, or 1 + the largest column an additive unit reads."""
        if self.inputs is None:
            return 1
        return int(self.inputs.max()) + 1 if self.inputs.size else 1

    @property
    def effective_depth(self) -> int:
        """L~ of (1.1): L, or 2 for sign / threshold (their inner weights are scale-free)."""
        return 2 if self.activation.sign_determined else self.depth

    def copy(self) -> ParallelNetwork:
        return ParallelNetwork(self.activation, [w.copy() for w in self.weights],
                               [b.copy() for b in self.biases], self.alpha.copy(), self.xi,
                               None if self.amplitudes is None else self.amplitudes.copy(),
                               self.skip, [], None if self.inputs is None else self.inputs.copy(),
                               np.copy(self.shift) if np.ndim(self.shift) else self.shift)

    def concat(self, other: ParallelNetwork) -> ParallelNetwork:
        """The network with the units of ``self`` and ``other`` side by side (same activation
        and unit shapes); ``xi`` and ``skip`` add, so the function is the sum of both."""
        if not isinstance(other, ParallelNetwork):
            raise TypeError(f"other must be a ParallelNetwork, got {type(other).__name__}")
        if (other.activation != self.activation
                or [w.shape[1:] for w in other.weights] != [w.shape[1:] for w in self.weights]):
            raise ValueError(f"cannot join {other!r} to {self!r}: activations or unit shapes "
                             f"differ")
        if (self.amplitudes is None) != (other.amplitudes is None):
            raise ValueError("cannot join a network with amplitudes to one without")
        if (self.inputs is None) != (other.inputs is None):
            raise ValueError("cannot join an additive network (inputs) to a 1-D one")
        amp = (None if self.amplitudes is None
               else np.concatenate([self.amplitudes, other.amplitudes]))
        inputs = None if self.inputs is None else np.concatenate([self.inputs, other.inputs])
        return ParallelNetwork(
            self.activation, [np.concatenate(p) for p in zip(self.weights, other.weights)],
            [np.concatenate(p) for p in zip(self.biases, other.biases)],
            np.concatenate([self.alpha, other.alpha]), self.xi + other.xi, amp,
            self.skip + other.skip, [], inputs,
            unit_shifts(np.concatenate([self.unit_shifts(), other.unit_shifts()])))

    def unit_shifts(self) -> np.ndarray:
        """The shift of each unit's input, shape (m,)."""
        return np.broadcast_to(np.asarray(self.shift, dtype=float), (self.width,))

    # forward -----------------------------------------------------------------------------------
    def _as_input(self, x) -> np.ndarray:
        """x as (n,) for a 1-D network, (n, p) for an additive one."""
        x = real_array(x, "x")
        if self.inputs is None:
            return one_input(x).ravel()
        if x.ndim == 1 and self.n_inputs == 1:
            x = x[:, None]
        if x.ndim != 2 or x.shape[1] < self.n_inputs:
            raise ValueError(f"this additive network reads {self.n_inputs} input columns, got "
                             f"an array of shape {x.shape}")
        return x

    def _forward(self, x: np.ndarray):
        if self.inputs is None:
            h = (x.reshape(-1, 1) - self.unit_shifts()[None, :])[:, :, None]
            lin = self.skip * x
        else:
            h = (x[:, self.inputs] - self.unit_shifts()[None, :])[:, :, None]
            lin = 0.0
        hs, zs = [h], []
        for W, b in zip(self.weights, self.biases):
            z = np.einsum("nmi,mio->nmo", h, W) + b[None]
            h = self.activation(z)
            zs.append(z)
            hs.append(h)
        out = hs[-1][:, :, 0]
        if self.amplitudes is not None:
            out = out * self.amplitudes[None]
        f = self.xi + lin + out @ self.alpha
        return f, hs, zs

    def units(self, x) -> np.ndarray:
        """Each unit's output X^(i,L)(x) (amplitudes included), shape (len(x), m)."""
        _, hs, _ = self._forward(self._as_input(x))
        out = hs[-1][:, :, 0]
        return out * self.amplitudes[None] if self.amplitudes is not None else out

    def __call__(self, x) -> np.ndarray:
        """The output at ``x``: same shape as ``x`` (1-D network) or (n,) (additive, X (n, p))."""
        if self.inputs is not None:
            return self._forward(self._as_input(x))[0]
        x = one_input(real_array(x, "x"))
        return self._forward(x.ravel())[0].reshape(x.shape)

    # objective (1.1) ---------------------------------------------------------------------------
    def _groups(self) -> list[np.ndarray]:
        """The regularized parameter groups q of theta_w, each of shape (m, ...)."""
        if self.activation.sign_determined:
            amp = self.amplitudes if self.amplitudes is not None else np.ones(self.width)
            return [self.alpha, amp]
        return [self.alpha] + list(self.weights)

    @staticmethod
    def _unit_norms(q: np.ndarray) -> np.ndarray:
        """The 2-norm of each unit's slice of a parameter group (shape (m, ...))."""
        return np.sqrt(np.sum(q.reshape(q.shape[0], int(np.prod(q.shape[1:]))) ** 2, axis=1))

    def penalty(self, regularization: str = "paper") -> float:
        """``(1/L~) sum_q ||q||^L~`` (paper) or ``1/2 sum q^2`` (weight decay); times beta."""
        if regularization not in REGULARIZATIONS:
            raise ValueError(f"regularization must be one of {REGULARIZATIONS}, "
                             f"got {regularization!r}")
        Lt = self.effective_depth
        total = 0.0
        for q in self._groups():
            norms = self._unit_norms(q)
            total += (np.sum(norms**Lt) / Lt if regularization == "paper"
                      else 0.5 * np.sum(norms**2))
        return float(total)

    def objective(self, x, y, beta: float, regularization: str = "paper", loss=None) -> float:
        """The training objective (1.1): ``sum_i loss(y_i, f(x_i)) + beta * penalty``; the loss
        is a datafit (:mod:`library_of_mirrors.solvers.datafits`), by default the squared
        ``0.5 (y - f)^2`` of (1.1) itself."""
        x = self._as_input(x)
        if not np.all(np.isfinite(x)):
            raise ValueError(f"x contains {int(np.sum(~np.isfinite(x)))} NaN or infinite "
                             "value(s)")
        y = check_vector(y, x.shape[0], "y", "x's")
        beta = NON_NEGATIVE.check(beta, "beta")
        f = self._forward(x)[0]
        fit = _datafit(loss)
        return float(np.sum(fit.loss(fit.targets(y), f))) + beta * self.penalty(regularization)

    def gradient(self, x, y, beta: float, regularization: str = "paper", loss=None) -> dict:
        """Exact gradient of :meth:`objective` (the a+ slope at kinks); keys ``weights``,
        ``biases``, ``alpha``, ``xi``, ``skip`` and ``amplitudes`` (sign / threshold)."""
        x = self._as_input(x)
        f, hs, zs = self._forward(x)
        fit = _datafit(loss)
        r = fit.derivative(fit.targets(np.asarray(y, dtype=float).ravel()), f)
        top = hs[-1][:, :, 0]
        g: dict = {"xi": float(r.sum()), "skip": float(r @ x) if self.inputs is None else 0.0}
        if self.amplitudes is not None:
            g["alpha"] = (r @ top) * self.amplitudes
            g["amplitudes"] = (r @ top) * self.alpha
            dh = (r[:, None] * (self.alpha * self.amplitudes)[None])[:, :, None]
        else:
            g["alpha"] = r @ top
            dh = (r[:, None] * self.alpha[None])[:, :, None]
        gw, gb = [None] * len(self.weights), [None] * len(self.weights)
        for l in range(len(self.weights) - 1, -1, -1):
            dz = dh * _slope(self.activation, zs[l])
            gw[l] = np.einsum("nmi,nmo->mio", hs[l], dz)
            gb[l] = dz.sum(axis=0)
            dh = np.einsum("nmo,mio->nmi", dz, self.weights[l])
        g["weights"], g["biases"] = gw, gb
        # the penalty
        Lt = self.effective_depth
        names = (["alpha", "amplitudes"] if self.activation.sign_determined
                 else ["alpha"] + [("weights", l) for l in range(len(self.weights))])
        for name, q in zip(names, self._groups()):
            if regularization == "paper":
                norms = self._unit_norms(q)
                scale = norms ** (Lt - 2) if Lt > 2 else np.ones_like(norms)
                dq = beta * scale.reshape((-1,) + (1,) * (q.ndim - 1)) * q
            else:
                dq = beta * q
            if isinstance(name, tuple):
                g["weights"][name[1]] = g["weights"][name[1]] + dq
            elif name == "amplitudes" and self.amplitudes is None:
                continue
            else:
                g[name] = g[name] + dq
        return g

    # conversions -------------------------------------------------------------------------------
    def to_standard(self):
        """The equivalent standard network (2.2) (Appendix A.1): first-layer weights side by
        side, deeper layers block-diagonal."""
        from .standard import StandardNetwork  # noqa: PLC0415

        Ws, bs = [], []
        for l, (W, b) in enumerate(zip(self.weights, self.biases)):
            m, di, do = W.shape
            if l == 0 and self.inputs is not None:  # (p, m * d1): unit i reads row inputs[i]
                first = np.zeros((self.n_inputs, m * do))
                for i in range(m):
                    first[self.inputs[i], i * do:(i + 1) * do] = W[i][0]
                Ws.append(first)
            elif l == 0:
                Ws.append(np.concatenate(list(W), axis=1))  # (1, m * d1)
            else:
                big = np.zeros((m * di, m * do))
                for i in range(m):
                    big[i * di:(i + 1) * di, i * do:(i + 1) * do] = W[i]
                Ws.append(big)
            bs.append(b.reshape(-1))
        amp = None if self.amplitudes is None else self.amplitudes.copy()
        return StandardNetwork(self.activation, Ws, bs, self.alpha.copy(), self.xi, amp,
                               self.skip,
                               unit_shifts(np.repeat(self.unit_shifts(), self.weights[0].shape[2])
                                           if self.weights else self.unit_shifts()))

    def __repr__(self) -> str:
        return (f"ParallelNetwork({self.activation.name}, depth={self.depth}, "
                f"units={self.width}, xi={self.xi:.6g})")
