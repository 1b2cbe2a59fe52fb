"""scikit-learn estimators: neural networks on 1-D inputs, trained to their global optimum.

``ConvexNetRegressor`` (squared, quantile, absolute, Huber loss) and ``ConvexNetClassifier``
(binary, logistic loss) build the library of Table 3.1 for the training inputs, solve the convex
problem (1.2) / (D.24) with a certificate and rebuild the optimal network (Definition B.3):
its training objective (1.1) under the same loss is the convex optimum (Theorem 3.11), so no
network of the architecture with weight decay ``beta`` fits better.

One beta convention: by default (``standardize=True``) x, and the regressor's y, are
standardized by their training mean and standard deviation before the library is built, and
``beta`` is the weight decay of (1.1) on that standardized problem, so it does not depend on
the data's units; ``standardize=False`` solves on the raw data (an absolute beta).  The
default ``beta="auto"`` chooses beta by cross-validating the warm-started regularization path
(:func:`~library_of_mirrors.model_selection.cross_validate_path`) and refits on all data.

Inputs are 1-D: ``X`` of shape (n,) or (n, 1); more columns are an error (use one model per
input, or the additive ``ARForecaster`` for lags).  Models save to JSON (no pickle) with a
checksum; loading rebuilds only the network's own units from their codes and verifies the
predictions at the training points.
"""

from __future__ import annotations

import dataclasses
import hashlib
import inspect
import json
import numbers
import warnings
from pathlib import Path

import numpy as np
import sklearn.model_selection
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, is_classifier
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_is_fitted, validate_data

from ..activations import ACTIVATION_NAMES
from ..architectures import ARCHITECTURE_NAMES, lookup
from ..dictionary.build import from_units
from ..model_selection import CVPath, cross_validate_path, make_folds, standardization
from ..reconstruct import reconstruct
from ..solvers import beta_max
from ..solvers.datafits import REGRESSION_LOSSES, get_datafit
from ..solvers.result import LIBRARY_ONLY, LassoResult
from ..validation import (
    AUTO_OR_POSITIVE,
    POSITIVE,
    POSITIVE_INT,
    PROBABILITY,
    Anything,
    Boolean,
    Integer,
    Optional,
    Options,
    Real,
    check_sample_weight,
    validate,
)
from .model_file import check_body, read_json
from .network import NETWORK_PARAMS, FittedNetwork, build_library, fit_network

FORMAT_VERSION = 2
#: relative tolerance (of the largest absolute fitted value) within which a loaded model must
#: reproduce the fitted values stored in its file
LOAD_RTOL = 1e-9
#: how many decades below ``eps * beta_max`` beta="auto" continues its grid while the least
#: held-out loss lies at the grid's end
EXTEND_DECADES = 3

#: scikit-learn's generic checks that cannot apply to a 1-D estimator, with the reason
#: (used by ``parametrize_with_checks(..., expected_failed_checks=...)`` in the tests)
_MANY_COLUMNS = "its data have several input columns; this model takes exactly one"
EXPECTED_FAILED_CHECKS: dict[str, str] = {
    name: _MANY_COLUMNS for name in (
        "check_fit_score_takes_y", "check_estimators_overwrite_params",
        "check_dont_overwrite_parameters", "check_estimators_fit_returns_self",
        "check_readonly_memmap_input", "check_n_features_in_after_fitting",
        "check_positive_only_tag_during_fit", "check_estimators_dtypes",
        "check_sample_weights_not_an_array", "check_sample_weights_list",
        "check_sample_weights_pandas_series",
        "check_all_zero_sample_weights_error", "check_sample_weights_shape",
        "check_sample_weights_not_overwritten", "check_sample_weight_equivalence_on_dense_data",
        "check_dtype_object", "check_pipeline_consistency", "check_estimators_nan_inf",
        "check_estimators_pickle", "check_f_contiguous_array_estimator",
        "check_regressors_train", "check_regressor_data_not_an_array",
        "check_regressors_no_decision_function", "check_supervised_y_2d",
        "check_regressors_int", "check_methods_sample_order_invariance",
        "check_methods_subset_invariance", "check_fit2d_1sample", "check_dict_unchanged",
        "check_fit_idempotent", "check_fit_check_is_fitted", "check_n_features_in",
        "check_fit2d_predict1d")
}
EXPECTED_FAILED_CHECKS["check_fit1d"] = "1-D X is accepted by design: it is the one input column"
CLASSIFIER_EXPECTED_FAILED_CHECKS = {
    name: reason for name, reason in EXPECTED_FAILED_CHECKS.items()
    if not name.startswith("check_regressor") and name != "check_fit2d_1sample"} | {
    name: _MANY_COLUMNS for name in (
        "check_classifier_data_not_an_array", "check_classifiers_one_label_sample_weights",
        "check_classifiers_classes", "check_classifiers_train",
        "check_decision_proba_consistency")}


def _as_column(X):
    """(n,) -> (n, 1); everything else is left to scikit-learn's validation."""
    if hasattr(X, "toarray") or hasattr(X, "tocsr"):
        return X
    arr = np.asarray(X)
    return arr.reshape(-1, 1) if arr.ndim == 1 else X


def _one_column(X: np.ndarray, name: str = "X") -> np.ndarray:
    if X.shape[1] != 1:
        raise ValueError(f"{name} must have shape (n,) or (n, 1) (one input feature), got "
                         f"{X.shape[1]} columns; use one model per input column")
    return X[:, 0]


def _check_cv(cv) -> None:
    """``cv`` is an int >= 2, a splitter (has ``split``) or an iterable of (train, test)
    pairs (the splits themselves are checked when drawn, :func:`make_folds`)."""
    if isinstance(cv, numbers.Integral) and not isinstance(cv, (bool, np.bool_)):
        Integer(2).check(cv, "cv")
    elif isinstance(cv, (str, bytes, bool, np.bool_, float)) or cv is None or not (
            hasattr(cv, "split") or hasattr(cv, "__iter__")):
        raise ValueError(f"cv must be an integer >= 2, a scikit-learn splitter or an iterable "
                         f"of (train, test) index pairs, got {cv!r}")


_PLAIN = (type(None), bool, int, float, str)


def _cv_to_plain(cv):
    """``cv`` as a JSON value: an int, or a scikit-learn splitter as its class name and
    parameters; anything else (a custom splitter, a list of splits) cannot be saved."""
    if isinstance(cv, numbers.Integral) and not isinstance(cv, bool):
        return int(cv)
    name = type(cv).__name__
    if getattr(sklearn.model_selection, name, None) is type(cv):
        names = [n for n in inspect.signature(type(cv).__init__).parameters if n != "self"]
        params = {n: getattr(cv, n, None) for n in names}
        params = {n: (int(v) if isinstance(v, np.integer) else v) for n, v in params.items()}
        if all(isinstance(v, _PLAIN) for v in params.values()):
            return {"splitter": name, "params": params}
    raise ValueError(f"cv={cv!r} cannot be saved: give cv as an int or a scikit-learn "
                     "splitter with plain parameters (e.g. TimeSeriesSplit(3)), or "
                     "set_params(cv=<number of folds>) before saving; the fitted model itself "
                     "does not depend on it")


def _cv_from_plain(value):
    if isinstance(value, dict):
        cls = getattr(sklearn.model_selection, str(value["splitter"]), None)
        if not (isinstance(cls, type) and hasattr(cls, "split")):
            raise ValueError(f"unknown splitter {value['splitter']!r}")
        return cls(**value["params"])
    return value


class ConvexNetBase(BaseEstimator):
    """What the regressor and the classifier share: parameters and their constraints, the fit
    through :func:`~.network.fit_network`, the fitted attributes and JSON persistence."""

    _constraints = {
        "activation": Options(*ACTIVATION_NAMES),
        "depth": Integer(2),
        "architecture": Options(*ARCHITECTURE_NAMES),
        "beta": AUTO_OR_POSITIVE,
        "leaky_slope": Optional(Real()),
        "n_features": Optional(Integer(1)),
        "random_state": Anything(),
        "tol": POSITIVE,
        "standardize": Boolean(),
        "cv": Anything(),  # checked by _check_cv
        "n_betas": POSITIVE_INT,
        "eps": Real(0.0, 1.0),
        "selection": Options("min", "1se"),
    }

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        return tags

    # fitting -----------------------------------------------------------------------------
    def _loss_params(self) -> dict:  # pragma: no cover - abstract
        """``loss``, ``quantile``, ``delta`` as :func:`get_datafit` takes them."""
        raise NotImplementedError

    def _datafit(self):
        return get_datafit(**self._loss_params())

    def _fit(self, X, y, sample_weight=None):
        params = validate(self.get_params(), self._constraints)
        lookup(params["activation"], params["depth"], params["architecture"],
               params["leaky_slope"])
        _check_cv(params["cv"])
        datafit = self._datafit()
        x = _one_column(X)
        y = np.asarray(y, dtype=float)
        w = None if sample_weight is None else check_sample_weight(sample_weight, x.shape[0])
        scaled = params["standardize"]
        xc, xs = standardization(x, w) if scaled else (0.0, 1.0)
        yc, ys = standardization(y, w) if scaled and datafit.output == "value" else (0.0, 1.0)
        xt, yt = (x - xc) / xs, (y - yc) / ys
        net = {k: params[k] for k in NETWORK_PARAMS}
        library = build_library(xt, net)
        beta, path = params["beta"], None
        if beta == "auto":
            beta, path = self._cross_validate(x, y, w, library, yt, datafit, params)
        fit = fit_network(xt, yt, net, datafit, beta, params["tol"], sample_weight=w,
                          library=library)
        self.x_center_, self.x_scale_, self.y_center_, self.y_scale_ = xc, xs, yc, ys
        self.beta_ = float(beta)
        self.cv_path_ = path
        self.cv_results_ = None if path is None else path.cv_results()
        self._set_fitted(x, fit)
        return self

    def _cross_validate(self, x: np.ndarray, y: np.ndarray, w, library, yt: np.ndarray,
                        datafit, params: dict) -> tuple[float, CVPath | None]:
        """beta="auto": the grid from beta_max of the (standardized) training data down to
        ``eps * beta_max`` (continued while its end has the least held-out loss), the
        warm-started path cross-validated over the folds of ``cv``
        (each fold standardized by its own training statistics), and the beta of the
        minimum held-out loss (or of the one-standard-error rule).  For the piecewise-linear
        losses beta_max is an upper bound of the threshold (the grid's first betas may all
        give the constant fit).  Constant targets have no grid (beta_max = 0): every beta
        gives the constant fit, and beta_ is 1."""
        bmax = beta_max(library, yt, sample_weight=w, loss=datafit)
        if not bmax > 0:
            return 1.0, None
        betas = bmax * np.geomspace(1.0, params["eps"], params["n_betas"])
        seed = 0 if params["random_state"] is None else params["random_state"]
        folds = make_folds(params["cv"], x, y, seed, classifier=is_classifier(self))
        path = cross_validate_path(
            x, y, betas, activation=params["activation"], depth=params["depth"],
            architecture=params["architecture"], leaky_slope=params["leaky_slope"],
            n_features=params["n_features"], cv=folds, standardize=params["standardize"],
            sample_weight=w, random_state=params["random_state"], tol=params["tol"],
            extend=EXTEND_DECADES, **self._loss_params())
        if params["selection"] == "1se":
            return path.beta_1se, path
        if path.best_index == path.betas.shape[0] - 1 and path.betas.shape[0] > 1:
            warnings.warn(f"beta='auto' chose the smallest beta of the grid ({path.best_beta:.4g}"
                          f" = {path.best_beta / bmax:.2g} beta_max, the grid continued "
                          f"{EXTEND_DECADES} decades below eps): the held-out loss may decrease "
                          f"further; pass a smaller eps (now {params['eps']:g})", UserWarning,
                          stacklevel=4)
        return path.best_beta, path

    def _set_fitted(self, x: np.ndarray, fit: FittedNetwork) -> None:
        self.fit_ = fit
        self.implicit_ = fit.implicit
        self.n_library_features_ = fit.n_library_features
        self.dictionary_ = fit.dictionary
        self.result_ = fit.result
        self.network_ = fit.network
        self.n_neurons_ = fit.n_neurons
        self.breakpoints_ = [self._breakpoint_in_data_units(b) for _, b in fit.breakpoints()]
        self._x_train = x

    def _library_inputs(self, x: np.ndarray) -> np.ndarray:
        """Inputs in the data's units -> the inputs the library was built on."""
        return (x - self.x_center_) / self.x_scale_

    def _breakpoint_in_data_units(self, b):
        if (self.x_center_, self.x_scale_) == (0.0, 1.0):
            return b
        c, s = self.x_center_, self.x_scale_
        return dataclasses.replace(b, position=c + s * b.position,
                                   points=tuple(c + s * t for t in b.points))

    def _decision(self, X) -> np.ndarray:
        check_is_fitted(self, "result_")
        x = _one_column(validate_data(self, _as_column(X), reset=False))
        return self.y_center_ + self.y_scale_ * self.fit_.decision(self._library_inputs(x))

    def objective(self, X, y) -> float:
        """The training objective (1.1) of ``network_`` at ``beta_`` under the model's loss,
        on (X, y) standardized by the training statistics (the problem the model solved):
        equal to ``result_.objective`` (the certified optimum) on the training data."""
        check_is_fitted(self, "result_")
        x = _one_column(validate_data(self, _as_column(X), reset=False))
        yt = (np.asarray(y, dtype=float) - self.y_center_) / self.y_scale_
        return self.network_.objective(self._library_inputs(x), yt, self.beta_,
                                       loss=self.result_.datafit)

    # persistence ---------------------------------------------------------------------------
    @classmethod
    def _format(cls) -> str:
        return f"library_of_mirrors.{cls.__name__}"

    def _payload(self) -> dict:
        res = self.result_
        kinds, codes = self.dictionary_.unit_codes(res.active)
        return {
            "format": self._format(),
            "version": FORMAT_VERSION,
            "params": {k: (int(v) if isinstance(v, np.integer) else v)
                       for k, v in self.get_params().items()},
            "x_train": self._x_train.tolist(),
            "n_library_features": self.n_library_features_,
            "implicit": self.implicit_,
            "unit_kinds": kinds.tolist(),
            "unit_codes": codes.tolist(),
            "coef": res.z[res.active].tolist(),
            "xi": float(res.xi),
            "fitted": self._decision(self._x_train).tolist(),
            "result": {"objective": float(res.objective), "gap": float(res.gap),
                       "loss": res.loss, "solver": res.solver,
                       "certificate": res.certificate},
            **self._extra_payload(),
        }

    def _saved_params(self) -> dict:
        """``get_params()`` as JSON values (``cv``: :func:`_cv_to_plain`)."""
        params = {k: (int(v) if isinstance(v, np.integer) else v)
                  for k, v in self.get_params().items()}
        params["cv"] = _cv_to_plain(params["cv"])
        return params

    def _extra_payload(self) -> dict:
        """What the base payload does not hold: the parameters as plain values (they replace
        the payload's ``params``: a splitter given as ``cv`` is saved by its class name and
        parameters), the standardization, ``beta_`` and ``cv_results_``."""
        cv = None if self.cv_results_ is None else {
            k: (v if k == "params" else np.asarray(v).tolist())
            for k, v in self.cv_results_.items()}
        return {"params": self._saved_params(), "beta_": self.beta_, "cv_results": cv,
                "scaling": {"x_center": self.x_center_, "x_scale": self.x_scale_,
                            "y_center": self.y_center_, "y_scale": self.y_scale_}}

    def _restore_extra(self, body: dict) -> None:
        """Set what :meth:`_extra_payload` saved (a file without it was written before
        standardization: an absolute beta on the raw data)."""
        if "standardize" not in body["params"]:
            self.standardize = False
        self.cv = _cv_from_plain(self.cv)
        scaling = body.get("scaling", {})
        self.x_center_ = float(scaling.get("x_center", 0.0))
        self.x_scale_ = float(scaling.get("x_scale", 1.0))
        self.y_center_ = float(scaling.get("y_center", 0.0))
        self.y_scale_ = float(scaling.get("y_scale", 1.0))
        self.beta_ = float(body.get("beta_", self.beta))
        cv = body.get("cv_results")
        self.cv_results_ = None if cv is None else {
            k: (v if k == "params" else np.asarray(v)) for k, v in cv.items()}
        self.cv_path_ = None

    def save(self, path, *, force: bool = False) -> Path:
        """Write the fitted model as JSON (no pickle); refuses to overwrite without ``force``."""
        check_is_fitted(self, "result_")
        if not isinstance(self.random_state, (type(None), int, np.integer)):
            raise ValueError("only models with random_state=None or an int can be saved")
        path = Path(path)
        if path.exists() and not force:
            raise FileExistsError(f"{path} exists (use force=True to overwrite)")
        body = self._payload()
        body["sha256"] = model_digest(body)
        path.write_text(json.dumps(body, indent=1))
        return path

    @classmethod
    def load(cls, path):
        """Read a model written by :meth:`save`; a foreign, malformed or modified file is a
        ValueError.

        Loading costs O(units x training points): the file holds the active units (family
        kinds and codes), their coefficients, the bias and the standardization, and only those
        units are rebuilt (:func:`~library_of_mirrors.dictionary.build.from_units`), never
        the library they were chosen from.  The rebuilt model must reproduce the stored
        fitted values at the training points within a relative tolerance of 1e-9 of their
        scale (the largest absolute fitted value): the same arithmetic in another order, or
        on another machine, may differ in the last bits; a model that differs more was
        written by another version of the library.

        The SHA-256 checksum detects corruption (a truncated or damaged file, an edit by
        mistake), not tampering: anyone can recompute it.  Load files you trust; loading
        never executes code from the file (JSON, no pickle), and the file is checked before
        anything is rebuilt (:mod:`.model_file`: size, schema, ranges, the cost of the
        rebuild), so a crafted file is a ValueError naming its bad field."""
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"no such file: {path}")
        body = read_json(path)
        if not isinstance(body, dict) or body.get("format") != cls._format():
            raise ValueError(f"{path.name} is not a {cls._format()} file")
        if body.get("version") != FORMAT_VERSION:
            raise ValueError(f"{path.name} has format version {body.get('version')!r}; this "
                             f"library reads version {FORMAT_VERSION}")
        digest = body.pop("sha256", None)
        if digest != model_digest(body):
            raise ValueError(f"{path.name} failed its checksum: the file was modified or "
                             f"truncated")
        check_body(path.name, body, issubclass(cls, ClassifierMixin))
        try:
            model = cls(**body["params"])
            validate(model.get_params(), cls._constraints)
            model._datafit()
        except (TypeError, ValueError) as e:
            raise ValueError(f"{path.name}: field 'params': {e}") from None
        try:
            model._restore_extra(body)
            x = np.asarray(body["x_train"], dtype=float)
            spec = lookup(model.activation, model.depth, model.architecture, model.leaky_slope)
            d = from_units(model._library_inputs(x), spec, body["unit_kinds"],
                           body["unit_codes"])
            z = np.asarray(body["coef"], dtype=float)
            r = body["result"]
            res = LassoResult(z=z, xi=float(body["xi"]), objective=float(r["objective"]),
                              gap=float(r["gap"]), n_iter=0, converged=True, loss=r["loss"],
                              beta=model.beta_, beta_tilde=model.beta_ * spec.beta_scale,
                              tol=model.tol, solver=r["solver"])
            # files without it say less, never more
            res.certificate = r.get("certificate", LIBRARY_ONLY)
            res.datafit = model._datafit()
            library = _SavedLibrary(int(body["n_library_features"]), bool(body["implicit"]))
            model._set_fitted(x, FittedNetwork(library, d, res, reconstruct(d, res)))
        except ValueError as e:  # a unit the library cannot rebuild
            raise ValueError(f"{path.name}: {e}") from None
        except (KeyError, TypeError, IndexError) as e:
            raise ValueError(f"{path.name} is malformed ({type(e).__name__}: {e})") from None
        model.n_features_in_ = 1
        stored = np.asarray(body["fitted"], dtype=float)
        rebuilt = model._decision(x)
        scale = float(np.max(np.abs(stored))) if stored.size else 0.0
        if stored.shape != rebuilt.shape or not np.all(
                np.abs(rebuilt - stored) <= LOAD_RTOL * scale):
            raise ValueError(f"{path.name}: the rebuilt model does not reproduce the stored "
                             f"fitted values within {LOAD_RTOL:g} of their scale (written by "
                             "another library version?)")
        return model


class _SavedLibrary:
    """What a loaded model knows of the library it was solved over: its size and kind."""

    def __init__(self, n_features: int, implicit: bool):
        self.n_features = n_features
        self.listed = not implicit


def model_digest(body: dict) -> str:
    """The SHA-256 of a model file's body (sorted keys): detects corruption, not tampering
    (anyone can recompute it)."""
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


class ConvexNetRegressor(RegressorMixin, ConvexNetBase):
    """A neural network on 1-D inputs, trained to its global optimum (Theorem 3.11).

    Parameters
    ----------
    activation : "relu", "leaky_relu", "abs", "sign" or "threshold".
    depth : network depth L (Table 3.1).
    architecture : "deep_narrow" or "symmetrized" (depth 3).
    beta : "auto" (default: chosen by cross-validation, see ``cv``) or the weight decay of the
        training problem (1.1): on standardized x and y with ``standardize=True``, on the raw
        data otherwise.  A string other than "auto" is refused, not converted.
    loss : "squared", "quantile", "absolute" or "huber" (D.24).
    quantile : tau in (0, 1) for ``loss="quantile"``.
    delta : Huber threshold, in the units of the problem solved (standardized y by default).
    leaky_slope : a- of "leaky_relu".
    n_features : sample this many features (section 4) instead of the full library.
    random_state : seed of the sampling and of the shuffled folds of an int ``cv`` (folds
        seeded with 0 when None, so a fit is reproducible).
    tol : relative duality-gap tolerance of the solver.
    standardize : standardize x and y by their training mean and standard deviation (weighted
        by ``sample_weight`` if given; the scale of a constant is 1) before building the
        library, so ``beta`` does not depend on the data's units; predictions and
        breakpoints are in the data's units.  False: solve on the raw data (absolute beta).
    cv : the folds of ``beta="auto"``: an int K >= 2 (K-fold split shuffled by
        ``random_state``), a scikit-learn splitter (``TimeSeriesSplit(3)`` for time-ordered
        data, ...) or an iterable of (train, test) index pairs (``check_cv``).
    n_betas, eps : the grid of ``beta="auto"``: ``n_betas`` betas, log-spaced, from beta_max
        of the training data (the smallest beta whose optimum is the constant fit) down to
        ``eps * beta_max``; while the least held-out loss lies at the grid's end, the grid
        goes on with the same step (two betas at a time) by up to
        :data:`EXTEND_DECADES` (3) decades more.
    selection : "min" (the beta of the least mean held-out loss) or "1se" (the largest beta
        whose mean held-out loss is within one standard error of that minimum: fewer
        neurons, about the same quality).

    With ``beta="auto"``, every fold standardizes its own training part, builds its library
    and solves the warm-started Lasso path (1.2) over the grid
    (:func:`~library_of_mirrors.model_selection.cross_validate_path`); the held-out score is
    the loss's own (mean squared error, mean pinball loss, ...) in the data's units; then the
    model is refit on all data at the chosen beta.  A chosen beta at the small end of the
    continued grid warns (pass a smaller ``eps``).

    Attributes
    ----------
    beta_ : the beta of the fit (the chosen one with ``beta="auto"``, else ``beta``).
    cv_results_ : with ``beta="auto"``, the cross-validation as a dict of arrays in
        scikit-learn's style, one entry per beta of the grid (decreasing): ``beta``,
        ``params``, ``mean_test_loss``, ``std_test_loss``, ``se_test_loss``,
        ``split{k}_test_loss``, ``mean_test_score`` (= -mean_test_loss), ``std_test_score``,
        ``split{k}_test_score``, ``rank_test_score``, ``n_active`` (mean over the folds),
        ``max_gap``; None for a given beta (or constant targets, which have no grid).
    cv_path_ : the :class:`~library_of_mirrors.model_selection.CVPath` behind
        ``cv_results_`` (None when not cross-validated, and after :meth:`load`).
    x_center_, x_scale_, y_center_, y_scale_ : the standardization (0 and 1 without).
    dictionary_ : the columns of the solution's library (for a library too large to list:
        the columns the solver materialized, see ``implicit_``), on standardized inputs.
    n_library_features_ : features of the full library (candidate units of an implicit one).
    implicit_ : True when the full library exceeded the candidate limit and was priced by
        structure (:class:`~library_of_mirrors.dictionary.ImplicitDictionary`).
    result_ : the certified LassoResult of the problem solved (standardized unless
        ``standardize=False``; ``result_.gap`` bounds the suboptimality, ``result_.beta`` is
        ``beta_``).
    network_ : the optimal ParallelNetwork (Definition B.3) of the problem solved: it maps
        standardized x to standardized y (``predict`` maps back); ``network_.to_standard()``.
    breakpoints_ : the fitted function's breakpoints with provenance (data point, reflection,
        midpoint, ...), sorted, their ``position`` and ``points`` in the data's units.
    n_neurons_ : number of parallel units with nonzero output weight.
    n_features_in_ : 1.
    """

    _constraints = ConvexNetBase._constraints | {
        "loss": Options(*REGRESSION_LOSSES),
        "quantile": Optional(PROBABILITY),
        "delta": POSITIVE,
    }

    def __init__(self, activation: str = "relu", depth: int = 2,
                 architecture: str = "deep_narrow", beta: float | str = "auto",
                 loss: str = "squared", quantile: float | None = None, delta: float = 1.0,
                 leaky_slope: float | None = None, n_features: int | None = None,
                 random_state=None, tol: float = 1e-8, standardize: bool = True, cv=5,
                 n_betas: int = 20, eps: float = 1e-4, selection: str = "min"):
        self.activation = activation
        self.depth = depth
        self.architecture = architecture
        self.beta = beta
        self.loss = loss
        self.quantile = quantile
        self.delta = delta
        self.leaky_slope = leaky_slope
        self.n_features = n_features
        self.random_state = random_state
        self.tol = tol
        self.standardize = standardize
        self.cv = cv
        self.n_betas = n_betas
        self.eps = eps
        self.selection = selection

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.regressor_tags.poor_score = True  # scikit-learn's check data have many columns
        return tags

    def _loss_params(self) -> dict:
        return {"loss": self.loss,
                "quantile": self.quantile if self.loss == "quantile" else None,
                "delta": self.delta if self.loss == "huber" else None}

    def fit(self, X, y, sample_weight=None) -> ConvexNetRegressor:
        """Solve the convex problem for (X, y) and rebuild the optimal network."""
        X, y = validate_data(self, _as_column(X), y, y_numeric=True)
        return self._fit(X, y, sample_weight)

    def predict(self, X) -> np.ndarray:
        """The optimal network's output at X (the feature sum, exact anywhere)."""
        return self._decision(X)


class ConvexNetClassifier(ClassifierMixin, ConvexNetBase):
    """A binary classifier on 1-D inputs: the network trained to its global optimum under the
    logistic loss (D.24 with ``log(1 + exp(-s f(x)))``, labels s = +-1), its output the
    log-odds of the second class.

    Parameters: as :class:`ConvexNetRegressor` (without the loss options); ``standardize``
    standardizes x only (the labels are +-1), and an int ``cv`` draws shuffled stratified folds
    (``StratifiedKFold``); the held-out score of ``beta="auto"`` is the mean log-loss.

    Attributes: as :class:`ConvexNetRegressor` (``y_center_`` = 0, ``y_scale_`` = 1), and
    ``classes_`` (the two labels, sorted; the network's positive output favours
    ``classes_[1]``).
    """

    def __init__(self, activation: str = "relu", depth: int = 2,
                 architecture: str = "deep_narrow", beta: float | str = "auto",
                 leaky_slope: float | None = None, n_features: int | None = None,
                 random_state=None, tol: float = 1e-8, standardize: bool = True, cv=5,
                 n_betas: int = 20, eps: float = 1e-4, selection: str = "min"):
        self.activation = activation
        self.depth = depth
        self.architecture = architecture
        self.beta = beta
        self.leaky_slope = leaky_slope
        self.n_features = n_features
        self.random_state = random_state
        self.tol = tol
        self.standardize = standardize
        self.cv = cv
        self.n_betas = n_betas
        self.eps = eps
        self.selection = selection

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        tags.classifier_tags.poor_score = True  # scikit-learn's check data have many columns
        return tags

    def _loss_params(self) -> dict:
        return {"loss": "logistic"}

    def fit(self, X, y, sample_weight=None) -> ConvexNetClassifier:
        """Solve the logistic convex problem for (X, y) and rebuild the optimal network."""
        X, y = validate_data(self, _as_column(X), y)
        check_classification_targets(y)
        kind = type_of_target(y, input_name="y", raise_unknown=True)
        if kind != "binary":
            raise ValueError(f"Only binary classification is supported. The type of the target "
                             f"is {kind} ({np.unique(y).shape[0]} classes); "
                             "ConvexNetClassifier needs exactly 2")
        self.classes_ = np.unique(y)
        if self.classes_.shape[0] < 2:
            raise ValueError(f"y holds one class only ({self.classes_[0]!r}); a classifier "
                             "needs examples of 2 classes")
        s = np.where(y == self.classes_[1], 1.0, -1.0)
        return self._fit(X, s, sample_weight)

    def decision_function(self, X) -> np.ndarray:
        """The network's output: the log-odds of ``classes_[1]``."""
        return self._decision(X)

    def predict_proba(self, X) -> np.ndarray:
        p = expit(self._decision(X))
        return np.column_stack([1.0 - p, p])

    def predict(self, X) -> np.ndarray:
        f = self._decision(X)
        return self.classes_[(f > 0).astype(int)]

    def objective(self, X, y) -> float:
        """The training objective (1.1) under the logistic loss (labels as given to ``fit``)."""
        check_is_fitted(self, "result_")
        s = np.where(np.asarray(y) == self.classes_[1], 1.0, -1.0)
        return super().objective(X, s)

    def _extra_payload(self) -> dict:
        return super()._extra_payload() | {"classes": self.classes_.tolist()}

    def _restore_extra(self, body: dict) -> None:
        super()._restore_extra(body)
        self.classes_ = np.asarray(body["classes"])


__all__ = ["CLASSIFIER_EXPECTED_FAILED_CHECKS", "ConvexNetClassifier", "ConvexNetRegressor",
           "EXPECTED_FAILED_CHECKS", "model_digest"]
