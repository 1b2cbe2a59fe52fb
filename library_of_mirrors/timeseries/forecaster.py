"""The autoregressive forecaster of section 4: ``u_t = f(u_{t-l_1}, ..., u_{t-l_k}) + eps_t``
with f a neural network trained to its global optimum, u a transform of the series.

* **The network.**  One lag (the paper's (4.1)-(4.3)): f is a network of Table 3.1 on the scalar
  ``u_{t-l}``, and the training problem is the Lasso over the dictionary of the previous values.
  Several lags: f is an additive network, each unit reading one lag, still an exact Lasso over
  the concatenated per-lag dictionaries (:mod:`library_of_mirrors.dictionary.additive`).  With
  ``skip`` the network has the skip connection of Lemma 3.1: an unpenalized linear term in every
  lag, so the linear AR(p) model is nested in it (the limit of large beta), solved exactly by
  projecting it out (:mod:`library_of_mirrors.solvers.linear_terms`).
* **Transforms** (:mod:`.transforms`): log, differencing, seasonal differencing, inverted
  automatically in every forecast.
* **Choices by time-ordered cross-validation**: beta (along the warm-started path on the
  standardized series), the lags and the transform, scored by the squared errors of recursive
  forecasts 1..``horizon`` steps ahead in the series' units over rolling origins, relative to
  the naive forecast's (training rows always before test rows: a splitter that puts training
  rows after test rows is refused).  Differencing is a candidate only when the KPSS test
  rejects a stationary level (:func:`.transforms.kpss_level`), as automatic ARIMA decides.
* **Forecast combination**: the point forecast is the mean of the recursive forecasts of the
  ``combine`` (3) best configurations, each an exactly trained network at its own beta; h
  steps ahead, those best over steps 1..h (``stepwise``).
* **Forecasts** are recursive; each step is clipped to the *envelope*: the range of the
  training targets of u widened by ``envelope`` times its span on both sides, so a forecast
  cannot run away (:meth:`ARForecaster.envelope_bounds` gives the bounds in the series' units);
  a series that was never negative (counts, prices) is not forecast below zero.
* **Bands** (``intervals="conformal"``, the default): split-conformal intervals from the
  rolling-origin errors of the same combined model (every member refitted at every second
  of ``n_calibration`` + h - 1 recent origins with its beta, lags and transform), per
  horizon, around the point forecast, so the point always lies inside its band.
  ``intervals="quantile"``: the exact pinball-loss networks of each level and horizon (direct
  quantile Lassos, D.24) of the lead configuration, rearranged into order and widened to
  contain the point forecast.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.base import BaseEstimator

from ..activations import ACTIVATION_NAMES
from ..architectures import ARCHITECTURE_NAMES, lookup
from ..models.network import NETWORK_PARAMS, FittedNetwork, build_library, fit_network
from ..nn.parallel import ParallelNetwork
from ..solvers import beta_max
from ..solvers.datafits import Quantile, get_datafit
from ..solvers.result import ConvergenceWarning
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
from .datasets import check_series
from .lagmodel import LagModel, check_quantiles
from .transforms import (
    KPSS_5PCT,
    TRANSFORMS,
    check_transform,
    forward,
    invert,
    kpss_level,
    lag_of,
    one_step,
    uses_log,
)

POINT_LOSSES = ("squared", "absolute", "huber")
#: the beta path of the selection stops when the mean CV error exceeds its best by this factor
#: for two betas in a row (the errors along a path are U-shaped; the small betas cost most)
STOP = 1.2
#: configurations whose whole beta path the selection runs (after a first round at beta_max)
SHORTLIST = 3
INTERVALS = ("conformal", "quantile", "none")
#: the seasonal period of a pandas frequency (its leading letters)
PERIODS = {"M": 12, "ME": 12, "MS": 12, "Q": 4, "QE": 4, "QS": 4, "W": 52, "D": 7, "B": 5,
           "H": 24, "h": 24}


def lag_rows(u: np.ndarray, lags: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Rows ``(u_{t-l_1}, ..., u_{t-l_k})`` and targets ``u_t`` for t = max(lags), ..., n-1."""
    q, n = max(lags), u.shape[0]
    X = np.column_stack([u[q - lag:n - lag] for lag in lags])
    return X, u[q:]


def lag_sets(max_lags: int, period: int | None) -> list[tuple[int, ...]]:
    """The candidate lag sets of ``lags="auto"``: 1..p for p <= max_lags, and with a period m
    above max_lags the first three sets plus lags m and m + 1."""
    sets = [tuple(range(1, p + 1)) for p in range(1, max_lags + 1)]
    if period is not None and period > max_lags:
        sets += [s + (period, period + 1) for s in sets[:3]]
    return sets


def default_max_lags(n: int, period: int | None) -> int:
    """``max_lags=None``: 12, or two periods and one more, at most an eighth of the series."""
    want = max(12, 2 * period + 1) if period is not None else 12
    return max(1, min(want, n // 8))


def time_splits(times: np.ndarray, n_splits: int, min_train: int
                ) -> list[tuple[np.ndarray, np.ndarray]]:
    """Rolling origins over rows with target times ``times`` (increasing): the last
    ``max(n_splits, 40%)`` rows cut into ``n_splits`` consecutive test blocks, each trained on
    every row before it."""
    n = times.shape[0]
    n_test = min(max(n_splits, int(round(0.4 * n))), n - min_train)
    if n_test < n_splits:
        raise ValueError(f"too few rows ({n}) for {n_splits} time-ordered splits with at least "
                         f"{min_train} training rows each; use a shorter series of lags or "
                         "fewer splits (cv=)")
    blocks = np.array_split(np.arange(n - n_test, n), n_splits)
    return [(np.arange(b[0]), b) for b in blocks]


def min_train_rows(lags: tuple[int, ...]) -> int:
    """The fewest lag rows a fit of the lag set ``lags`` trains on (selection, calibration)."""
    return max(8, 2 * len(lags) + 4)


def check_time_splits(splits, n: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Splits of a splitter over n time-ordered rows; a split with a training row after a test
    row is refused (a random split of a series trains on the future)."""
    out = []
    for k, (train, test) in enumerate(splits):
        train, test = np.asarray(train, dtype=np.int64), np.asarray(test, dtype=np.int64)
        if train.size == 0 or test.size == 0:
            raise ValueError(f"split {k} has an empty training or test part")
        if train.max() >= test.min():
            raise ValueError(f"split {k} trains on rows after its test rows (training row "
                             f"{int(train.max())} >= test row {int(test.min())}): a random or "
                             "shuffled split of a series leaks the future; use an int, "
                             "sklearn.model_selection.TimeSeriesSplit or rolling origins")
        out.append((train, test))
    if not out:
        raise ValueError("the splitter gave no splits")
    return out


@dataclass
class LagFit:
    """One fitted configuration: transform, lags, the standardization of u and the network."""

    kind: str
    lags: tuple[int, ...]
    period: int | None
    center: float
    scale: float
    fit: FittedNetwork
    bounds: tuple[float, float]  # envelope of the standardized one-step output
    k: int  # the network's units read the first k lags (the skip connection all of them)

    def step(self, rows: np.ndarray) -> np.ndarray:
        return np.clip(network_output(self.fit, rows, self.k), *self.bounds)

    def forecast(self, values: np.ndarray, steps: int) -> np.ndarray:
        """The recursive forecast (series units) of ``steps`` values after ``values``."""
        s = list((forward(values, self.kind, self.period) - self.center) / self.scale)
        n = len(s)
        for _ in range(steps):
            s.append(float(self.step(np.array([[s[-lag] for lag in self.lags]]))[0]))
        path = np.asarray(s[n:]) * self.scale + self.center
        return invert(path, values, self.kind, self.period)


class ARForecaster(LagModel, BaseEstimator):
    """Autoregressive forecaster with an exactly trained network (paper section 4).

    Parameters
    ----------
    lags : "auto" (chosen by time-ordered CV among 1..p for p <= ``max_lags`` and, with a
        longer period m, the first three plus lags m and m + 1), an int p (lags 1..p) or a
        list of lags (e.g. [1, 12]).
    depth, activation, architecture, leaky_slope : the network (Table 3.1).
    beta : "auto" (time-ordered CV along the path) or the weight decay of (1.1) on the
        standardized transformed series.
    loss : loss of the point model: "squared" (the paper's (4.3)), "absolute" or "huber".
    skip : "auto" (with the squared loss), True or False: the unpenalized linear term in every
        lag (the skip connection of Lemma 3.1), which nests the linear AR model.
    transform : "auto" (chosen by CV among "none", "diff" and, for a positive series spanning
        more than a factor 10, "log" and "log-diff"; with a period also "seasonal-diff") or one
        of :data:`~.transforms.TRANSFORMS`.
    period : seasonal period m (default: from a pandas series' frequency: 12 monthly, 4
        quarterly, 24 hourly, ...).
    intervals : "conformal" (default), "quantile" (exact pinball-loss networks) or "none".
    coverage : default coverage of :meth:`predict_interval`.
    quantiles : default levels of :meth:`predict_quantiles`.
    cv : number of rolling origins of the selection, or a splitter over the time-ordered lag
        rows (e.g. ``TimeSeriesSplit``); splits that train on the future are refused.
    horizon : the selection scores recursive forecasts 1..horizon steps ahead from every test
        origin: their mean squared error per step over the naive forecast's, averaged over
        steps 1..h for each h (the whole horizon's average ranks the configurations).
    selection : "min" (lowest CV error) or "1se" (largest beta within one standard error).
    combine : the point forecast is the mean of the recursive forecasts of the ``combine``
        configurations (transform, lags) of lowest CV error, each its own optimal network at
        its own chosen beta (a forecast combination; 1: the best configuration alone).  The
        bands are calibrated on the errors of that mean.
    stepwise : True: the forecast h steps ahead (h <= horizon) averages the ``combine``
        configurations, each at its beta, of lowest CV error over steps 1..h, so a 1-step
        forecast comes from the models that forecast one step best (steps beyond the horizon:
        those of the whole horizon); False: the whole horizon's combination at every step.
    n_betas, eps : the beta grid (from beta_max down to eps * beta_max).
    max_lags : largest p of ``lags="auto"`` (default: 12, or two periods and one more, at most
        an eighth of the series).
    network_lags : with the skip connection, the network's units read the first
        ``network_lags`` lags and the linear terms all of them (None: the units read all):
        nonlinearity where the recent past acts, a linear AR model for the rest.
    envelope : the recursion guard (see the module); None disables it.
    n_calibration : rolling origins of the conformal calibration.
    refit_every : the calibration refits the members at every ``refit_every``-th origin; the
        origins in between are forecast by the latest refit (trained on fewer values, never on
        values after its origin).  1: a refit at every origin.
    n_features, standardize, random_state, tol, delta : sampled libraries, standardization of
        u, sampling seed, duality-gap tolerance, Huber threshold.

    Attributes after :meth:`fit`
    ----------------------------
    lags_, transform_, beta_, period_ : the best configuration (the lead member);
        ``cv_results_`` the cross-validation table (one dict per configuration and beta).
    combination_ : the configurations whose forecasts are averaged, the whole horizon's
        combination first (best first), then those that enter only shorter steps: dicts with
        ``transform``, ``lags``, ``beta``, the CV ``score`` over the whole horizon (NaN when
        not selected) and the ``steps`` (1..horizon) whose forecast they enter; ``members_``
        their fitted models; ``step_combinations_[h - 1]`` the members averaged h steps
        ahead.  The attributes below describe the lead member.
    dictionary_, result_, network_, library_ : the Lasso dictionary, its certified solution,
        the optimal network (inputs: standardized lags of u; the skip weights are
        ``result_.linear``) and the library solved over.
    objective_ : the optimal training objective (1.1) on the standardized u.
    breakpoints_ : list of (lag, Breakpoint), positions in the units of u.
    fitted_ : one-step in-sample predictions (series units) of the values after the first
        ``max(lags)`` (+ the transform's lag) points.
    """

    def __init__(self, lags="auto", depth: int = 2, activation: str = "abs",
                 architecture: str = "deep_narrow", beta="auto", loss: str = "squared",
                 skip="auto", transform="auto", period: int | None = None,
                 intervals: str = "conformal", coverage: float = 0.8, quantiles=(0.1, 0.9),
                 cv=5, horizon: int = 5, selection: str = "min", combine: int = 3,
                 stepwise: bool = True, n_betas: int = 10,
                 eps: float = 1e-3, max_lags: int | None = None, network_lags: int | None = 3,
                 envelope: float | None = 0.5,
                 n_calibration: int = 20, refit_every: int = 2,
                 leaky_slope: float | None = None, n_features: int | None = None,
                 standardize: bool = True, random_state=None, tol: float = 1e-8,
                 delta: float = 1.0):
        self.lags = lags
        self.depth = depth
        self.activation = activation
        self.architecture = architecture
        self.beta = beta
        self.loss = loss
        self.skip = skip
        self.transform = transform
        self.period = period
        self.intervals = intervals
        self.coverage = coverage
        self.quantiles = quantiles
        self.cv = cv
        self.horizon = horizon
        self.selection = selection
        self.combine = combine
        self.stepwise = stepwise
        self.n_betas = n_betas
        self.eps = eps
        self.max_lags = max_lags
        self.network_lags = network_lags
        self.envelope = envelope
        self.n_calibration = n_calibration
        self.refit_every = refit_every
        self.leaky_slope = leaky_slope
        self.n_features = n_features
        self.standardize = standardize
        self.random_state = random_state
        self.tol = tol
        self.delta = delta

    name = "exact network"

    @property
    def has_intervals(self) -> bool:
        """Bands and quantiles exist unless ``intervals="none"``."""
        return self.intervals != "none"

    has_quantiles = has_intervals

    _constraints = {
        "depth": Integer(2),
        "activation": Options(*ACTIVATION_NAMES),
        "architecture": Options(*ARCHITECTURE_NAMES),
        "loss": Options(*POINT_LOSSES),
        "quantiles": Anything(),
        "period": Optional(Integer(2)),
        "intervals": Options(*INTERVALS),
        "coverage": Real(0.0, 1.0),
        "selection": Options("min", "1se"),
        "combine": Integer(1),
        "stepwise": Boolean(),
        "n_betas": Integer(1),
        "eps": Real(0.0, 1.0),
        "max_lags": Optional(Integer(1)),
        "network_lags": Optional(Integer(1)),
        "horizon": Integer(1),
        "envelope": Optional(POSITIVE),
        "n_calibration": Integer(2),
        "refit_every": Integer(1),
        "leaky_slope": Optional(Real()),
        "n_features": Optional(Integer(1)),
        "standardize": Boolean(),
        "random_state": Anything(),
        "tol": POSITIVE,
        "delta": POSITIVE,
    }

    # parameters ----------------------------------------------------------------------------
    def _check_params(self, values: np.ndarray) -> dict:
        params = validate({k: getattr(self, k) for k in self._constraints}, self._constraints)
        lookup(params["activation"], params["depth"], params["architecture"],
               params["leaky_slope"])
        check_quantiles(self.quantiles)
        beta = self.beta
        if not (isinstance(beta, str) and beta == "auto"):
            if isinstance(beta, str):
                raise ValueError(f"beta must be 'auto' or a positive number, got {beta!r}")
            POSITIVE.check(beta, "beta")
        if self.skip not in ("auto", True, False) or isinstance(self.skip, (int, float)) and \
                not isinstance(self.skip, bool):
            raise ValueError(f"skip must be 'auto', True or False, got {self.skip!r}")
        skip = params["loss"] == "squared" if self.skip == "auto" else bool(self.skip)
        if skip and params["loss"] != "squared":
            raise ValueError(f"skip=True (unpenalized linear terms) needs loss='squared', got "
                             f"{params['loss']!r}; pass skip=False")
        params["skip"] = skip
        params["period"] = self._period(params["period"])
        params["lag_sets"] = self._lag_sets(params)
        params["kinds"] = self._kinds(values, params["period"])
        if params["intervals"] == "quantile" and any(k not in ("none", "log")
                                                      for k in params["kinds"]):
            raise ValueError("intervals='quantile' models the series' values directly: use "
                             "transform='none' or 'log'")
        return params

    def _period(self, period):
        if period is not None:
            return int(period)
        index = getattr(self, "index_", None)
        freq = getattr(index, "freqstr", None) if index is not None else None
        if not freq:
            return None
        letters = "".join(c for c in freq.split("-")[0] if c.isalpha())
        return PERIODS.get(letters)

    def _lag_sets(self, params) -> list[tuple[int, ...]]:
        lags = self.lags
        if isinstance(lags, str):
            if lags != "auto":
                raise ValueError(f"lags must be 'auto', a positive int or a list of positive "
                                 f"ints, got {lags!r}")
            p = params["max_lags"]
            return lag_sets(default_max_lags(self._n, params["period"]) if p is None else p,
                            params["period"])
        if isinstance(lags, (int, np.integer)) and not isinstance(lags, bool):
            return [tuple(range(1, check_positive_int(lags, "lags") + 1))]
        try:
            seq = sorted({int(check_positive_int(v, "lags")) for v in lags})
        except TypeError:
            raise TypeError(f"lags must be 'auto', a positive int or a list of positive ints, "
                            f"got {lags!r}") from None
        if not seq:
            raise ValueError("lags is empty")
        return [tuple(seq)]

    def _kinds(self, values: np.ndarray, period) -> list[str]:
        t = self.transform
        if isinstance(t, str) and t == "auto":
            kinds = ["none", "diff"]
            logs = bool(np.all(values > 0) and values.max() > 10 * values.min())
            if logs:
                kinds += ["log", "log-diff"]
            if period is not None and values.shape[0] > 4 * period:
                kinds += ["seasonal-diff"]
            # differences only when the KPSS test rejects a stationary level (of log x for a
            # series with log candidates), as automatic ARIMA decides d
            if kpss_level(np.log(values) if logs else values) <= KPSS_5PCT:
                kinds = [k for k in kinds if lag_of(k, period) == 0]
            return kinds
        if t is not None and t not in TRANSFORMS:
            raise ValueError(f"transform must be 'auto', None or one of {', '.join(TRANSFORMS)}"
                             f", got {t!r}")
        return [check_transform(t, values, period)]

    # fitting -------------------------------------------------------------------------------
    def fit(self, series, y=None) -> ARForecaster:
        """Choose the configuration (CV), fit the optimal network, calibrate the bands
        (``y`` is ignored: the scikit-learn signature, so the forecaster can end a
        ``Pipeline``)."""
        pandas = hasattr(series, "iloc") and hasattr(series, "index")
        self.index_ = series.index if pandas else None
        self.series_name_ = getattr(series, "name", None) if pandas else None
        values = check_series(series, min_points=4)
        if np.ptp(values) == 0:
            raise ValueError("the series is constant; there is nothing to fit")
        self._n = values.shape[0]
        params = self._check_params(values)
        check_series(values, min_points=min(max(s) for s in params["lag_sets"]) + 3)
        self._params = {k: params[k] for k in NETWORK_PARAMS}
        self._datafit = get_datafit(params["loss"], None,
                                    params["delta"] if params["loss"] == "huber" else None)
        self._skip = params["skip"]
        self._envelope = params["envelope"]
        self.period_ = params["period"]
        self.values_ = values
        configs = [(k, lags) for k in params["kinds"] for lags in params["lag_sets"]
                   if values.shape[0] - lag_of(k, params["period"]) - max(lags) >= 3]
        if not configs:
            raise ValueError(f"the series ({values.shape[0]} points) is too short for lags "
                             f"{params['lag_sets'][0]} and transform {params['kinds'][0]!r}")
        search = len(configs) > 1 or self.beta == "auto"
        if search:
            self._select(values, configs, params)
        else:
            self.transform_, self.lags_ = configs[0]
            self.beta_ = float(self.beta)
            self.cv_results_ = []
            self.combination_ = [{"transform": self.transform_, "lags": self.lags_,
                                  "beta": self.beta_, "score": float("nan"),
                                  "steps": list(range(1, params["horizon"] + 1))}]
            self.step_combinations_ = [[0]]
        self.members_ = [self._fit_config(values, c["transform"], c["lags"], c["beta"])
                         for c in self.combination_]
        self._set_model(self.members_[0])
        self._residuals: dict = {}
        self._quantile_fits: dict = {}
        return self

    def _fit_config(self, values: np.ndarray, kind: str, lags: tuple[int, ...], beta: float,
                    warm=None) -> LagFit:
        u = forward(values, kind, self.period_)
        center, scale = (float(u.mean()), float(u.std())) if self.standardize else (0.0, 1.0)
        if scale == 0.0:
            scale = 1.0
        X, y = lag_rows((u - center) / scale, lags)
        if np.unique(X, axis=0).shape[0] < 2:
            raise ValueError("the series needs at least 2 distinct lag values to fit a network")
        k = self._network_k(lags, X)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            fit = fit_network(X[:, 0] if k == 1 else X[:, :k], y, self._params,
                              self._datafit, beta, self.tol,
                              linear=X if self._skip else None, warm_start=warm)
        return LagFit(kind, lags, self.period_, center, scale, fit, self._bounds(y), k)

    def _network_k(self, lags: tuple[int, ...], X: np.ndarray) -> int:
        """How many of the lags (columns of the lag rows X) the network's units read: all of
        them without the skip connection, else the first ``network_lags`` -- unless two rows
        agree on those but not on all lags (repeated values): the linear terms must be a
        function of the units' inputs (the squared loss merges equal inputs), so then all."""
        if not self._skip or self.network_lags is None:
            return len(lags)
        k = min(int(self.network_lags), len(lags))
        if k < len(lags) and np.unique(X[:, :k], axis=0).shape[0] < \
                np.unique(X, axis=0).shape[0]:
            return len(lags)
        return k

    def _bounds(self, y: np.ndarray) -> tuple[float, float]:
        if self._envelope is None:
            return (-np.inf, np.inf)
        lo, hi = float(y.min()), float(y.max())
        return (lo - self._envelope * (hi - lo), hi + self._envelope * (hi - lo))

    def _set_model(self, model: LagFit) -> None:
        self.model_ = model
        fit = model.fit
        self.fit_ = fit
        self.library_ = fit.library
        self.result_ = fit.result
        self.dictionary_ = fit.dictionary
        self.network_ = fit.network
        self.objective_ = float(fit.result.objective)
        u = forward(self.values_, model.kind, self.period_)
        self.center_, self.scale_ = model.center, model.scale
        self.X_, self.y_ = lag_rows((u - model.center) / model.scale, model.lags)
        k = lag_of(model.kind, self.period_)
        times = np.arange(max(model.lags), u.shape[0]) + k
        u_hat = model.step(self.X_) * model.scale + model.center
        self.fitted_ = one_step(u_hat, self.values_, times, model.kind, self.period_)
        self.breakpoints_ = [(model.lags[c], dataclasses.replace(
            b, position=float(b.position * model.scale + model.center),
            points=tuple(float(t * model.scale + model.center) for t in b.points)))
            for c, b in fit.breakpoints()]

    # selection -----------------------------------------------------------------------------
    def _select(self, values: np.ndarray, configs, params) -> None:
        """Time-ordered CV of the (transform, lags) configurations, each over its own beta
        grid, scored by :meth:`_path_error`.  With more than :data:`SHORTLIST` configurations a
        first round scores each as the linear AR model (least squares: the network with the
        skip connection above beta_max, a screen without it) and the full paths run for the
        best ones only.  With ``stepwise`` every step h <= horizon repeats the choice on the
        scores over steps 1..h (its own shortlist, its own betas); a configuration that
        several steps shortlist is cross-validated once."""
        rows = []
        K, H = params["combine"], params["horizon"]
        steps = list(range(H)) if params["stepwise"] else [H - 1]
        shortlist = max(SHORTLIST, K)
        # each step h chooses among its own shortlist: the configurations whose linear AR
        # models score best over steps 1..h (all of them when there are few)
        lists = {h: configs for h in steps}
        if self.beta == "auto" and len(configs) > shortlist:
            first = []
            for kind, lags in configs:
                table = self._cv_config(values, kind, lags, params, first_only=True)
                if table is not None:
                    rows += table
                    first.append((table[0]["mean_by_step"], kind, lags))
            lists = {h: [(kind, lags) for _, kind, lags in
                         sorted(first, key=lambda t: t[0][h])[:shortlist]] for h in steps}
        configs = list(dict.fromkeys(c for h in steps[::-1] for c in lists[h]))
        ranked: dict[int, list] = {h: [] for h in steps}  # per step: (score, member)
        score = {}  # member (transform, lags, beta) -> its CV score over the whole horizon
        for kind, lags in configs:
            table = self._cv_config(values, kind, lags, params)
            if table is None:
                continue
            rows += table
            for h in (h for h in steps if (kind, lags) in lists[h]):
                mean = np.array([r["mean_by_step"][h] for r in table])
                i = int(np.argmin(mean))
                if params["selection"] == "1se":
                    ok = np.flatnonzero(mean <= mean[i] + table[i]["se_by_step"][h])
                    i = int(ok.min())  # betas decrease: the first is the largest
                key = (kind, lags, table[i]["beta"])
                score[key] = table[i]["mean"]
                ranked[h].append((mean[i], key))
        if not ranked[H - 1]:
            raise ValueError("no configuration could be cross-validated (the series is too "
                             "short for time-ordered splits); pass beta, lags and transform")
        # stable sorts: ties keep the order of the candidates
        combos = {h: [key for _, key in sorted(ranked[h], key=lambda t: t[0])[:K]]
                  for h in steps}
        members = list(combos[H - 1])  # the whole horizon's combination first: the lead
        for h in steps:
            members += [key for key in combos[h] if key not in members]
        self.step_combinations_ = [[members.index(key) for key in combos[h if h in combos
                                                                           else H - 1]]
                                   for h in range(H)]
        self.combination_ = [{"transform": kind, "lags": lags, "beta": beta,
                              "score": score[(kind, lags, beta)],
                              "steps": [h + 1 for h in range(H)
                                        if j in self.step_combinations_[h]]}
                             for j, (kind, lags, beta) in enumerate(members)]
        lead = self.combination_[0]
        self.transform_, self.lags_, self.beta_ = lead["transform"], lead["lags"], lead["beta"]
        self.cv_results_ = rows

    def _cv_config(self, values, kind, lags, params, first_only: bool = False
                   ) -> list[dict] | None:
        k = lag_of(kind, params["period"])
        u = forward(values, kind, params["period"])
        center, scale = (float(u.mean()), float(u.std())) if params["standardize"] else (0., 1.)
        scale = scale or 1.0
        X, y = lag_rows((u - center) / scale, lags)
        times = np.arange(max(lags), u.shape[0]) + k
        nk = self._network_k(lags, X)
        design = (lambda A: A[:, 0]) if nk == 1 else (lambda A: A[:, :nk])
        if first_only:  # the linear AR model: every beta above beta_max, no library needed
            betas = np.array([np.inf])
        elif self.beta == "auto":
            try:
                d = build_library(design(X), self._params)
                bmax = beta_max(d, y, loss=self._datafit.name if self._datafit.name != "huber"
                                else "squared", linear=X if self._skip else None)
            except ValueError:
                return None
            if not bmax > 0:
                bmax = 1.0
            betas = bmax * np.geomspace(1.0, params["eps"], params["n_betas"])
        else:
            betas = np.array([float(self.beta)])
        cv = self.cv
        min_train = min_train_rows(lags)
        try:
            if isinstance(cv, (int, np.integer)) and not isinstance(cv, bool):
                splits = time_splits(times, check_positive_int(cv, "cv", 2), min_train)
            else:
                if not hasattr(cv, "split"):
                    raise TypeError(f"cv must be an int or a splitter with split(), got "
                                    f"{type(cv).__name__}")
                splits = check_time_splits(cv.split(X), X.shape[0])
        except ValueError as e:
            if "leaks the future" in str(e) or "splitter" in str(e):
                raise
            return None
        if first_only:
            errors = np.array([[self._path_error(LinearAR(X[train], y[train]),
                                                 (u - center) / scale, test + max(lags), lags,
                                                 kind, values, center, scale,
                                                 self._bounds(y[train]), params, nk)]
                               for train, test in splits])  # (folds, 1, steps)
            return _table(kind, lags, betas, errors)
        libs = []
        for train, _ in splits:
            try:
                libs.append(build_library(design(X[train]), self._params))
            except ValueError:
                libs.append(None)
        keep = [f for f, d in enumerate(libs) if d is not None]
        if not keep:
            return None
        # betas outermost (every fold warm-started along the path); the path stops once the
        # mean error has risen above the best by STOP for two betas in a row
        errors = np.full((len(keep), betas.shape[0], params["horizon"]), np.nan)
        warm: list = [None] * len(keep)
        best, worse = np.inf, 0
        for j, beta in enumerate(betas):
            for i, f in enumerate(keep):
                train, test = splits[f]
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    fit = fit_network(None, y[train], self._params, self._datafit, beta,
                                      max(self.tol, 1e-6), library=libs[f],
                                      linear=X[train] if self._skip else None,
                                      warm_start=warm[i])
                warm[i] = fit.result
                errors[i, j] = self._path_error(fit, (u - center) / scale, test + max(lags),
                                                lags, kind, values, center, scale,
                                                self._bounds(y[train]), params, nk)
            m = float(errors[:, j, -1].mean())
            best, worse = (m, 0) if m < best else (best, worse + (m > best * STOP))
            if worse >= 2:
                break
        done = ~np.isnan(errors).any(axis=(0, 2))
        return _table(kind, lags, betas[done], errors[:, done])

    def _path_error(self, fit, s, targets, lags, kind, values, center, scale, bounds,
                    params, nk: int) -> np.ndarray:
        """The selection's scores of one fitted fold: recursive forecasts from the origin
        before each test target, up to ``horizon`` steps (in the series' units), their mean
        squared error per step divided by the naive (last value) forecast's over the same
        origins; entry h - 1 averages those ratios over steps 1..h (the last: over the whole
        horizon)."""
        period, H = params["period"], params["horizon"]
        k, q = lag_of(kind, period), max(lags)
        n = values.shape[0]
        m = targets.shape[0]
        buf = np.stack([s[t - q:t] for t in targets])  # the known u before each origin
        paths = np.empty((m, H))
        for h in range(H):
            rows = np.column_stack([buf[:, buf.shape[1] - lag] for lag in lags])
            out = np.clip(network_output(fit, rows, nk), *bounds)
            paths[:, h] = out
            buf = np.column_stack([buf, out])
        sq = np.full((m, H), np.nan)
        naive = np.full((m, H), np.nan)
        for i, t in enumerate(targets):
            origin = t + k  # index in the series of the first value forecast
            level = invert(paths[i] * scale + center, values[:origin], kind, period)
            h = min(H, n - origin)
            sq[i, :h] = (values[origin:origin + h] - level[:h]) ** 2
            naive[i, :h] = (values[origin:origin + h] - values[origin - 1]) ** 2
        out = np.empty(H)
        score, used = 0.0, 0
        for h in range(H):
            ok = ~np.isnan(sq[:, h])
            ref = float(naive[ok, h].mean()) if ok.any() else 0.0
            if ref > 0:
                score += float(sq[ok, h].mean()) / ref
                used += 1
            out[h] = score / used if used else float(np.mean(sq[:, :h + 1][~np.isnan(
                sq[:, :h + 1])]))
        return out

    # predicting ----------------------------------------------------------------------------
    def _floor(self, values: np.ndarray) -> float:
        """0 for a series that was never negative (with the envelope on): it is not forecast
        below zero; else no floor."""
        return 0.0 if self._envelope is not None and values.min() >= 0 else -np.inf

    def _forecast(self, steps: int) -> np.ndarray:
        return combined_forecast(self.members_, self.values_, steps, self._floor(self.values_),
                                 self.step_combinations_)

    def envelope_bounds(self, steps: int) -> np.ndarray:
        """The bounds (steps, 2) no forecast can leave: the envelope of each member's modeled
        series u carried through its inverse transform (for differences: added up from the
        last values), the lowest lower and the highest upper bound over the members (their
        mean lies between); a series that was never negative has the lower bound 0 at least."""
        self._check_fitted()
        env = np.array([member_envelope(m, self.values_, steps) for m in self.members_])
        low = np.maximum(env[:, :, 0].min(axis=0), self._floor(self.values_))
        return np.column_stack([low, np.maximum(env[:, :, 1].max(axis=0), low)])

    def _calibration(self, steps: int) -> np.ndarray:
        """Rolling-origin errors (origins, steps, the latest origin first) of the chosen model
        at the last ``n_calibration`` + steps - 1 origins (log ratios for a log transform); NaN
        where the outcome lies beyond the series.  The members are refitted at the oldest
        origin and every ``refit_every``-th after it; in between, the latest refit forecasts
        from the values before the origin (a model never sees its origin's future)."""
        have = self._residuals.get("errors")
        if have is not None and have.shape[1] >= steps:
            return have[:, :steps]
        m = self.model_
        v = self.values_
        n = v.shape[0]
        first = max(lag_of(c.kind, self.period_) + max(c.lags) + min_train_rows(c.lags)
                    for c in self.members_)
        origins = [c for c in range(n - 1, first - 1, -1)][:self.n_calibration + steps - 1]
        if len(origins) < 2:
            raise ValueError(f"the series is too short ({n} points) to calibrate prediction "
                             "intervals; use intervals='none'")
        errors = np.full((len(origins), steps), np.nan)
        fits = None
        for i in range(len(origins) - 1, -1, -1):  # oldest origin first
            c = origins[i]
            if (len(origins) - 1 - i) % self.refit_every == 0:
                try:
                    fits = [self._fit_config(v[:c], f.kind, f.lags, b["beta"])
                            for f, b in zip(self.members_, self.combination_)]
                except ValueError:
                    fits = None
            if fits is None:
                continue
            path = combined_forecast(fits, v[:c], steps, self._floor(v[:c]),
                                     self.step_combinations_)
            h = min(steps, n - c)
            actual = v[c:c + h]
            errors[i, :h] = (np.log(actual) - np.log(path[:h]) if uses_log(m.kind)
                             else actual - path[:h])
        self._residuals["errors"] = errors
        return errors

    def _interval(self, steps: int, coverage: float) -> np.ndarray:
        return self._quantile_values(steps, ((1 - coverage) / 2, (1 + coverage) / 2))

    def predict_quantiles(self, steps: int, quantiles=None, progress: bool = False
                          ) -> np.ndarray:
        """Quantile forecasts, shape (steps, len(quantiles)) in increasing level order: the
        split-conformal quantiles of the rolling-origin errors around the point forecast
        (``intervals="conformal"``) or the exact pinball-loss networks
        (``intervals="quantile"``, see :meth:`_direct_quantiles`).  Levels below 1/2 never lie
        above the point forecast, levels above 1/2 never below it, and none leaves the
        envelope."""
        self._check_fitted()
        steps = check_positive_int(steps, "steps")
        levels = check_quantiles(self.quantiles if quantiles is None else quantiles)
        return self._quantile_values(steps, levels, progress)

    def _quantile_values(self, steps: int, levels, progress: bool = False) -> np.ndarray:
        if self.intervals == "none":
            raise ValueError("this forecaster was made with intervals='none'")
        point = self._forecast(steps)
        lv = np.asarray(levels)
        if self.intervals == "quantile":
            out = self._direct_quantiles(steps, levels, progress)
        else:
            errors = self._calibration(steps)
            out = np.empty((steps, lv.shape[0]))
            for h in range(steps):
                q = conformal_quantiles(errors[:, h][~np.isnan(errors[:, h])], lv)
                q = np.where(lv < 0.5, np.minimum(q, 0.0), np.where(lv > 0.5,
                                                                      np.maximum(q, 0.0), q))
                out[h] = point[h] * np.exp(q) if uses_log(self.model_.kind) else point[h] + q
        p = point[:, None]
        out = np.where(lv < 0.5, np.minimum(out, p), np.where(lv > 0.5, np.maximum(out, p), out))
        env = self.envelope_bounds(steps)
        return np.sort(np.clip(out, env[:, :1], env[:, 1:]), axis=1)

    def _direct_quantiles(self, steps: int, levels, progress: bool = False) -> np.ndarray:
        """Column k at step h: the optimal pinball-loss network (level ``levels[k]``) mapping
        the lags at the origin to the value h - 1 steps later (one exact quantile Lasso per
        (h, level), fitted once and cached; rows without a target get weight 0, which keeps it
        exact: their library contains the one of the weighted rows)."""
        m = self.model_
        rows = self.y_.shape[0]
        if steps > rows - 2:
            raise ValueError(f"steps={steps} is too far ahead for {rows} training rows; at most "
                             f"{rows - 2}")
        todo = [(h, t) for h in range(1, steps + 1) for t in levels
                if (h, t) not in self._quantile_fits]
        it = todo
        if progress and todo:
            from tqdm.auto import tqdm  # noqa: PLC0415

            it = tqdm(todo, desc="quantile fits", unit="fit")
        s = (forward(self.values_, m.kind, self.period_) - m.center) / m.scale
        q = max(m.lags)
        last = np.array([[s[-lag] for lag in m.lags]])[:, :m.k]
        design = (lambda A: A[:, 0]) if last.shape[1] == 1 else (lambda A: A)
        for h, tau in it:
            target = np.zeros(rows)
            avail = rows - (h - 1)
            target[:avail] = s[q + h - 1:]
            w = np.zeros(rows)
            w[:avail] = 1.0
            self._quantile_fits[(h, tau)] = fit_network(
                None, target, self._params, Quantile(tau), self.beta_, self.tol,
                sample_weight=w, library=self.library_)
        out = np.array([[self._quantile_fits[(h, t)].decision(design(last))[0] for t in levels]
                        for h in range(1, steps + 1)]) * m.scale + m.center
        out = np.exp(out) if uses_log(m.kind) else out
        return np.sort(out, axis=1)

    def predict_function(self, X) -> np.ndarray:
        """The lead member's fitted one-step map at lag rows X of its modeled series u (its
        units; shape (m,) for one lag or (m, len(lags_)))."""
        self._check_fitted()
        try:
            X = np.asarray(X, dtype=float)
        except (TypeError, ValueError):
            raise TypeError("X must be numeric") from None
        p = len(self.lags_)
        X = X.reshape(-1, 1) if X.ndim <= 1 and p == 1 else np.atleast_2d(X)
        if X.shape[1] != p:
            raise ValueError(f"X must have {p} lag column(s), got shape {X.shape}")
        m = self.model_
        return m.step((X - m.center) / m.scale) * m.scale + m.center

    # objectives ----------------------------------------------------------------------------
    def objective(self, network: ParallelNetwork | None = None) -> float:
        """Training objective (1.1) of ``network`` (default: the fitted one) on the standardized
        lag data at ``beta_``, under the forecaster's loss: compare an Adam-trained network
        with the optimum ``objective_`` (one lag: the skip weight is the network's ``skip``)."""
        self._check_fitted()
        net = self.network_ if network is None else network
        X = self.X_[:, 0] if self.X_.shape[1] == 1 else self.X_
        if self._skip and self.X_.shape[1] > 1 and network is None:
            return self.objective_
        return net.objective(X, self.y_, self.beta_, loss=self.result_.datafit)


def combined_forecast(members: list[LagFit], values: np.ndarray, steps: int,
                      floor: float = -np.inf, use: list[list[int]] | None = None
                      ) -> np.ndarray:
    """The mean of the members' recursive forecasts of ``steps`` values after ``values``, at
    least ``floor``; with ``use``, step s averages the members ``use[s - 1]`` (the steps after
    its end: its last entry)."""
    paths = np.array([m.forecast(values, steps) for m in members])
    if use is None:
        return np.maximum(paths.mean(axis=0), floor)
    mean = [paths[use[min(s, len(use) - 1)], s].mean() for s in range(steps)]
    return np.maximum(np.array(mean), floor)


def member_envelope(m: LagFit, values: np.ndarray, steps: int) -> np.ndarray:
    """The bounds (steps, 2) of one member's forecasts after ``values``: its envelope of u
    mapped through the inverse transform (differences add up from the last values)."""
    lo, hi = np.array(m.bounds) * m.scale + m.center
    k = lag_of(m.kind, m.period)
    base = np.log(values) if uses_log(m.kind) else values
    out = np.empty((steps, 2))
    if k == 0:
        out[:] = (lo, hi)
    else:
        low, high = list(base[-k:]), list(base[-k:])
        for h in range(steps):
            low.append(low[h] + lo)
            high.append(high[h] + hi)
        out[:, 0], out[:, 1] = low[k:], high[k:]
    return np.exp(out) if uses_log(m.kind) else out


def network_output(fit, X, k: int) -> np.ndarray:
    """The forecaster's one-step output at standardized lag rows X: the network's units on the
    first k columns plus the skip connection's linear terms on all of them."""
    X = np.atleast_2d(np.asarray(X, dtype=float))
    if isinstance(fit, LinearAR):
        return fit.decision(X)
    res = fit.result
    out = res.predict(fit.dictionary, X[:, 0] if k == 1 else X[:, :k])
    return out if res.linear is None else out + X @ res.linear


class LinearAR:
    """The least-squares linear AR model on lag rows (with a constant): the forecaster's
    network above beta_max, where the skip connection is all there is."""

    def __init__(self, X: np.ndarray, y: np.ndarray):
        L = np.column_stack([np.ones(X.shape[0]), X])
        self.coef, *_ = np.linalg.lstsq(L, y, rcond=None)

    def decision(self, X) -> np.ndarray:
        X = np.asarray(X, dtype=float)
        X = X.reshape(-1, 1) if X.ndim == 1 else X
        return self.coef[0] + X @ self.coef[1:]


def _table(kind: str, lags: tuple[int, ...], betas: np.ndarray, errors: np.ndarray
           ) -> list[dict]:
    """Rows of ``cv_results_`` from the fold scores ``errors`` (folds, betas, steps): mean and
    standard error over the folds per beta (inf: the linear AR model, every beta above
    beta_max) of the score over the whole horizon; ``mean_by_step`` / ``se_by_step`` those of
    the scores over steps 1..h."""
    mean = errors.mean(axis=0)
    se = errors.std(axis=0, ddof=1) / np.sqrt(errors.shape[0]) if errors.shape[0] > 1 \
        else np.zeros_like(mean)
    return [{"transform": kind, "lags": lags, "beta": float(b), "mean": float(m[-1]),
             "se": float(e[-1]), "folds": int(errors.shape[0]),
             "mean_by_step": [float(v) for v in m], "se_by_step": [float(v) for v in e]}
            for b, m, e in zip(betas, mean, se)]


def conformal_quantiles(errors: np.ndarray, levels) -> np.ndarray:
    """Split-conformal quantiles of ``errors`` (n of them): for a level l below 1/2 the
    ``floor((n + 1) l)``-th smallest error, for l >= 1/2 the ``ceil((n + 1) l)``-th (clamped
    to the extremes), so a band between levels l and 1 - l covers a new exchangeable error
    with probability at least 1 - 2l."""
    e = np.sort(np.asarray(errors, dtype=float))
    lv = np.atleast_1d(np.asarray(levels, dtype=float))
    n = e.shape[0]
    if n == 0:
        return np.where(lv < 0.5, -np.inf, np.inf)
    # 1e-9: the rounding of levels such as (1 - 0.8) / 2
    ranks = [max(math.floor((n + 1) * t + 1e-9), 1) if t < 0.5
             else min(math.ceil((n + 1) * t - 1e-9), n) for t in lv]
    return e[np.array(ranks) - 1]


def conformal_bounds(errors: np.ndarray, coverage: float) -> tuple[float, float]:
    """The split-conformal band of ``coverage``: :func:`conformal_quantiles` at
    ((1 - c) / 2, (1 + c) / 2)."""
    lo, hi = conformal_quantiles(errors, ((1 - coverage) / 2, (1 + coverage) / 2))
    return float(lo), float(hi)


__all__ = ["ARForecaster", "INTERVALS", "LagFit", "POINT_LOSSES", "check_time_splits",
           "combined_forecast", "member_envelope", "min_train_rows",
           "conformal_bounds", "conformal_quantiles", "lag_rows", "lag_sets", "time_splits"]
