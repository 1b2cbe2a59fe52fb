"""scikit-learn estimator: a neural network trained to its global optimum on 1-D inputs.

``ConvexNetRegressor`` builds the dictionary of Table 3.1 for the training inputs, solves the
Lasso (1.2) (or the quantile / Huber / absolute version, D.24) with a certificate, and rebuilds
the optimal network (Definition B.3).  Its training objective (1.1) is the Lasso optimum
(Theorem 3.11): no network of the architecture with weight decay ``beta`` fits better.

Inputs are 1-D: ``X`` of shape (n,) or (n, 1); more columns are an error (use one model per
input, or the additive ``ARForecaster`` for lags).  Models save to JSON (no pickle) with a
checksum; loading verifies the file and the predictions at the training points.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from .dictionary import build_dictionary
from .reconstruct import reconstruct
from .solvers import solve_lasso
from .solvers.result import LassoResult

FORMAT = "library_of_mirrors.ConvexNetRegressor"
FORMAT_VERSION = 1

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


def _as_column(X):
    """(n,) -> (n, 1); everything else is left to scikit-learn's validation."""
    if hasattr(X, "toarray") or hasattr(X, "tocsr"):
        return X
    return np.asarray(X).reshape(-1, 1) if np.ndim(X) == 1 else X


def _one_column(X: np.ndarray, name: str = "X") -> np.ndarray:
    if X.shape[1] != 1:
        raise ValueError(f"{name} must have shape (n,) or (n, 1) (one input feature), got "
                         f"{X.shape[1]} columns; use one model per input column")
    return X[:, 0]


class ConvexNetRegressor(RegressorMixin, BaseEstimator):
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
    dictionary_ : the Dictionary of the training inputs (for a library too large to list:
        the columns the solver materialized, see ``implicit_``).
    n_library_features_ : features of the full library (candidate units of an implicit one).
    implicit_ : True when the full library exceeded the candidate limit and was priced by
        structure (:class:`~library_of_mirrors.dictionary.ImplicitDictionary`, squared loss).
    result_ : the certified LassoResult (``result_.gap`` bounds the suboptimality).
    network_ : the optimal ParallelNetwork (Definition B.3); ``network_.to_standard()``.
    breakpoints_ : the fitted function's breakpoints with provenance (data point, reflection,
        midpoint, ...), sorted by position.
    n_neurons_ : number of parallel units with nonzero output weight.
    n_features_in_ : 1.
    """

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
        tags.input_tags.sparse = False
        tags.regressor_tags.poor_score = True  # scikit-learn's check data have many columns
        return tags

    # fitting -----------------------------------------------------------------------------
    def fit(self, X, y, sample_weight=None) -> ConvexNetRegressor:
        """Solve the Lasso for (X, y) and rebuild the optimal network."""
        X, y = validate_data(self, _as_column(X), y, y_numeric=True)
        x = _one_column(X)
        d = build_dictionary(x, self.activation, self.depth, self.architecture,
                             leaky_slope=self.leaky_slope, n_features=self.n_features,
                             random_state=self.random_state,
                             implicit="auto" if self.loss == "squared" else False)
        res = solve_lasso(d, y, self.beta, self.loss, self.quantile, self.tol,
                          sample_weight=sample_weight, delta=self.delta)
        self._set_fitted(x, d, res)
        return self

    def _set_fitted(self, x, d, res) -> None:
        self.implicit_ = bool(getattr(d, "implicit", False))
        self.n_library_features_ = int(d.n_features)
        if self.implicit_:
            d = res.dictionary
        self.dictionary_ = d
        self.result_ = res
        self.network_ = reconstruct(d, res)
        self.n_neurons_ = int(res.active.shape[0])
        self._x_train = x
        self._active = d.batch.subset(res.active)
        self._coef = res.z[res.active]
        seen, bps = set(), []
        for j in res.active:
            for b in d.features[int(j)].provenance:
                key = (round(b.position, 12), b.formula)
                if key not in seen:
                    seen.add(key)
                    bps.append(b)
        self.breakpoints_ = sorted(bps, key=lambda b: b.position)

    def predict(self, X) -> np.ndarray:
        """The optimal network's output at X (the feature sum, exact anywhere)."""
        check_is_fitted(self, "result_")
        x = _one_column(validate_data(self, _as_column(X), reset=False))
        return self._active.evaluate(x) @ self._coef + self.result_.xi

    def objective(self, X, y) -> float:
        """The training objective (1.1) of ``network_`` on (X, y) at ``beta`` (squared loss)."""
        check_is_fitted(self, "result_")
        x = _one_column(validate_data(self, _as_column(X), reset=False))
        return self.network_.objective(x, y, self.beta)

    # persistence ---------------------------------------------------------------------------
    def _payload(self) -> dict:
        res = self.result_
        return {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "params": {k: (int(v) if isinstance(v, np.integer) else v)
                       for k, v in self.get_params().items()},
            "x_train": self._x_train.tolist(),
            "n_dictionary_features": self.n_library_features_,
            "implicit": self.implicit_,
            # an implicit library's units are stored by code (the library itself is never listed)
            "active": (res.codes[res.active] if self.implicit_ else res.active).tolist(),
            "coef": self._coef.tolist(),
            "xi": float(res.xi),
            "fitted": self.predict(self._x_train).tolist(),
            "result": {"objective": float(res.objective), "gap": float(res.gap),
                       "loss": res.loss, "solver": res.solver},
        }

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
    def load(cls, path) -> ConvexNetRegressor:
        """Read a model written by :meth:`save`; a foreign, malformed or modified file is a
        ValueError, and the rebuilt model must reproduce the stored fitted values exactly."""
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"no such file: {path}")
        try:
            body = json.loads(path.read_text())
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise ValueError(f"{path.name} is not a JSON model file ({e})") from None
        if not isinstance(body, dict) or body.get("format") != FORMAT:
            raise ValueError(f"{path.name} is not a {FORMAT} file")
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
            implicit = bool(body.get("implicit", False))
            d = build_dictionary(x, model.activation, model.depth, model.architecture,
                                 leaky_slope=model.leaky_slope, n_features=model.n_features,
                                 random_state=model.random_state, implicit=implicit)
            if d.n_features != body["n_dictionary_features"]:
                raise ValueError("the dictionary rebuilt differently")
            active = np.asarray(body["active"], dtype=np.int64)
            pool = d.materialize(active) if implicit else None
            z = np.zeros(active.shape[0] if implicit else d.n_features)
            z[np.arange(active.shape[0]) if implicit else active] = body["coef"]
            r = body["result"]
            res = LassoResult(z=z, xi=float(body["xi"]), objective=float(r["objective"]),
                              gap=float(r["gap"]), n_iter=0, converged=True, loss=r["loss"],
                              beta=model.beta, beta_tilde=model.beta * d.beta_scale,
                              tol=model.tol, solver=r["solver"], dictionary=pool,
                              codes=active if implicit else None)
        except (KeyError, TypeError, IndexError) as e:
            raise ValueError(f"{path.name} is malformed ({type(e).__name__}: {e})") from None
        model._set_fitted(x, d, res)
        model.n_features_in_ = 1
        if not np.array_equal(model.predict(x), np.asarray(body["fitted"], dtype=float)):
            raise ValueError(f"{path.name}: the rebuilt model does not reproduce the stored "
                             f"fitted values (written by another library version?)")
        return model


def _digest(body: dict) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


__all__ = ["ConvexNetRegressor", "EXPECTED_FAILED_CHECKS"]
