"""The autoregressive forecaster of section 4: ``x_t = f(x_{t-1}, ..., x_{t-p}) + eps_t`` with f
a neural network trained to its global optimum.

Lag 1 (the paper's (4.1)-(4.3)): f is a network of Table 3.1 on the scalar x_{t-1}, and the
training problem is the Lasso over the dictionary of the previous values.  ``lags = p > 1``: f is
an additive network, each unit reading one lag, which stays an exact Lasso over the
concatenated per-lag dictionaries (:mod:`library_of_mirrors.dictionary.additive`).

The series is standardized (mean 0, standard deviation 1 on the training data) before fitting,
so ``beta`` does not depend on the series' units; objectives are reported in those units.
Forecasts are recursive (each prediction feeds the next).  Quantile forecasts are direct: for
horizon h and level tau the network minimizing the pinball loss of x_{t+h-1} given the lags at
t (an exact quantile Lasso, D.24), with crossing quantiles rearranged into order.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from sklearn.base import BaseEstimator

from ..activations import ACTIVATION_NAMES
from ..architectures import ARCHITECTURE_NAMES, lookup
from ..models.network import NETWORK_PARAMS, fit_network
from ..nn.parallel import ParallelNetwork
from ..solvers.datafits import Quantile, get_datafit
from ..validation import (
    POSITIVE,
    Anything,
    Boolean,
    Integer,
    Optional,
    Options,
    Real,
    check_positive_int,
    validate,
)
from .lagmodel import LagModel, check_quantiles

POINT_LOSSES = ("squared", "absolute", "huber")


class ARForecaster(LagModel, BaseEstimator):
    """Autoregressive forecaster with an exactly trained network (paper section 4).

    Parameters
    ----------
    lags : number of previous values the network reads (p); p > 1 gives an additive network.
    depth, activation, architecture, leaky_slope : the network (Table 3.1).
    beta : weight decay of (1.1) on the standardized series.
    loss : loss of the point model: "squared" (the paper's (4.3)), "absolute" or "huber".
    quantiles : default levels of :meth:`predict_quantiles`.
    n_features : sample this many features per fit (section 4) instead of the full library.
    standardize : fit on (x - mean) / std of the training series (default True).
    random_state, tol, delta : sampling seed, duality-gap tolerance, Huber threshold.

    Attributes after :meth:`fit`
    ----------------------------
    dictionary_, result_, network_ : the Lasso dictionary, its certified solution and the
        optimal network (inputs: standardized lags).
    library_ : the library solved over: ``dictionary_``, or, when the full library of one lag
        exceeds the candidate limit (squared loss), the
        :class:`~library_of_mirrors.dictionary.ImplicitDictionary` priced by structure, whose
        solution's columns are ``dictionary_``.
    objective_ : the optimal training objective (1.1) on the standardized series.
    breakpoints_ : list of (lag, Breakpoint) of the fitted function, positions in series units.
    fitted_ : one-step in-sample predictions of x_p, ..., x_{n-1} (series units).
    """

    def __init__(self, lags: int = 1, depth: int = 2, activation: str = "abs",
                 architecture: str = "deep_narrow", beta: float = 1e-2, loss: str = "squared",
                 quantiles=(0.1, 0.9), leaky_slope: float | None = None,
                 n_features: int | None = None, standardize: bool = True, random_state=None,
                 tol: float = 1e-8, delta: float = 1.0):
        self.lags = lags
        self.depth = depth
        self.activation = activation
        self.architecture = architecture
        self.beta = beta
        self.loss = loss
        self.quantiles = quantiles
        self.leaky_slope = leaky_slope
        self.n_features = n_features
        self.standardize = standardize
        self.random_state = random_state
        self.tol = tol
        self.delta = delta

    name = "exact network"
    has_quantiles = True

    _constraints = {
        "lags": Integer(1),
        "depth": Integer(2),
        "activation": Options(*ACTIVATION_NAMES),
        "architecture": Options(*ARCHITECTURE_NAMES),
        "beta": POSITIVE,
        "loss": Options(*POINT_LOSSES),
        "quantiles": Anything(),
        "leaky_slope": Optional(Real()),
        "n_features": Optional(Integer(1)),
        "standardize": Boolean(),
        "random_state": Anything(),
        "tol": POSITIVE,
        "delta": POSITIVE,
    }

    # fitting ---------------------------------------------------------------------------------
    def _fit(self, X: np.ndarray, y: np.ndarray) -> None:
        """The one-step model x_t = f(lags) by the exact convex problem (the shared pipeline
        of :func:`~library_of_mirrors.models.network.fit_network`)."""
        params = validate(self.get_params(), self._constraints)
        lookup(params["activation"], params["depth"], params["architecture"],
               params["leaky_slope"])
        check_quantiles(self.quantiles)
        if np.unique(X, axis=0).shape[0] < 2:
            raise ValueError("the series needs at least 2 distinct lag values to fit a network")
        self._params = {k: params[k] for k in NETWORK_PARAMS}
        datafit = get_datafit(self.loss, None, self.delta if self.loss == "huber" else None)
        fit = fit_network(self._design(X), y, self._params, datafit, params["beta"],
                          params["tol"])
        self.fit_ = fit
        self.library_ = fit.library
        self.result_ = fit.result
        self.dictionary_ = fit.dictionary
        self.network_ = fit.network
        self.objective_ = float(self.result_.objective)
        self.fitted_ = self._unscale(self._step(X))
        self.breakpoints_ = [(c + 1, dataclasses.replace(
            b, position=float(self._unscale(b.position)),
            points=tuple(float(self._unscale(t)) for t in b.points)))
            for c, b in fit.breakpoints()]
        self._quantile_fits: dict = {}

    def _design(self, X: np.ndarray) -> np.ndarray:
        return X[:, 0] if X.shape[1] == 1 else X

    def _apply(self, res, X: np.ndarray) -> np.ndarray:
        return res.predict(self.dictionary_ if res.dictionary is None else res.dictionary,
                           self._design(np.atleast_2d(X)))

    def _step(self, rows: np.ndarray) -> np.ndarray:
        return self._apply(self.result_, rows)

    # predicting --------------------------------------------------------------------------------
    def predict_function(self, X) -> np.ndarray:
        """The fitted map f at lag rows X (series units; shape (m,) for lag 1 or (m, lags))."""
        self._check_fitted()
        try:
            X = np.asarray(X, dtype=float)
        except (TypeError, ValueError):
            raise TypeError("X must be numeric") from None
        X = X.reshape(-1, 1) if X.ndim <= 1 and self.lags == 1 else np.atleast_2d(X)
        if X.shape[1] != self.lags:
            raise ValueError(f"X must have {self.lags} lag column(s), got shape {X.shape}")
        return self._unscale(self._apply(self.result_, (X - self.center_) / self.scale_))

    def predict_quantiles(self, steps: int, quantiles=None, progress: bool = False
                          ) -> np.ndarray:
        """Quantile forecasts, shape (steps, len(quantiles)) in increasing level order.

        Column k at step h is the optimal pinball-loss network (level quantiles[k]) mapping the
        last observed lags to x_{n+h-1}; each (h, level) is one exact quantile Lasso, fitted
        once and cached.  Crossing quantiles are put in order (monotone rearrangement)."""
        self._check_fitted()
        steps = check_positive_int(steps, "steps")
        levels = check_quantiles(self.quantiles if quantiles is None else quantiles)
        rows = self.y_.shape[0]
        if steps > rows - 2:
            raise ValueError(f"steps={steps} is too far ahead for {rows} training rows; at most "
                             f"{rows - 2}")
        last = self._last_row()
        todo = [(h, t) for h in range(1, steps + 1) for t in levels
                if (h, t) not in self._quantile_fits]
        it = todo
        if progress and todo:
            from tqdm.auto import tqdm  # noqa: PLC0415

            it = tqdm(todo, desc="quantile fits", unit="fit")
        s = (self.values_ - self.center_) / self.scale_
        for h, tau in it:
            # targets x_{t+h-1} where they exist; rows without one get weight 0 (the
            # dictionary of all rows contains the one of the weighted rows: still exact)
            target = np.zeros(rows)
            avail = rows - (h - 1)
            target[:avail] = s[self.lags + h - 1:]
            w = np.zeros(rows)
            w[:avail] = 1.0
            self._quantile_fits[(h, tau)] = fit_network(
                None, target, self._params, Quantile(tau), self.beta, self.tol,
                sample_weight=w, library=self.library_).result
        out = np.array([[self._apply(self._quantile_fits[(h, t)], last)[0] for t in levels]
                        for h in range(1, steps + 1)])
        return self._unscale(np.sort(out, axis=1))

    # objectives --------------------------------------------------------------------------------
    def objective(self, network: ParallelNetwork | None = None) -> float:
        """Training objective (1.1) of ``network`` (default: the fitted one) on the standardized
        lag data at ``beta``, under the forecaster's loss: compare an Adam-trained network with
        the optimum ``objective_``."""
        self._check_fitted()
        net = self.network_ if network is None else network
        return net.objective(self._design(self.X_), self.y_, self.beta,
                             loss=self.result_.datafit)


__all__ = ["ARForecaster", "POINT_LOSSES"]
