"""Choosing beta: the regularization path of (1.2) cross-validated over K folds.

Each fold is one task of the batch (:mod:`.executors`): the library is built on the fold's
training points (the dictionary depends on the data, so every fold has its own), the Lasso
path is solved over one common grid of beta with warm starts (:func:`lasso_path`, Appendix
E: the optimal fit is continuous in beta), and the held-out loss is measured at every beta.
Folds are drawn here, once (a K-fold split shuffled by ``random_state``, or any scikit-learn
splitter or list of (train, test) pairs), so the numbers do not depend on the executor.

With ``standardize=True`` every fold standardizes its own training inputs (and targets) by
their mean and standard deviation before building its library, as the estimators do on the
whole data (:class:`~library_of_mirrors.models.ConvexNetRegressor`): the grid's betas are
then the weight decays of (1.1) on standardized data, and a fold's held-out loss is the one
of the estimator fitted at that beta on the fold (in the data's units).
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field, replace

import numpy as np
from sklearn.model_selection import KFold, StratifiedKFold, check_cv

from .architectures import lookup
from .dictionary import build_dictionary
from .dictionary.build import as_1d_data
from .executors import run_batch
from .solvers import beta_max, get_datafit, solve_lasso
from .validation import (
    POSITIVE,
    POSITIVE_INT,
    Boolean,
    Integer,
    Real,
    check_betas,
    check_sample_weight,
    check_vector,
    validate,
)

#: the declarative constraints of :func:`cross_validate_path`'s numeric parameters
_CONSTRAINTS = {"n_folds": Integer(2), "n_betas": POSITIVE_INT, "eps": Real(0.0, 1.0),
                "tol": POSITIVE, "standardize": Boolean(),
                "extend": Real(0.0, 12.0, closed=("low", "high"))}

#: held-out losses are reported in y's units, spread ** k: beyond 10^(+-280) they would
#: overflow or lose their digits to underflow (and with them the choice of beta)
_LOSS_UNIT_DECADES = 280.0


def standardization(v, sample_weight=None) -> tuple[float, float]:
    """(center, scale) of ``v``: its mean and standard deviation (weighted by
    ``sample_weight`` if given); the scale of a constant ``v`` is 1."""
    v = np.asarray(v, dtype=float).reshape(-1)
    # in units of the largest magnitude, so values near 1e300 neither overflow nor underflow
    big = float(np.max(np.abs(v))) if v.size else 0.0
    big = big if big > 0 else 1.0
    center = big * float(np.average(v / big, weights=sample_weight))
    spread = float(np.max(np.abs(v - center))) if v.size else 0.0
    spread = spread if spread > 0 else 1.0
    scale = spread * float(np.sqrt(np.average(((v - center) / spread) ** 2,
                                              weights=sample_weight)))
    tiny = 10 * np.finfo(float).eps * big  # constant up to rounding, at any magnitude
    return center, (scale if scale > tiny else 1.0)


def _warm_path(d, y, betas, solve: dict, sample_weight, warm=None) -> list:
    """Solutions over ``betas`` (decreasing), each warm-started from the previous one (the
    first from ``warm``, a result of a larger beta, if given); over an implicit library each
    result holds its own columns."""
    out = []
    for b in betas:
        warm = solve_lasso(d, y, b, warm_start=warm, sample_weight=sample_weight, **solve)
        out.append(warm)
    return out


def _fold_task(fold: tuple, *, x: np.ndarray, y: np.ndarray,
               w: np.ndarray | None, betas: np.ndarray, build: dict, solve: dict,
               standardize: bool) -> dict:
    """One fold ``(train, test)`` or ``(train, test, warm)``: library on the training part
    (standardized by its own statistics if ``standardize``), warm-started path (from
    ``warm``, the fold's last result of a larger beta, if given), held-out loss per beta (the
    datafit's own score: the mean of its loss over the held-out samples, in the data's
    units)."""
    train, test = fold[0], fold[1]
    warm = fold[2] if len(fold) > 2 else None
    w_train = None if w is None else w[train]
    w_test = None if w is None else w[test]
    datafit = get_datafit(solve["loss"], solve.get("quantile"), solve.get("delta"))
    scales_y = standardize and datafit.output == "value"
    xc, xs = standardization(x[train], w_train) if standardize else (0.0, 1.0)
    yc, ys = standardization(y[train], w_train) if scales_y else (0.0, 1.0)
    d = build_dictionary((x[train] - xc) / xs, implicit="auto", **build)
    results = _warm_path(d, (y[train] - yc) / ys, betas, solve, w_train, warm)
    # loss(s y, s u) = s^k loss(y, u) (Datafit.homogeneity): a held-out loss on standardized
    # targets times scale^k is the loss in the data's units
    k = (datafit.homogeneity or 0) if scales_y else 0
    x_test, y_test = (x[test] - xc) / xs, (y[test] - yc) / ys
    log_unit = k * np.log10(ys)  # the losses' unit in y's units: spread ** k
    if abs(log_unit) > _LOSS_UNIT_DECADES:
        raise ValueError(f"the held-out {datafit.name} losses in y's units would "
                         f"{'overflow' if log_unit > 0 else 'underflow'} (y's spread is "
                         f"{ys:.3g} and the loss grows like its power {k}): rescale y before "
                         "cross-validating, or pass a beta")
    errors = [datafit.score(y_test, r.predict(d, x_test), sample_weight=w_test) * ys ** k
              for r in results]
    return {"errors": np.array(errors), "gaps": np.array([r.gap for r in results]),
            "n_active": np.array([r.active.shape[0] for r in results]),
            "converged": np.array([r.converged for r in results]),
            "n_features": int(d.n_features), "last": results[-1]}


@dataclass
class CVPath:
    """Held-out losses of the Lasso path over K folds.

    ``errors[k, j]``: mean held-out loss of fold k at ``betas[j]`` (the datafit's score, named
    by ``score``; betas decreasing); ``mean`` / ``std`` / ``se`` over the folds (standard
    error = std (ddof 1) / sqrt(K)); ``best_beta`` minimizes the mean, ``beta_1se`` is the
    largest beta whose mean is within one standard error of that minimum (the sparser network
    of about the same quality).  ``folds`` holds the test indices of each fold, ``train`` the
    training ones; ``standardized``: the betas are those of standardized data (each fold
    standardized by its own training statistics)."""

    betas: np.ndarray
    errors: np.ndarray
    gaps: np.ndarray
    n_active: np.ndarray
    converged: np.ndarray
    folds: list[np.ndarray]
    n_features: np.ndarray
    loss: str
    score: str
    standardized: bool = False
    train: list[np.ndarray] = field(default_factory=list)

    def extend(self, more: CVPath) -> CVPath:
        """This path followed by ``more``: the same folds over smaller betas (the
        estimators continue a grid whose least held-out loss lies at its end)."""
        if not (len(more.folds) == len(self.folds) and all(
                np.array_equal(a, b) for a, b in zip(more.folds, self.folds))):
            raise ValueError("the paths to join were cross-validated over different folds")
        if more.betas.shape[0] and not more.betas[0] < self.betas[-1]:
            raise ValueError("the betas of the continuation must lie below the path's")
        join = {k: np.concatenate([getattr(self, k), getattr(more, k)], axis=-1)
                for k in ("betas", "errors", "gaps", "n_active", "converged")}
        return replace(self, **join)

    @property
    def n_splits(self) -> int:
        return int(self.errors.shape[0])

    @property
    def mean(self) -> np.ndarray:
        return self.errors.mean(axis=0)

    @property
    def std(self) -> np.ndarray:
        """Standard deviation of the held-out loss over the folds (ddof 0, as
        scikit-learn's ``std_test_score``)."""
        return self.errors.std(axis=0)

    @property
    def se(self) -> np.ndarray:
        k = self.errors.shape[0]
        return self.errors.std(axis=0, ddof=1) / np.sqrt(k) if k > 1 else \
            np.zeros(self.errors.shape[1])

    @property
    def best_index(self) -> int:
        return int(np.argmin(self.mean))

    @property
    def best_beta(self) -> float:
        return float(self.betas[self.best_index])

    @property
    def index_1se(self) -> int:
        i = self.best_index
        return int(np.flatnonzero(self.mean <= self.mean[i] + self.se[i]).min())

    @property
    def beta_1se(self) -> float:
        return float(self.betas[self.index_1se])  # betas decrease: the first is the largest

    def rows(self) -> list[dict]:
        """One row per beta: mean and standard error of the held-out loss, mean active
        units, the largest certified gap over the folds."""
        return [{"beta": float(b), "mean": float(m), "se": float(s),
                 "n_active": float(a), "max_gap": float(g)}
                for b, m, s, a, g in zip(self.betas, self.mean, self.se,
                                         self.n_active.mean(axis=0), self.gaps.max(axis=0))]

    def cv_results(self) -> dict[str, np.ndarray]:
        """The path as scikit-learn's ``cv_results_`` (one entry per beta, betas decreasing):
        ``beta``, ``params``; the held-out loss ``mean_test_loss``, ``std_test_loss``,
        ``se_test_loss``, ``split{k}_test_loss``; scikit-learn's greater-is-better
        ``mean_test_score`` = -mean_test_loss (with ``std_test_score``,
        ``split{k}_test_score``, ``rank_test_score``); ``n_active`` (mean active units over
        the folds) and ``max_gap`` (the largest certified duality gap over the folds)."""
        from scipy.stats import rankdata  # noqa: PLC0415

        out: dict[str, np.ndarray] = {"beta": self.betas.copy(),
                                      "params": [{"beta": float(b)} for b in self.betas]}
        for k, e in enumerate(self.errors):
            out[f"split{k}_test_loss"] = e.copy()
        out |= {"mean_test_loss": self.mean, "std_test_loss": self.std,
                "se_test_loss": self.se}
        for k, e in enumerate(self.errors):
            out[f"split{k}_test_score"] = -e
        out |= {"mean_test_score": -self.mean, "std_test_score": self.std,
                "rank_test_score": rankdata(self.mean, method="min").astype(np.int32),
                "n_active": self.n_active.mean(axis=0), "max_gap": self.gaps.max(axis=0)}
        return out

    def table(self) -> str:
        head = f"{'beta':>12}{self.score + ' (mean +- se)':>34}{'units':>8}{'max gap':>11}"
        lines = ["beta: weight decay of (1.1) on standardized data"] if self.standardized \
            else []
        lines.append(head)
        for r in self.rows():
            mark = " <- best" if r["beta"] == self.best_beta else (
                " <- 1-se" if r["beta"] == self.beta_1se else "")
            lines.append(f"{r['beta']:>12.4g}{r['mean']:>22.6g} +- {r['se']:<9.3g}"
                         f"{r['n_active']:>8.1f}{r['max_gap']:>11.2g}{mark}")
        return "\n".join(lines)


def kfolds(n: int, n_folds: int, random_state=0) -> list[tuple[np.ndarray, np.ndarray]]:
    """``n_folds`` (train, test) index pairs: a random permutation of range(n) cut into
    nearly equal test parts (sorted indices); the folds of scikit-learn's
    ``KFold(n_folds, shuffle=True, random_state=random_state)``."""
    return list(KFold(n_folds, shuffle=True, random_state=random_state).split(np.empty(n)))


def make_folds(cv, x: np.ndarray, y: np.ndarray, random_state=0, *,
               classifier: bool = False, name: str = "cv"
               ) -> list[tuple[np.ndarray, np.ndarray]]:
    """The (train, test) index pairs of ``cv``: an int K >= 2 (K folds of a shuffled split
    seeded by ``random_state``: ``KFold``, or ``StratifiedKFold`` for a classifier), a
    scikit-learn splitter (``TimeSeriesSplit(3)``, ``GroupKFold`` without groups excepted,
    ...) or an iterable of (train, test) pairs (scikit-learn's ``check_cv``)."""
    n = x.shape[0]
    if isinstance(cv, numbers.Integral) and not isinstance(cv, (bool, np.bool_)):
        k = Integer(2).check(cv, name)
        if k > n:
            raise ValueError(f"{name}={k} is more than the {n} samples")
        splitter = (StratifiedKFold if classifier else KFold)(
            k, shuffle=True, random_state=random_state)
    elif cv is None or isinstance(cv, (str, bool, np.bool_, float)):
        raise ValueError(f"{name} must be an integer >= 2, a scikit-learn splitter or an "
                         f"iterable of (train, test) index pairs, got {cv!r}")
    else:
        splitter = check_cv(cv, y, classifier=classifier)
    folds = []
    for train, test in splitter.split(x.reshape(-1, 1), y):
        train, test = np.asarray(train, dtype=np.intp), np.asarray(test, dtype=np.intp)
        if train.size == 0 or test.size == 0:
            raise ValueError(f"{name}: every split needs training and test samples")
        if min(train.min(), test.min()) < 0 or max(train.max(), test.max()) >= n:
            raise ValueError(f"{name}: split indices must lie in [0, {n})")
        folds.append((train, test))
    if not folds:
        raise ValueError(f"{name} gave no (train, test) split")
    return folds


def cross_validate_path(x, y, betas=None, *, activation: str = "relu", depth: int = 2,
                        architecture: str = "deep_narrow", leaky_slope: float | None = None,
                        n_features: int | None = None, n_folds: int = 5, cv=None,
                        n_betas: int = 30, eps: float = 1e-3, loss: str = "squared",
                        quantile: float | None = None, delta: float | None = None,
                        standardize: bool = False, sample_weight=None, random_state=0,
                        tol: float = 1e-8, extend: float = 0.0, executor="serial",
                        progress: bool = False) -> CVPath:
    """K-fold cross-validation of the regularization path of the network's Lasso (1.2).

    Parameters
    ----------
    x, y : 1-D training inputs and targets.
    betas : the grid of beta (of (1.1)); default ``n_betas`` values from ``beta_max`` of the
        whole data's library down to ``eps * beta_max`` (log-spaced; smooth losses only).
    activation, depth, architecture, leaky_slope, n_features : the network (as in
        :func:`build_dictionary`; ``n_features`` samples each fold's library with
        ``random_state``).  A fold's library too large to list is implicit (priced by
        structure) where the architecture allows it.
    n_folds : K >= 2 folds of a shuffled K-fold split (the int shorthand of ``cv``); every
        fold needs enough distinct training points for its library.
    cv : the folds instead of ``n_folds``: an int K, a scikit-learn splitter (e.g.
        ``TimeSeriesSplit(3)`` for time-ordered data: random folds over lag pairs would train
        on the future) or an iterable of (train, test) index pairs.
    loss, quantile, delta : the training loss; the held-out score is its mean over the
        held-out samples (the datafit's ``score``).
    standardize : each fold standardizes its training x (and y, except for the logistic
        loss) by their mean and standard deviation: the betas are those of standardized
        data (the estimators' convention), the held-out losses stay in the data's units
        (the Huber threshold ``delta`` is in standardized units).
    sample_weight : weights of the samples: the training part's weigh the fold's fit, the
        held-out part's its score.
    random_state : seeds the folds (and sampled libraries); results are a function of it.
    extend : while the least mean held-out loss lies at the grid's end, continue the grid
        with its last step (two betas at a time, every fold warm-started from its last
        solution) by up to ``extend`` decades below its smallest beta (0: never;
        the estimators' ``beta="auto"`` uses 3).  The path's ``betas`` are the grid actually
        run.
    executor : where the folds run: "serial", "processes", "dask", an
        :class:`~library_of_mirrors.executors.Executor` or a ``distributed.Client``.
    """
    checked = validate({"n_folds": n_folds, "n_betas": n_betas, "eps": eps, "tol": tol,
                        "standardize": standardize, "extend": extend}, _CONSTRAINTS)
    n_betas, eps, standardize = checked["n_betas"], checked["eps"], checked["standardize"]
    build = {"activation": activation, "depth": depth, "architecture": architecture,
             "leaky_slope": leaky_slope, "n_features": n_features,
             "random_state": random_state}
    datafit = get_datafit(loss, quantile, delta)
    lookup(activation, depth, architecture, leaky_slope)
    x = as_1d_data(x)
    y = check_vector(y, x.shape[0], "y", "x's")
    w = None if sample_weight is None else check_sample_weight(sample_weight, x.shape[0])
    scales_y = standardize and datafit.output == "value"
    xc, xs = standardization(x, w) if standardize else (0.0, 1.0)
    yc, ys = standardization(y, w) if scales_y else (0.0, 1.0)
    if betas is None:
        if datafit.grows_working_set:
            raise ValueError(f"pass betas explicitly for loss={loss!r}: the default grid is "
                             "relative to beta_max, exact for the smooth losses only")
        whole = build_dictionary((x - xc) / xs, implicit="auto", **build)
        bmax = beta_max(whole, (y - yc) / ys, loss=datafit, sample_weight=w)
        if bmax <= 0:
            raise ValueError("beta_max = 0: y is constant, every beta gives z = 0")
        betas = bmax * np.geomspace(1.0, eps, n_betas)
    betas = check_betas(betas)
    solve = {"loss": loss, "quantile": quantile, "delta": delta, "tol": tol}
    if delta is None:
        del solve["delta"]
    if cv is None:
        folds = make_folds(checked["n_folds"], x, y, random_state, name="n_folds")
    else:
        folds = make_folds(cv, x, y, random_state, classifier=datafit.name == "logistic")
    shared = {"x": x, "y": y, "w": w, "build": build, "solve": solve,
              "standardize": standardize}

    def run(items: list, grid: np.ndarray) -> tuple[list, CVPath]:
        out = run_batch(_fold_task, items, executor, desc="cross-validation folds",
                        progress=progress, shared=shared | {"betas": grid})
        return out, CVPath(grid, np.array([o["errors"] for o in out]),
                           np.array([o["gaps"] for o in out]),
                           np.array([o["n_active"] for o in out]),
                           np.array([o["converged"] for o in out]), [f[1] for f in folds],
                           np.array([o["n_features"] for o in out]), datafit.name,
                           datafit.score_name, standardize, [f[0] for f in folds])

    out, path = run(folds, betas)
    # the least mean held-out loss at the grid's end: continue with the grid's step, two betas
    # at a time (the small betas cost most), each fold warm-started from its last solution
    step = betas[-1] / betas[-2] if betas.shape[0] > 1 else 1.0
    floor = betas[-1] * 10.0 ** -checked["extend"]
    while path.best_index == path.betas.shape[0] - 1 and step < 1.0:
        more = path.betas[-1] * step ** np.arange(1, 3)
        more = more[more >= floor * (1 - 1e-12)]
        if more.shape[0] == 0:
            break
        out, tail = run([(tr, te, o["last"]) for (tr, te), o in zip(folds, out)], more)
        path = path.extend(tail)
    return path


__all__ = ["CVPath", "cross_validate_path", "kfolds", "make_folds", "standardization"]
