"""scikit-learn estimators: neural networks on 1-D inputs, trained to their global optimum.

``ConvexNetRegressor`` (squared, quantile, absolute, Huber loss) and ``ConvexNetClassifier``
(binary, logistic loss) build the library of Table 3.1 for the training inputs, solve the convex
problem (1.2) / (D.24) with a certificate and rebuild the optimal network (Definition B.3):
its training objective (1.1) under the same loss is the convex optimum (Theorem 3.11), so no
network of the architecture with weight decay ``beta`` fits better.

Inputs are 1-D: ``X`` of shape (n,) or (n, 1); more columns are an error (use one model per
input, or the additive ``ARForecaster`` for lags).  Models save to JSON (no pickle) with a
checksum; loading rebuilds only the network's own units from their codes and verifies the
predictions at the training points.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_is_fitted, validate_data

from ..activations import ACTIVATION_NAMES
from ..architectures import ARCHITECTURE_NAMES, lookup
from ..dictionary.build import from_units
from ..reconstruct import reconstruct
from ..solvers.datafits import REGRESSION_LOSSES, Logistic, get_datafit
from ..solvers.result import LassoResult
from ..validation import (
    POSITIVE,
    PROBABILITY,
    Anything,
    Integer,
    Optional,
    Options,
    Real,
    validate,
)
from .network import NETWORK_PARAMS, FittedNetwork, fit_network

FORMAT_VERSION = 2

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


class ConvexNetBase(BaseEstimator):
    """What the regressor and the classifier share: parameters and their constraints, the fit
    through :func:`~.network.fit_network`, the fitted attributes and JSON persistence."""

    _constraints = {
        "activation": Options(*ACTIVATION_NAMES),
        "depth": Integer(2),
        "architecture": Options(*ARCHITECTURE_NAMES),
        "beta": POSITIVE,
        "leaky_slope": Optional(Real()),
        "n_features": Optional(Integer(1)),
        "random_state": Anything(),
        "tol": POSITIVE,
    }

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        return tags

    # fitting -----------------------------------------------------------------------------
    def _datafit(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def _fit(self, X, y, sample_weight=None):
        params = validate(self.get_params(), self._constraints)
        lookup(params["activation"], params["depth"], params["architecture"],
               params["leaky_slope"])
        datafit = self._datafit()
        x = _one_column(X)
        fit = fit_network(x, y, {k: params[k] for k in NETWORK_PARAMS}, datafit,
                          params["beta"], params["tol"], sample_weight=sample_weight)
        self._set_fitted(x, fit)
        return self

    def _set_fitted(self, x: np.ndarray, fit: FittedNetwork) -> None:
        self.fit_ = fit
        self.implicit_ = fit.implicit
        self.n_library_features_ = fit.n_library_features
        self.dictionary_ = fit.dictionary
        self.result_ = fit.result
        self.network_ = fit.network
        self.n_neurons_ = fit.n_neurons
        self.breakpoints_ = [b for _, b in fit.breakpoints()]
        self._x_train = x

    def _decision(self, X) -> np.ndarray:
        check_is_fitted(self, "result_")
        x = _one_column(validate_data(self, _as_column(X), reset=False))
        return self.fit_.decision(x)

    def objective(self, X, y) -> float:
        """The training objective (1.1) of ``network_`` on (X, y) at ``beta`` under the
        model's loss: equal to ``result_.objective`` (the certified optimum)."""
        check_is_fitted(self, "result_")
        x = _one_column(validate_data(self, _as_column(X), reset=False))
        return self.network_.objective(x, y, self.beta, loss=self.result_.datafit)

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
                       "loss": res.loss, "solver": res.solver},
            **self._extra_payload(),
        }

    def _extra_payload(self) -> dict:
        return {}

    def _restore_extra(self, body: dict) -> None:
        pass

    def save(self, path, *, force: bool = False) -> Path:
        """Write the fitted model as JSON (no pickle); refuses to overwrite without ``force``."""
        check_is_fitted(self, "result_")
        if not isinstance(self.random_state, (type(None), int, np.integer)):
            raise ValueError("only models with random_state=None or an int can be saved")
        path = Path(path)
        if path.exists() and not force:
            raise FileExistsError(f"{path} exists (use force=True to overwrite)")
        body = self._payload()
        body["sha256"] = _digest(body)
        path.write_text(json.dumps(body, indent=1))
        return path

    @classmethod
    def load(cls, path):
        """Read a model written by :meth:`save`; a foreign, malformed or modified file is a
        ValueError, and the rebuilt model must reproduce the stored fitted values exactly.
        Only the network's own units are rebuilt (never the whole library)."""
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"no such file: {path}")
        try:
            body = json.loads(path.read_text())
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise ValueError(f"{path.name} is not a JSON model file ({e})") from None
        if not isinstance(body, dict) or body.get("format") != cls._format():
            raise ValueError(f"{path.name} is not a {cls._format()} file")
        if body.get("version") != FORMAT_VERSION:
            raise ValueError(f"{path.name} has format version {body.get('version')!r}; this "
                             f"library reads version {FORMAT_VERSION}")
        digest = body.pop("sha256", None)
        if digest != _digest(body):
            raise ValueError(f"{path.name} failed its checksum: the file was modified or "
                             f"truncated")
        try:
            model = cls(**body["params"])
            x = np.asarray(body["x_train"], dtype=float)
            spec = lookup(model.activation, model.depth, model.architecture, model.leaky_slope)
            d = from_units(x, spec, body["unit_kinds"], body["unit_codes"])
            z = np.asarray(body["coef"], dtype=float)
            r = body["result"]
            res = LassoResult(z=z, xi=float(body["xi"]), objective=float(r["objective"]),
                              gap=float(r["gap"]), n_iter=0, converged=True, loss=r["loss"],
                              beta=model.beta, beta_tilde=model.beta * spec.beta_scale,
                              tol=model.tol, solver=r["solver"])
            res.datafit = model._datafit()
            model._restore_extra(body)
            library = _SavedLibrary(int(body["n_library_features"]), bool(body["implicit"]))
            model._set_fitted(x, FittedNetwork(library, d, res, reconstruct(d, res)))
        except (KeyError, TypeError, IndexError) as e:
            raise ValueError(f"{path.name} is malformed ({type(e).__name__}: {e})") from None
        model.n_features_in_ = 1
        if not np.array_equal(model._decision(x), np.asarray(body["fitted"], dtype=float)):
            raise ValueError(f"{path.name}: the rebuilt model does not reproduce the stored "
                             f"fitted values (written by another library version?)")
        return model


class _SavedLibrary:
    """What a loaded model knows of the library it was solved over: its size and kind."""

    def __init__(self, n_features: int, implicit: bool):
        self.n_features = n_features
        self.listed = not implicit


def _digest(body: dict) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


class ConvexNetRegressor(RegressorMixin, ConvexNetBase):
    """A neural network on 1-D inputs, trained to its global optimum (Theorem 3.11).

    Parameters
    ----------
    activation : "relu", "leaky_relu", "abs", "sign" or "threshold".
    depth : network depth L (Table 3.1).
    architecture : "deep_narrow" or "symmetrized" (depth 3).
    beta : weight decay of the training problem (1.1).
    loss : "squared", "quantile", "absolute" or "huber" (D.24).
    quantile : tau in (0, 1) for ``loss="quantile"``.
    delta : Huber threshold.
    leaky_slope : a- of "leaky_relu".
    n_features : sample this many features (section 4) instead of the full library.
    random_state : seed of the sampling.
    tol : relative duality-gap tolerance of the solver.

    Attributes
    ----------
    dictionary_ : the columns of the solution's library (for a library too large to list:
        the columns the solver materialized, see ``implicit_``).
    n_library_features_ : features of the full library (candidate units of an implicit one).
    implicit_ : True when the full library exceeded the candidate limit and was priced by
        structure (:class:`~library_of_mirrors.dictionary.ImplicitDictionary`).
    result_ : the certified LassoResult (``result_.gap`` bounds the suboptimality).
    network_ : the optimal ParallelNetwork (Definition B.3); ``network_.to_standard()``.
    breakpoints_ : the fitted function's breakpoints with provenance (data point, reflection,
        midpoint, ...), sorted by position.
    n_neurons_ : number of parallel units with nonzero output weight.
    n_features_in_ : 1.
    """

    _constraints = ConvexNetBase._constraints | {
        "loss": Options(*REGRESSION_LOSSES),
        "quantile": Optional(PROBABILITY),
        "delta": POSITIVE,
    }

    def __init__(self, activation: str = "relu", depth: int = 2,
                 architecture: str = "deep_narrow", beta: float = 1e-3, loss: str = "squared",
                 quantile: float | None = None, delta: float = 1.0,
                 leaky_slope: float | None = None, n_features: int | None = None,
                 random_state=None, tol: float = 1e-8):
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

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.regressor_tags.poor_score = True  # scikit-learn's check data have many columns
        return tags

    def _datafit(self):
        return get_datafit(self.loss, self.quantile if self.loss == "quantile" else None,
                           self.delta if self.loss == "huber" else None)

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

    Parameters: as :class:`ConvexNetRegressor` (without the loss options).

    Attributes: as :class:`ConvexNetRegressor`, and ``classes_`` (the two labels, sorted; the
    network's positive output favours ``classes_[1]``).
    """

    def __init__(self, activation: str = "relu", depth: int = 2,
                 architecture: str = "deep_narrow", beta: float = 1e-3,
                 leaky_slope: float | None = None, n_features: int | None = None,
                 random_state=None, tol: float = 1e-8):
        self.activation = activation
        self.depth = depth
        self.architecture = architecture
        self.beta = beta
        self.leaky_slope = leaky_slope
        self.n_features = n_features
        self.random_state = random_state
        self.tol = tol

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        tags.classifier_tags.poor_score = True  # scikit-learn's check data have many columns
        return tags

    def _datafit(self):
        return Logistic()

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
        return {"classes": self.classes_.tolist()}

    def _restore_extra(self, body: dict) -> None:
        self.classes_ = np.asarray(body["classes"])


__all__ = ["CLASSIFIER_EXPECTED_FAILED_CHECKS", "ConvexNetClassifier", "ConvexNetRegressor",
           "EXPECTED_FAILED_CHECKS"]
