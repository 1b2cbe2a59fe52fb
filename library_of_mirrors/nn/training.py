"""Training the non-convex problem (1.1) with Adam, in numpy (no torch).

Full-batch Adam by default (``batch_size`` for mini-batches), no hidden weight decay: the only
regularization is the network's own penalty (``regularization="paper"``, the objective (1.1),
or ``"weight_decay"``).  Symmetrized networks keep the constraint ``|W_1| = |W_2|`` of their
parameter space by projection after every step.  Initialization: random (first-layer kinks at
data points, the rest Gaussian) or from a Lasso solution for a subset of units (Appendix D).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from ..architectures import lookup
from ..validation import real_array
from .parallel import ParallelNetwork

LR_SCHEDULES = ("constant", "cosine")


def _hidden(act, W: list, b: list, t: np.ndarray) -> np.ndarray:
    """Hidden values (width, d_l) of each unit at its own input point t (width,)."""
    h = t[:, None]
    for w, bb in zip(W, b):
        h = act(np.einsum("mi,mio->mo", h, w) + bb)
    return h


def _inputs(x) -> tuple[np.ndarray, int | None]:
    """Training inputs as (n,) (1-D network) or (n, p) with p > 1 (additive network)."""
    x = real_array(x, "x")
    if x.ndim == 2 and x.shape[1] > 1:
        return x, x.shape[1]
    return x.ravel(), None


def init_network(x, activation: str, depth: int, architecture: str = "deep_narrow",
                 width: int = 50, leaky_slope: float | None = None, seed=None,
                 scale: float = 1.0, anchor_biases: bool = True) -> ParallelNetwork:
    """A random parallel network with Gaussian weights (``scale``) and, with ``anchor_biases``,
    data feature biases: each neuron's pre-activation vanishes at a random training point
    (Definition 3.9).  Without, only the first layer is anchored; deeper biases are small
    Gaussians.  Inputs ``x`` of shape (n, p), p > 1, give an additive network whose units read
    the columns in turn (unit i reads column i mod p)."""
    rng = np.random.default_rng(seed)
    spec = lookup(activation, depth, architecture, leaky_slope)
    act = spec.activation
    x, p = _inputs(x)
    inputs = None if p is None else np.arange(width, dtype=np.int64) % p
    ws = spec.widths
    W, b = [], []
    for l in range(depth - 1):
        w = rng.normal(size=(width, ws[l], ws[l + 1])) * scale
        if architecture == "symmetrized":
            w = np.sign(w) * np.abs(w).reshape(width, -1).mean(axis=1)[:, None, None]
        if anchor_biases or l == 0:
            # data feature biases (Definition 3.9): neuron k of layer l vanishes at a random
            # training point, so every layer's kinks start on the library's breakpoints
            if inputs is None:
                pts = rng.choice(x, size=(width, ws[l + 1]))
            else:  # a point of the column each unit reads
                pts = x[rng.integers(0, x.shape[0], size=(width, ws[l + 1])), inputs[:, None]]
            hin = np.empty((width, ws[l], ws[l + 1]))
            for k in range(ws[l + 1]):
                hin[:, :, k] = _hidden(act, W, b, pts[:, k])
            bias = -np.einsum("mik,mik->mk", hin, w)
        else:
            bias = rng.normal(size=(width, ws[l + 1])) * scale * 0.1
        W.append(w)
        b.append(bias)
    alpha = rng.normal(size=width) * scale / np.sqrt(width)
    amp = np.full(width, min(scale, 1.0)) if act.sign_determined else None
    net = ParallelNetwork(act, W, b, alpha, 0.0, amp, inputs=inputs)
    _project(net, architecture)
    return net


def _project(net: ParallelNetwork, architecture: str) -> None:
    """Enforce |W_1^(i,l)| = |W_2^(i,l)| (symmetrized parameter space)."""
    if architecture != "symmetrized":
        return
    for W in net.weights:
        mag = np.abs(W).reshape(W.shape[0], -1).mean(axis=1)
        W[:] = np.sign(W) * mag[:, None, None]


def _params(net: ParallelNetwork) -> list[np.ndarray]:
    """Every trainable array, updated in place (the scalars xi and skip are set by name)."""
    out = list(net.weights) + list(net.biases) + [net.alpha]
    if net.amplitudes is not None:
        out.append(net.amplitudes)
    return out


def adam(net: ParallelNetwork, x, y, beta: float, *, epochs: int = 2000, lr: float = 1e-2,
         regularization: str = "paper", batch_size: int | None = None, seed=None,
         architecture: str = "deep_narrow", train_skip: bool = False,
         lr_schedule: str = "constant", progress: bool = False, record_every: int = 10,
         callback: Callable[[int, ParallelNetwork, float], None] | None = None,
         loss=None) -> ParallelNetwork:
    """Train ``net`` in place with Adam (Kingma & Ba; beta1 = 0.9, beta2 = 0.999, eps = 1e-8)
    on the objective (1.1); ``net.history`` gets (epoch, objective) pairs.  Returns ``net``.

    ``lr_schedule="cosine"`` anneals the step from ``lr`` to ``lr / 100`` over the epochs (Adam
    at a constant step hovers around a minimum at a distance set by the step).
    ``callback(epoch, net, seconds)`` is called at every recorded epoch (every
    ``record_every``-th and the last) with the training time so far, which excludes the
    recording and the callbacks themselves (test losses per epoch, Figures 4.1 and 4.2).
    ``loss``: the datafit of the objective (default: the squared loss of (1.1))."""
    x = net._as_input(x)
    y = real_array(y, "y").ravel()
    if x.shape[0] != y.shape[0]:
        raise ValueError(f"x and y must have the same length, got {x.shape[0]} and {y.shape[0]}")
    if lr_schedule not in LR_SCHEDULES:
        raise ValueError(f"lr_schedule must be one of {LR_SCHEDULES}, got {lr_schedule!r}")
    if epochs < 1 or lr <= 0:
        raise ValueError(f"need epochs >= 1 and lr > 0, got epochs={epochs}, lr={lr}")
    if isinstance(record_every, bool) or not isinstance(record_every, (int, np.integer)) \
            or record_every < 1:
        raise ValueError(f"record_every must be a positive integer, got {record_every!r}")
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable(epoch, net, seconds), got "
                        f"{type(callback).__name__}")
    rng = np.random.default_rng(seed)
    n = x.shape[0]
    m1 = {}
    m2 = {}
    b1, b2, eps = 0.9, 0.999, 1e-8
    it = range(epochs)
    if progress:
        from tqdm.auto import tqdm  # noqa: PLC0415

        it = tqdm(it, desc="adam", unit="epoch")
    t = 0
    seconds = 0.0
    for epoch in it:
        tic = time.perf_counter()
        step_lr = lr if lr_schedule == "constant" else lr * (
            0.01 + 0.99 * 0.5 * (1 + np.cos(np.pi * epoch / max(epochs - 1, 1))))
        batches = [np.arange(n)] if batch_size is None else np.array_split(
            rng.permutation(n), max(1, n // batch_size))
        for idx in batches:
            t += 1
            # the penalty is scaled to the batch so an epoch sees it once
            g = net.gradient(x[idx], y[idx], beta * idx.shape[0] / n, regularization, loss)
            grads = list(g["weights"]) + list(g["biases"]) + [g["alpha"]]
            params = _params(net)
            if net.amplitudes is not None:
                grads.append(g["amplitudes"])
            scal = [("xi", g["xi"])] + ([("skip", g["skip"])] if train_skip else [])
            for k, (p, gr) in enumerate(zip(params, grads)):
                m1[k] = b1 * m1.get(k, 0.0) + (1 - b1) * gr
                m2[k] = b2 * m2.get(k, 0.0) + (1 - b2) * gr * gr
                p -= step_lr * (m1[k] / (1 - b1**t)) / (np.sqrt(m2[k] / (1 - b2**t)) + eps)
            for name, gr in scal:
                m1[name] = b1 * m1.get(name, 0.0) + (1 - b1) * gr
                m2[name] = b2 * m2.get(name, 0.0) + (1 - b2) * gr * gr
                step = step_lr * (m1[name] / (1 - b1**t)) / (np.sqrt(m2[name] / (1 - b2**t)) + eps)
                setattr(net, name, getattr(net, name) - step)
            _project(net, architecture)
        seconds += time.perf_counter() - tic
        if epoch % record_every == 0 or epoch == epochs - 1:
            net.history.append((epoch, net.objective(x, y, beta, regularization, loss)))
            if callback is not None:
                callback(epoch, net, seconds)
    return net


def train_adam(x, y, beta: float, activation: str = "relu", depth: int = 2,
               architecture: str = "deep_narrow", width: int = 50,
               leaky_slope: float | None = None, *, epochs: int = 2000, lr: float = 1e-2,
               seed=None, init: ParallelNetwork | None = None, pad_scale: float = 0.1,
               regularization: str = "paper", batch_size: int | None = None,
               lr_schedule: str = "constant", progress: bool = False, record_every: int = 10,
               callback: Callable[[int, ParallelNetwork, float], None] | None = None,
               loss=None) -> ParallelNetwork:
    """Train a ``width``-unit parallel network on (1.1) with Adam.  Deterministic in ``seed``.

    Start: random (:func:`init_network`, external bias at the mean of ``y``), or ``init`` for a
    subset of the units (Appendix D: e.g. ``reconstruct(d, res)``), padded to ``width`` with
    random units whose weights are ``pad_scale`` times smaller.  Returns the trained network;
    ``net.history`` is its loss curve.  ``x`` of shape (n, p), p > 1, trains an additive
    network (each unit reads one column).  ``record_every`` and ``callback``: see
    :func:`adam`.  ``loss``: a datafit (:mod:`library_of_mirrors.solvers.datafits`), e.g.
    ``Logistic()`` for labels; default the squared loss of (1.1)."""
    x, _ = _inputs(x)
    y = real_array(y, "y").ravel()
    if init is None:
        net = init_network(x, activation, depth, architecture, width, leaky_slope, seed)
        net.xi = float(np.mean(y)) if loss is None or loss.output == "value" else 0.0
    else:
        if not isinstance(init, ParallelNetwork):
            raise TypeError(f"init must be a ParallelNetwork, got {type(init).__name__}")
        net = init.copy()
        if width > net.width:
            net = net.concat(init_network(x, net.activation.name, net.depth, architecture,
                                          width - net.width, net.activation.a_minus
                                          if net.activation.name == "leaky_relu" else None,
                                          seed, pad_scale))
    return adam(net, x, y, beta, epochs=epochs, lr=lr, regularization=regularization,
                batch_size=batch_size, seed=seed, architecture=architecture,
                lr_schedule=lr_schedule, progress=progress, record_every=record_every,
                callback=callback, loss=loss)
