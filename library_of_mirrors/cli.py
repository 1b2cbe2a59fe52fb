"""The ``mirrors`` command.

* ``mirrors features``: build a dictionary of Table 3.1 and print its features with their
  breakpoints and provenance;
* ``mirrors fit``: fit an exact network (y on x, or the lag-1 map x_t = f(x_{t-1}) of a series)
  and write the model (JSON), its breakpoints (CSV) and a plot;
* ``mirrors predict``: evaluate a saved model;
* ``mirrors forecast``: fit the autoregressive forecaster and write the forecast with quantile
  bands (CSV, JSON, plot);
* ``mirrors cv``: K-fold cross-validation of the regularization path (CSV, plot);
* ``mirrors backtest``: rolling-origin backtest against the baselines (CSV, plot);
* ``mirrors demo``: all of it on the bundled sunspot series, in a fresh folder;
* ``mirrors figures``: every figure of the paper (PNG + the numbers behind it as JSON).

Data: a bundled series by name (``sunspots``, ``nile``) or a CSV file (``--column``,
``--date-column``).  Outputs never overwrite existing files without ``--force``.  Errors are
one line on stderr with exit code 2, never a traceback; progress bars go to stderr.  The
batch commands (``cv``, ``backtest``, ``figures``) take ``--executor serial|processes|dask``,
``--scheduler ADDRESS`` (a running Dask cluster) and ``--workers N`` (docs/scaling.md).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import sys
import threading
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from . import __version__
from .activations import ACTIVATION_NAMES
from .architectures import ARCHITECTURE_NAMES
from .dictionary import build_dictionary
from .dictionary.budget import use_memory_budget
from .executors import KINDS
from .models.network import show_progress
from .outputs import OutputFolder, output_file
from .solvers.datafits import REGRESSION_LOSSES
from .solvers.result import TRAINING_PROBLEM
from .timeseries.backtest import BASELINES, WINDOWS
from .timeseries.datasets import DATASETS, check_series, index_label, read_series
from .timeseries.forecaster import POINT_LOSSES


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's own usage errors: one line, exit 2
        sys.stderr.write(f"mirrors: error: {message}\n")
        raise SystemExit(2)


def _log(args, message: str) -> None:
    if not getattr(args, "quiet", False):
        print(message)


# ----------------------------------------------------------------------------------------------
# inputs


def _numbers(text: str, name: str) -> np.ndarray:
    try:
        return np.array([float(v) for v in text.split(",") if v.strip()])
    except ValueError:
        raise ValueError(f"{name} must be comma-separated numbers, got {text!r}") from None


def _column_arg(col):
    """A column given on the command line: a header name, or a 0-based position."""
    if col is None:
        return None
    return int(col) if col.lstrip("-").isdigit() else col


def _load(args, column=None) -> pd.Series:
    """The series ``args.data`` (a ``pd.Series``): a bundled name or a CSV path."""
    column = args.column if column is None else column
    if args.data in DATASETS and not Path(args.data).exists():
        s = DATASETS[args.data]()
        if column not in (None, s.name) or args.date_column is not None:
            raise ValueError(f"the bundled series {args.data!r} has one column and its own "
                             "dates; --x, --y, --column and --date-column apply to CSV files")
        return s
    if not Path(args.data).is_file():
        raise ValueError(f"no such file: {args.data} (or a bundled series: "
                         f"{', '.join(DATASETS)})")
    return read_series(args.data, _column_arg(column), _column_arg(args.date_column))


def _read_points(args) -> np.ndarray:
    if args.x is not None:
        return _numbers(args.x, "--x")
    if not Path(args.csv).is_file():
        raise ValueError(f"no such file: {args.csv}")
    return read_series(args.csv, _column_arg(args.column) if args.column else 0,
                       min_points=1).to_numpy(dtype=float)


# ----------------------------------------------------------------------------------------------
# outputs


def _outputs(args, names: list[str]) -> list[Path]:
    """Where the command writes ``names``: a temporary folder next to ``--out``, moved into
    place by :func:`_commit` at the end (:class:`~library_of_mirrors.outputs.OutputFolder`).
    Existing files are refused before any work (unless --force); a command that fails or is
    interrupted leaves nothing behind."""
    args.outputs = OutputFolder(args.out, names, force=args.force)
    return args.outputs.paths


def _commit(args) -> list[Path]:
    """Move the outputs into ``--out``; a run that wrote the same files meanwhile makes this one
    fail (FileExistsError, nothing replaced) unless --force."""
    return args.outputs.commit()


def _abort(args) -> None:
    """Remove the temporary folder and the folders this command created (never others)."""
    out = getattr(args, "outputs", None)
    if out is not None:
        out.abort()


def _plan_library(args, x, columns: int = 1, cv_folds: int | None = None) -> None:
    """Before any build: the library's estimated memory against --memory-budget
    (:func:`~library_of_mirrors.dictionary.budget.plan_library`).  Above it, an architecture
    with a structured pricer is solved implicitly (a notice), another one is sampled to fit
    (``args.n_features``, a one-line warning), and a library that cannot fit is refused."""
    from .dictionary.budget import plan_library  # noqa: PLC0415

    plan = plan_library(np.asarray(x, dtype=float).reshape(-1), args.activation, args.depth,
                        args.architecture, args.leaky_slope, args.n_features,
                        memory_budget=getattr(args, "memory_budget", None), columns=columns,
                        cv_folds=cv_folds, allow_sampling=True,
                        options=("--n-features N", "a smaller --depth",
                                 "--memory-budget SIZE"))
    if plan.kind == "sampled" and args.n_features is None:
        warnings.warn(plan.notice, stacklevel=2)
        args.n_features = plan.n_features
    elif plan.notice is not None and not args.quiet:
        sys.stderr.write(f"mirrors: {plan.notice}\n")


def _compile_notice(args) -> None:
    """One line before the first numba compilation (a fresh install, a new numba version, an
    edited kernel): the kernels are compiled once and cached next to the package."""
    if getattr(args, "quiet", False) or getattr(args, "list", False) or _kernels_cached():
        return
    sys.stderr.write(f"mirrors: compiling numerical kernels (first run only, about "
                     f"{COMPILE_SECONDS} s)\n")


#: compilation time of a first run, rounded up: `mirrors fit sunspots --depth 3 --beta 0.1`
#: took 25-30 s with an empty numba cache, 3.4-4.2 s with a warm one (2 cores)
COMPILE_SECONDS = 30


def _kernels_cached() -> bool:
    """Does numba's on-disk cache hold the library builder's kernels (the ``*.nbi`` index
    files that every fit loads)?  True when it cannot tell."""
    try:
        from .families import kernels  # noqa: PLC0415

        return all(os.path.exists(k._cache._cache_file._index_path)
                   for k in kernels.PASSES[0][:2])  # one index per pass, every family
    except (AttributeError, ImportError):  # another numba's internals: say nothing
        return True


def _write_csv(path: Path, header: list[str], rows) -> None:
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)


def _write_json(path: Path, body: dict) -> None:
    path.write_text(json.dumps(body, indent=1, default=_jsonable) + "\n")


def _jsonable(v):
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, np.ndarray):
        return v.tolist()
    return str(v)


def _breakpoint_rows(bps, lag=None):
    return [([lag] if lag is not None else []) + [f"{b.position:.10g}", b.kind, b.formula,
                                                  " ".join(f"{t:.10g}" for t in b.points)]
            for b in bps]


# ----------------------------------------------------------------------------------------------
# commands


def _cmd_features(args) -> int:
    x = _read_points(args)
    d = build_dictionary(x, args.activation, args.depth, args.architecture,
                         leaky_slope=args.leaky_slope, n_features=args.n_features,
                         random_state=args.seed, progress=not args.quiet)
    print(d)
    print(f"distinct training points x[i]: {', '.join(f'{v:g}' for v in d.x_unique)}")
    shown = d.n_features if args.max is None else min(args.max, d.n_features)
    for f in d.features[:shown]:
        parts = [f"{b.position:.6g} {b.kind} [{b.formula}]" for b in f.provenance]
        print(f"  feature {f.index:>5} ({f.family}, x{f.multiplicity}): "
              + ("; ".join(parts) if parts else "affine"))
    if shown < d.n_features:
        print(f"  ... {d.n_features - shown} more (use --max)")
    return 0


def _fit_data(args) -> tuple[np.ndarray, np.ndarray, str, str]:
    """(x, y, x label, y label): two CSV columns, or the lag-1 pairs of one series."""
    if args.x is not None:
        xs, ys = _load(args, args.x), _load(args, args.y)
        return xs.to_numpy(dtype=float), ys.to_numpy(dtype=float), str(xs.name), str(ys.name)
    s = _load(args, args.y)
    v = check_series(s, min_points=3)
    return v[:-1], v[1:], f"{s.name} at t-1", f"{s.name} at t"


def _beta_arg(text: str):
    """``--beta``: "auto" or a number (its sign is checked by the model)."""
    if text == "auto":
        return text
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f'must be "auto" or a positive number, got {text!r}'
                                          ) from None


def _count_arg(text: str) -> int:
    """A count (``--max``, ``--steps``, ``--workers``, ...): an integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1, got {value}")
    return value


def _cv_splitter(k: int, series: bool, flag: str):
    """The folds of ``--cv`` / ``--folds`` K: time-ordered for the lag pairs of one series
    (random folds over lag pairs would train on the future), shuffled K-fold for y on x."""
    from sklearn.model_selection import TimeSeriesSplit  # noqa: PLC0415

    if isinstance(k, bool) or not isinstance(k, int) or k < 2:
        raise ValueError(f"{flag} must be an integer >= 2, got {k!r}")
    return TimeSeriesSplit(k) if series else k


def _cv_words(k: int, series: bool) -> str:
    return f"{k}-fold {'time-ordered' if series else 'shuffled'} cross-validation"


def _fit(args, model_path: Path, bp_path: Path, png_path: Path) -> dict:
    from .models import ConvexNetRegressor  # noqa: PLC0415
    from .plotting import plot_fit  # noqa: PLC0415

    x, y, xl, yl = _fit_data(args)
    _plan_library(args, x, cv_folds=getattr(args, "cv", 5) if args.beta == "auto" else None)
    series = args.x is None  # x_t on x_{t-1}: time-ordered folds
    k = getattr(args, "cv", 5)
    one_se = getattr(args, "one_se", False)
    model = ConvexNetRegressor(args.activation, args.depth, args.architecture, args.beta,
                               args.loss, args.quantile, leaky_slope=args.leaky_slope,
                               n_features=args.n_features, random_state=args.seed,
                               standardize=not args.absolute_beta,
                               cv=_cv_splitter(k, series, "--cv"),
                               selection="1se" if one_se else "min")
    t0 = time.perf_counter()
    model.fit(x, y)
    elapsed = time.perf_counter() - t0
    model.save(model_path, force=True)
    _write_csv(bp_path, ["position", "kind", "formula", "points"],
               _breakpoint_rows(model.breakpoints_))
    res, beta, by_cv = model.result_, model.beta_, model.cv_results_ is not None
    units = "standardized" if model.standardize else "in the data's units"
    kinds = {}
    for b in model.breakpoints_:
        kinds[b.kind] = kinds.get(b.kind, 0) + 1
    plot_fit(x, y, model.predict, model.breakpoints_, png_path, force=True, xlabel=xl,
             ylabel=yl, title=f"{args.depth}-layer {args.activation} network, beta={beta:.4g} "
             f"({units}{', by cross-validation' if by_cv else ''}; {model.n_neurons_} neurons)")
    summary = {"n_samples": int(x.shape[0]), "beta": beta, "beta_standardized":
               model.standardize, "beta_chosen_by_cv": by_cv,
               "n_features": model.n_library_features_, "implicit_library": model.implicit_,
               "n_neurons": model.n_neurons_, "objective": res.objective, "gap": res.gap,
               "converged": res.converged, "fit_seconds": elapsed, "breakpoints": kinds}
    if by_cv:
        cv = model.cv_path_
        summary["cv"] = {"folds": k, "time_ordered": series,
                         "selection": model.selection, "score": cv.score,
                         "betas": cv.betas, "mean": cv.mean, "se": cv.se,
                         "n_active": cv.n_active.mean(axis=0)}
        _log(args, f"{_cv_words(k, series)} of the regularization path ({cv.score} held out, "
                   "in the data's units):")
        _log(args, cv.table())
    _log(args, f"fitted a {args.depth}-layer {args.activation} network to {x.shape[0]} points "
               f"(beta {beta:.4g}) in {elapsed:.2f} s: {model.n_neurons_} neurons from "
               f"{model.n_library_features_:,} features"
               f"{' (implicit library, priced by structure)' if model.implicit_ else ''}, "
               f"objective {res.objective:.8g} "
               f"(certified gap {res.gap:.2g}"
               + ("" if res.certificate == TRAINING_PROBLEM else
                  ", for the Lasso over this library only") + ")")
    if by_cv:
        rule = "the largest within one standard error of the least" if one_se else "the least"
        how = f"chosen by {_cv_words(k, series)} ({rule} held-out {model.cv_path_.score})"
    else:
        how = "given by --beta"
    what = "on standardized x and y" if model.standardize else \
        "in the data's units (--absolute-beta)"
    _log(args, f"beta {beta:.4g}: the weight decay of (1.1) {what}, {how}")
    _log(args, "breakpoints by provenance: "
         + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
    return summary


def _cmd_fit(args) -> int:
    paths = _outputs(args, ["model.json", "breakpoints.csv", "fit.png"])
    _fit(args, *paths)
    written = _commit(args)
    _log(args, f"wrote {', '.join(str(p) for p in written)}")
    return 0


def _cmd_predict(args) -> int:
    from .models import ConvexNetRegressor  # noqa: PLC0415

    if args.out is not None:  # an existing file is refused before any work
        args.outputs = output_file(args.out, force=args.force)
    model = ConvexNetRegressor.load(args.model)
    x = _read_points(args)
    if x.size == 0 or not np.all(np.isfinite(x)):
        raise ValueError("the inputs must be finite numbers")
    pred = model.predict(x)
    rows = [[f"{a:.10g}", f"{b:.10g}"] for a, b in zip(x, pred)]
    if args.out is None:
        print("x,prediction")
        for r in rows:
            print(",".join(r))
        return 0
    _write_csv(args.outputs.paths[0], ["x", "prediction"], rows)
    _commit(args)
    _log(args, f"wrote {len(rows)} predictions to {args.out}")
    return 0


def _lags_arg(text: str):
    """``--lags``: "auto", a number p (lags 1..p) or a comma-separated list such as 1,12."""
    if text == "auto":
        return text
    try:
        parts = [int(t) for t in text.split(",") if t.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f'must be "auto", a positive integer or a list such '
                                          f'as 1,12, got {text!r}') from None
    if not parts or min(parts) < 1:
        raise argparse.ArgumentTypeError(f"lags must be positive integers, got {text!r}")
    return parts[0] if len(parts) == 1 and "," not in text else parts


def _levels(args) -> list[float] | None:
    """``--quantiles``: the band's levels, or None for "none" (point forecasts only)."""
    if args.quantiles.strip().lower() == "none":
        return None
    return sorted(set(_numbers(args.quantiles, "--quantiles")))


def _forecaster(args):
    from .timeseries import ARForecaster  # noqa: PLC0415

    levels = _levels(args)
    return ARForecaster(lags=args.lags, depth=args.depth, activation=args.activation,
                        architecture=args.architecture, beta=args.beta, loss=args.loss,
                        transform=getattr(args, "transform", "auto"),
                        period=getattr(args, "period", None),
                        intervals="none" if levels is None else getattr(args, "intervals",
                                                                       "conformal"),
                        quantiles=(0.1, 0.9) if levels is None else levels,
                        combine=getattr(args, "combine", 3),
                        leaky_slope=args.leaky_slope, n_features=args.n_features,
                        random_state=args.seed)


def _lag_columns(args) -> int:
    """The most lag columns the forecaster may read (for the memory plan)."""
    lags = args.lags
    count = 25 if isinstance(lags, str) else int(lags) if isinstance(lags, int) else len(lags)
    # with the skip connection (squared loss) the units read the 3 most recent lags
    return min(count, 3) if args.loss == "squared" else count


def _forecast(args, csv_path: Path, json_path: Path, png_path: Path) -> dict:
    from .plotting import plot_forecast  # noqa: PLC0415

    s = _load(args)
    _plan_library(args, np.asarray(s, dtype=float), _lag_columns(args))
    fc = _forecaster(args)
    t0 = time.perf_counter()
    fc.fit(s)
    point = fc.predict(args.steps)
    levels = _levels(args)
    q = None if levels is None else np.asarray(
        fc.predict_quantiles(args.steps, levels, progress=not args.quiet))
    elapsed = time.perf_counter() - t0
    idx = point.index if hasattr(point, "index") else np.arange(len(s), len(s) + args.steps)
    point = np.asarray(point, dtype=float)
    labels = [index_label(i) for i in idx]
    cols = [] if levels is None else [f"q{t:g}" for t in levels]
    _write_csv(csv_path, ["index", "forecast"] + cols,
               [[lab, f"{p:.10g}"] + ([] if q is None else [f"{v:.10g}" for v in q[h]])
                for h, (lab, p) in enumerate(zip(labels, point))])
    res = fc.result_
    body = {"series": str(s.name), "source": s.attrs.get("source", ""), "n": len(s),
            "params": {k: _jsonable(v) if not isinstance(v, (str, int, float, type(None),
                                                             list, tuple)) else v
                       for k, v in fc.get_params().items()},
            "chosen": {"transform": fc.transform_, "lags": list(fc.lags_), "beta": fc.beta_,
                       "period": fc.period_},
            "combination": [{"transform": c["transform"], "lags": list(c["lags"]),
                             "beta": c["beta"], "cv_score": c["score"], "steps": c["steps"]}
                            for c in fc.combination_],
            "objective": res.objective, "gap": res.gap, "n_neurons": int(res.active.size),
            "skip_weights": None if res.linear is None else res.linear.tolist(),
            "fit_seconds": elapsed, "index": labels, "forecast": point,
            "quantiles": {} if q is None else {f"{t:g}": q[:, k] for k, t in enumerate(levels)},
            "envelope": fc.envelope_bounds(args.steps),
            "breakpoints": [{"lag": lag, "position": b.position, "kind": b.kind,
                             "formula": b.formula} for lag, b in fc.breakpoints_]}
    _write_json(json_path, body)
    k = max(len(use) for use in fc.step_combinations_)  # networks averaged per step
    plot_forecast(s.index, np.asarray(s, dtype=float), point, png_path, quantiles=q,
                  levels=levels or (), ylabel=str(s.name), force=True,
                  title=f"{s.name}: {args.steps}-step forecast, "
                        + (f"mean of {k} " if k > 1 else "")
                        + f"{args.depth}-layer {args.activation} network"
                        + ("s (best: " if k > 1 else ", ")
                        + f"lags {_lag_text(fc.lags_)}, transform {fc.transform_}"
                        + (")" if k > 1 else ""))
    _log(args, f"forecaster fitted to {len(s)} points of {s.name} in {elapsed:.2f} s: "
               f"transform {fc.transform_}, lags {_lag_text(fc.lags_)}, beta {fc.beta_:.4g}"
               f"{' (chosen by time-ordered cross-validation)' if fc.cv_results_ else ''}; "
               f"{res.active.size} neurons, objective {res.objective:.8g}, gap {res.gap:.2g}")
    if len(fc.combination_) > 1:
        every = list(range(1, fc.horizon + 1))
        _log(args, ("point forecast: at each step the best configuration's network (" if k == 1
                    else f"point forecast: the mean of {k} configurations' networks at each "
                    "step (")
                   + "; ".join(f"{c['transform']}, lags {_lag_text(c['lags'])}, beta "
                               f"{c['beta']:.4g}" + ("" if c["steps"] == every else
                                                     f", steps {_run_text(c['steps'])}")
                               for c in fc.combination_)
                   + (f"; steps after {fc.horizon}: as step {fc.horizon}" if
                      len(fc.combination_) > k else "") + ")")
    _log(args, "forecast: " + ", ".join(f"{lab}: {p:.4g}" for lab, p in zip(labels, point)))
    return {"forecaster": fc, "series": s, "objective": res.objective, "gap": res.gap}


def _run_text(steps) -> str:
    """Steps for a log line: a run as "a-b" (or "a"), others listed."""
    steps = list(steps)
    if steps == list(range(steps[0], steps[-1] + 1)):
        return str(steps[0]) if len(steps) == 1 else f"{steps[0]}-{steps[-1]}"
    return ", ".join(map(str, steps))


def _lag_text(lags) -> str:
    """Lags for a title: 1..p as "1-p", others listed."""
    lags = list(lags)
    return f"1-{lags[-1]}" if len(lags) > 2 and lags == list(range(1, lags[-1] + 1)) \
        else str(lags)


def _cmd_forecast(args) -> int:
    paths = _outputs(args, ["forecast.csv", "forecast.json", "forecast.png"])
    _forecast(args, *paths)
    written = _commit(args)
    _log(args, f"wrote {', '.join(str(p) for p in written)}")
    return 0


def _backtest(args, csv_path: Path, summary_path: Path, png_path: Path, series=None,
              executor="serial"):
    from .plotting import plot_backtest  # noqa: PLC0415
    from .timeseries import backtest  # noqa: PLC0415

    s = _load(args) if series is None else series
    _plan_library(args, np.asarray(s, dtype=float), _lag_columns(args))
    baselines = [b.strip() for b in args.baselines.split(",") if b.strip()]
    bt = backtest(s, _forecaster(args), horizon=args.horizon, initial=args.initial,
                  step=args.step, window=args.window, window_size=args.window_size,
                  baselines=baselines, max_folds=args.max_folds,
                  adam_options={"epochs": args.adam_epochs, "width": args.adam_width,
                                "seed": args.seed},
                  progress=not args.quiet, executor=executor)
    bt.to_csv(csv_path, force=True)
    summary = bt.summary()
    keys = ["model", "folds", "fit_time", "mae", "rmse", "mase", "pinball"]
    _write_csv(summary_path, keys, [[r[k] for k in keys] for r in summary])
    plot_backtest(bt, png_path, force=True,
                  title=f"{s.name}: {bt.window} window, horizon {bt.horizon}")
    _log(args, bt.table())
    return bt


def _cmd_backtest(args) -> int:
    paths = _outputs(args, ["backtest.csv", "backtest_summary.csv", "backtest.png"])
    with _executor(args) as ex:
        _backtest(args, *paths, executor=ex)
    written = _commit(args)
    _log(args, f"wrote {', '.join(str(p) for p in written)}")
    return 0


def _executor(args):
    """The executor of ``--executor`` / ``--scheduler`` / ``--workers`` (a context manager that
    shuts down a local cluster it started)."""
    from .executors import Executor  # noqa: PLC0415

    if args.scheduler is not None and args.workers is not None:
        raise ValueError("--workers sizes a local pool or cluster; with --scheduler the "
                         "cluster's own workers run the tasks")
    if args.scheduler is not None and args.executor not in (None, "dask"):
        raise ValueError(f"--scheduler needs --executor dask, not {args.executor}")
    kind = "dask" if args.scheduler is not None else (args.executor or "serial")
    if kind == "serial" and args.workers is not None:
        raise ValueError("--workers needs --executor processes or dask")
    if kind == "dask":
        # the command reports one line; Dask's own logging (the scheduler and nannies of a
        # local cluster and the client in this process, the workers it starts) printed
        # CommClosedError tracebacks when a Ctrl-C came while the cluster started or stopped.
        # Dask reads its logging levels from the environment when it is first imported (here
        # and in each worker), and an import after a setLevel undid it
        import logging  # noqa: PLC0415

        os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "critical")
        try:
            import distributed  # noqa: F401, PLC0415
        except ImportError:  # the executor says how to install it
            pass
        logging.getLogger("distributed").setLevel(logging.CRITICAL)
    ex = Executor(kind, n_workers=args.workers, scheduler_address=args.scheduler)
    if kind != "serial":
        where = args.scheduler or f"{args.workers or os.cpu_count()} local worker processes"
        _log(args, f"executor: {kind} ({where})")
    return ex


def _cmd_cv(args) -> int:
    import shlex  # noqa: PLC0415

    from .model_selection import cross_validate_path  # noqa: PLC0415
    from .models.estimators import EXTEND_DECADES  # noqa: PLC0415
    from .plotting import plot_cv_path  # noqa: PLC0415

    series = args.x is None  # lag-1 pairs of one series: time-ordered folds
    folds = _cv_splitter(args.folds, series, "--folds")
    paths = _outputs(args, ["cv.csv", "cv.png"])
    x, y, xl, yl = _fit_data(args)
    _plan_library(args, x, cv_folds=args.folds)
    t0 = time.perf_counter()
    with _executor(args) as ex:
        cv = cross_validate_path(x, y, activation=args.activation, depth=args.depth,
                                 architecture=args.architecture, leaky_slope=args.leaky_slope,
                                 n_features=args.n_features, cv=folds, standardize=True,
                                 n_betas=args.n_betas, eps=args.eps, extend=EXTEND_DECADES,
                                 random_state=0 if args.seed is None else args.seed,
                                 executor=ex, progress=not args.quiet)
    elapsed = time.perf_counter() - t0
    keys = ["beta", "mean", "se", "n_active", "max_gap"]
    _write_csv(paths[0], keys, [[f"{r[k]:.10g}" for k in keys] for r in cv.rows()])
    plot_cv_path(cv, paths[1], force=True,
                 title=f"{_cv_words(args.folds, series)}: {args.depth}-layer "
                       f"{args.activation} network, {yl} on {xl} (standardized beta)")
    _log(args, cv.table())
    _log(args, f"{args.folds} {'time-ordered' if series else 'shuffled'} folds x "
               f"{cv.betas.size} betas in {elapsed:.2f} s; best beta {cv.best_beta:.6g}, "
               f"one-standard-error beta {cv.beta_1se:.6g} (weight decays of (1.1) on x and y "
               f"standardized by each fold's training mean and standard deviation; "
               f"held-out {cv.score} in the data's units)")
    command = ["mirrors", "fit", args.data]
    if args.x is not None:
        command += ["--x", args.x] + (["--y", args.y] if args.y is not None else [])
    elif args.y is not None:
        command += ["--y", args.y]
    command += ["--activation", args.activation, "--depth", str(args.depth)]
    if args.architecture != "deep_narrow":
        command += ["--architecture", args.architecture]
    if args.leaky_slope is not None:
        command += ["--leaky-slope", f"{args.leaky_slope:g}"]
    if args.n_features is not None:
        command += ["--n-features", str(args.n_features)]
    if args.seed is not None:
        command += ["--seed", str(args.seed)]
    same = args.n_betas == 20 and args.eps == 1e-4  # the grid of `mirrors fit --beta auto`
    _log(args, f"fit at the best beta: {shlex.join(command + ['--beta', f'{cv.best_beta:.6g}'])}"
               + (f" (or --beta auto --cv {args.folds}: this cross-validation, then the fit)"
                  if same else ""))
    written = _commit(args)
    _log(args, f"wrote {', '.join(str(p) for p in written)}")
    return 0


def _cmd_demo(args) -> int:
    from .models import ConvexNetRegressor  # noqa: PLC0415
    from .nn.training import train_adam  # noqa: PLC0415

    names = ["model.json", "breakpoints.csv", "fit.png", "forecast.csv", "forecast.json",
             "forecast.png", "backtest.csv", "backtest_summary.csv", "backtest.png",
             "summary.json"]
    paths = _outputs(args, names)
    start = time.perf_counter()
    _log(args, "mirrors demo: yearly sunspot numbers 1700-2008 (NOAA, public domain)\n")
    _log(args, "1. the lag-1 map x_t = f(x_{t-1}) by a 3-layer abs network, beta chosen by "
               "time-ordered cross-validation (its breakpoints include reflections of data "
               "points about data points)")
    base = dict(data="sunspots", column=None, date_column=None, x=None, y=None,
                architecture="deep_narrow", loss="squared", quantile=None, leaky_slope=None,
                n_features=None, lags="auto", quantiles="0.1,0.9", quiet=args.quiet,
                seed=args.seed, memory_budget=None, beta="auto", transform="auto",
                period=None, intervals="conformal")
    fit_args = argparse.Namespace(**base | {"activation": "abs", "depth": 3,
                                            "absolute_beta": False})
    fit = _fit(fit_args, *paths[0:3])
    model = ConvexNetRegressor.load(paths[0])
    v = np.asarray(DATASETS["sunspots"](), dtype=float)
    xs = (v[:-1] - model.x_center_) / model.x_scale_
    ys = (v[1:] - model.y_center_) / model.y_scale_
    _log(args, "\n   the same network trained by Adam on the same problem (3 random starts, "
               "1000 epochs, 40 units):")
    adam = [train_adam(xs, ys, model.beta_, "abs", 3, width=40, epochs=1000, lr=1e-2,
                       seed=(args.seed or 0) + k, lr_schedule="cosine").objective(
                           xs, ys, model.beta_) for k in range(3)]
    optimum = float(model.result_.objective)
    _log(args, f"   exact optimum {optimum:.6g} (certified gap {model.result_.gap:.2g}); Adam "
               "reached " + ", ".join(f"{a:.6g}" for a in adam)
               + f" (its best is {min(adam) - optimum:.3g} above the optimum)")
    _log(args, "\n2. a 12-year forecast: 2-layer abs network with a skip connection, lags, "
               "transform and beta chosen by time-ordered cross-validation; 80% conformal band")
    fc_args = argparse.Namespace(**base | {"activation": "abs", "depth": 2, "steps": 12})
    fc = _forecast(fc_args, *paths[3:6])
    _log(args, "\n3. backtest: 5-year forecasts from the last 3 cutoffs, every 5 years (the "
               "forecaster re-chooses everything at each cutoff)")
    bt_args = argparse.Namespace(**base | {"activation": "abs", "depth": 2, "horizon": 5,
                                           "initial": None, "step": 5, "window": "expanding",
                                           "window_size": None,
                                           "baselines": "random_walk,ar1,adam",
                                           "max_folds": 3, "adam_epochs": 500,
                                           "adam_width": 50})
    bt = _backtest(bt_args, *paths[6:9], series=fc["series"])
    summary = {"fit": fit, "adam": {"optimum": optimum, "adam_objectives": adam},
               "forecast": {"objective": fc["objective"], "gap": fc["gap"]},
               "backtest": bt.summary(), "seconds": time.perf_counter() - start}
    _write_json(paths[9], summary)
    _commit(args)
    _log(args, f"\nwrote {len(paths)} files to {Path(args.out)}/ in "
               f"{time.perf_counter() - start:.0f} s")
    return 0


def _cmd_figures(args) -> int:
    from .figures import COUNTS, FIGURES, make_figures, select  # noqa: PLC0415

    if args.list:
        for spec in FIGURES.values():
            print(f"{spec.id:>4}  {spec.stem}.png  {spec.title}")
        print("repetition counts (full / --quick): " + ", ".join(
            f"{k} {v[0]}/{v[1]}" for k, v in COUNTS.items()))
        return 0
    only = None if args.only is None else args.only.split(",")
    specs = select(only)  # unknown ids fail before anything is created
    flags = {"samples": "--samples", "features": "--features", "hit_and_run": "--hit-and-run",
             "adam_runs": "--adam-runs", "adam_epochs": "--adam-epochs"}
    counts = {k: getattr(args, k) for k in flags}
    for k, v in counts.items():
        if v is not None and v < 1:
            raise ValueError(f"{flags[k]} must be a positive integer, got {v}")
    if args.seed < 0:
        raise ValueError(f"--seed must be a non-negative integer, got {args.seed}")
    if str(args.out).strip() in ("", "."):
        raise ValueError("give an output folder (--out), not the current directory")
    paths = _outputs(args, [f for spec in specs for f in spec.files])
    tmp, shown = str(paths[0].parent), str(Path(args.out))
    t0 = time.perf_counter()
    with _executor(args) as ex:
        done = make_figures(tmp, only, quick=args.quick, seed=args.seed,
                            force=True, progress=not args.quiet, csv=args.csv,
                            column=_column_arg(args.column),
                            date_column=_column_arg(args.date_column),
                            counts={k: v for k, v in counts.items() if v is not None},
                            log=lambda m: _log(args, m.replace(tmp, shown)), executor=ex)
    _commit(args)
    _log(args, f"wrote {len(done)} figure(s) to {Path(args.out)}/ in "
               f"{time.perf_counter() - t0:.0f} s")
    return 0


# ----------------------------------------------------------------------------------------------
# parser


def _network_options(p: argparse.ArgumentParser, activation: str, depth: int,
                     beta: float | None, relative: bool = False) -> None:
    p.add_argument("--activation", default=activation, choices=ACTIVATION_NAMES)
    p.add_argument("--depth", type=int, default=depth)
    p.add_argument("--architecture", default="deep_narrow", choices=ARCHITECTURE_NAMES)
    if beta is not None:
        p.add_argument("--beta", type=float, default=beta,
                       help=f"weight decay of the training problem (1.1) on standardized data "
                       f"(default {beta:g})" + ("; multiplied by std(x) std(y) unless "
                                               "--absolute-beta" if relative else ""))
    p.add_argument("--leaky-slope", type=float, default=None)
    p.add_argument("--n-features", type=_count_arg, default=None,
                   help="sample this many features instead of the full library")
    p.add_argument("--memory-budget", metavar="SIZE", default=None,
                   help="memory the library may take, e.g. 4GB or 500MB (default: half of the "
                   "available memory); a larger one is solved implicitly where the "
                   "architecture has a structured pricer, else sampled to fit")


def _data_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("data", help=f"a CSV file, or a bundled series: {', '.join(DATASETS)}")
    p.add_argument("--column", help="CSV column of the series (name or 0-based position; "
                   "default: the last)")
    p.add_argument("--date-column", help="CSV column with dates or years for the index")


def _xy_options(p: argparse.ArgumentParser) -> None:
    """Data of ``fit`` and ``cv``: y on x from two CSV columns, or a series' lag-1 pairs."""
    p.add_argument("data", help=f"a CSV file, or a bundled series: {', '.join(DATASETS)}")
    p.add_argument("--x", help="CSV column of the inputs (default: fit x_t on x_{t-1} of the "
                   "--y series)")
    p.add_argument("--y", help="CSV column of the targets (default: the last)")
    p.add_argument("--date-column", help=argparse.SUPPRESS)


def _common(p: argparse.ArgumentParser, out: str | None) -> None:
    p.add_argument("--seed", type=int, default=None, help="random seed (sampling, Adam)")
    p.add_argument("--quiet", action="store_true", help="no progress bars or messages")
    p.add_argument("--force", action="store_true", help="overwrite existing outputs")
    if out is not None:
        p.add_argument("--out", default=out, help=f"output folder (default {out})")


def _forecast_options(p: argparse.ArgumentParser) -> None:
    _data_options(p)
    _network_options(p, "abs", 2, None)
    p.add_argument("--beta", type=_beta_arg, default="auto",
                   help="weight decay of (1.1) on the standardized transformed series, or "
                   "auto (default): chosen with the lags and the transform by time-ordered "
                   "cross-validation")
    p.add_argument("--lags", type=_lags_arg, default="auto",
                   help="auto (default), p (lags 1..p) or a list such as 1,12")
    p.add_argument("--transform", default="auto",
                   choices=("auto", "none", "log", "diff", "seasonal-diff", "log-diff",
                            "log-seasonal-diff"),
                   help="transform of the series before the network, inverted in every "
                   "forecast (default auto: chosen by cross-validation)")
    p.add_argument("--period", type=int, default=None,
                   help="seasonal period (default: from the dates' frequency)")
    p.add_argument("--loss", default="squared", choices=POINT_LOSSES)
    p.add_argument("--combine", type=_count_arg, default=3,
                   help="the point forecast h steps ahead is the mean of the networks of "
                   "the COMBINE configurations best over steps 1..h (default 3; 1: the best "
                   "alone)")
    p.add_argument("--intervals", default="conformal", choices=("conformal", "quantile"),
                   help="bands: conformal (default; rolling-origin errors of the same model) "
                   "or quantile (exact pinball-loss networks)")
    p.add_argument("--quantiles", default="0.1,0.9",
                   help="band levels (comma-separated), or none for point forecasts only")


def _executor_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--executor", choices=KINDS, default=None,
                   help="where the batch's tasks run (default serial; processes: a local "
                   "joblib pool; dask: a local cluster, or --scheduler)")
    p.add_argument("--scheduler", metavar="ADDRESS", default=None,
                   help="address of a running Dask scheduler, e.g. tcp://host:8786 (implies "
                   "--executor dask)")
    p.add_argument("--workers", type=_count_arg, default=None,
                   help="worker processes of the local pool or cluster (default: the cores)")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="mirrors", description="Exact training of neural networks on 1-D data "
                "through their equivalent Lasso problems.")
    p.add_argument("--version", action="version", version=f"mirrors {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    f = sub.add_parser("features", help="build a dictionary and print its features")
    src = f.add_mutually_exclusive_group()
    src.add_argument("--x", help="comma-separated training points (default: 2,0,-1,3)")
    src.add_argument("--csv", help="CSV file with the training points")
    f.add_argument("--column", help="CSV column to read (default: the first)")
    f.add_argument("--activation", default="abs", choices=ACTIVATION_NAMES)
    f.add_argument("--depth", type=int, default=3)
    f.add_argument("--architecture", default="deep_narrow", choices=ARCHITECTURE_NAMES)
    f.add_argument("--leaky-slope", type=float, default=None)
    f.add_argument("--n-features", type=_count_arg, default=None, help="sample this many features")
    f.add_argument("--seed", type=int, default=None)
    f.add_argument("--max", type=_count_arg, default=40, help="print at most this many features")
    f.add_argument("--quiet", action="store_true", help="no progress bar")
    f.set_defaults(func=_cmd_features)

    g = sub.add_parser("fit", help="fit an exact network; write model.json, breakpoints.csv, "
                       "fit.png")
    _xy_options(g)
    _network_options(g, "abs", 3, None)
    g.add_argument("--beta", type=_beta_arg, default="auto",
                   help="weight decay of the training problem (1.1) on standardized x and y, or "
                   "auto (default): chosen by cross-validation of the regularization path, "
                   "then the fit on all points")
    g.add_argument("--absolute-beta", action="store_true",
                   help="solve on the raw data: --beta in the data's units")
    g.add_argument("--cv", type=_count_arg, default=5,
                   help="folds of --beta auto (default 5): time-ordered for a series' lag "
                   "pairs, shuffled K-fold for --x/--y columns")
    g.add_argument("--one-se", action="store_true",
                   help="--beta auto takes the largest beta within one standard error of the "
                   "least held-out loss (fewer neurons)")
    g.add_argument("--loss", default="squared",
                   choices=REGRESSION_LOSSES)
    g.add_argument("--quantile", type=float, default=None, help="level of --loss quantile")
    _common(g, "mirrors-fit")
    g.set_defaults(func=_cmd_fit, column=None)

    v = sub.add_parser("cv", help="cross-validate the regularization path; write cv.csv, "
                       "cv.png")
    _xy_options(v)
    _network_options(v, "abs", 3, None)
    v.add_argument("--folds", type=_count_arg, default=5,
                   help="number of folds K (default 5): time-ordered for a series' lag pairs, "
                   "shuffled for --x/--y columns")
    v.add_argument("--n-betas", type=_count_arg, default=20,
                   help="betas (of standardized x and y) from beta_max down to EPS beta_max "
                   "(default 20), continued by up to 3 decades while the least held-out loss "
                   "lies at the grid's end (as --beta auto does)")
    v.add_argument("--eps", type=float, default=1e-4, help="default 1e-4")
    _executor_options(v)
    _common(v, "mirrors-cv")
    v.set_defaults(func=_cmd_cv, column=None)

    r = sub.add_parser("predict", help="evaluate a model written by `mirrors fit`")
    r.add_argument("model", help="model.json")
    src = r.add_mutually_exclusive_group(required=True)
    src.add_argument("--x", help="comma-separated inputs")
    src.add_argument("--csv", help="CSV file with the inputs")
    r.add_argument("--column", help="CSV column of the inputs (default: the first)")
    r.add_argument("--out", default=None, help="CSV file to write (default: print)")
    r.add_argument("--quiet", action="store_true")
    r.add_argument("--force", action="store_true", help="overwrite --out")
    r.set_defaults(func=_cmd_predict)

    c = sub.add_parser("forecast", help="forecast a series; write forecast.csv, "
                       "forecast.json, forecast.png")
    _forecast_options(c)
    c.add_argument("--steps", type=_count_arg, default=12, help="steps ahead")
    _common(c, "mirrors-forecast")
    c.set_defaults(func=_cmd_forecast)

    b = sub.add_parser("backtest", help="rolling-origin backtest against the baselines; "
                       "write backtest.csv, backtest_summary.csv, backtest.png")
    _forecast_options(b)
    b.add_argument("--horizon", type=_count_arg, default=1)
    b.add_argument("--initial", type=int, default=None,
                   help="first cutoff (default: 2/3 of the series)")
    b.add_argument("--step", type=_count_arg, default=1, help="refit every STEP points")
    b.add_argument("--window", default="expanding", choices=WINDOWS)
    b.add_argument("--window-size", type=int, default=None)
    b.add_argument("--max-folds", type=_count_arg, default=None,
                   help="keep the last MAX_FOLDS cutoffs")
    b.add_argument("--baselines", default=",".join(BASELINES),
                   help=f"comma-separated: {', '.join(BASELINES)}")
    b.add_argument("--adam-epochs", type=_count_arg, default=2000)
    b.add_argument("--adam-width", type=_count_arg, default=50)
    _executor_options(b)
    _common(b, "mirrors-backtest")
    b.set_defaults(func=_cmd_backtest)

    fg = sub.add_parser("figures", help="regenerate the paper's figures (PNG + JSON numbers)")
    fg.add_argument("--only", help="comma-separated figure ids, e.g. 3.1,4.2,E.1 (default: all;"
                    " --list shows them)")
    fg.add_argument("--list", action="store_true", help="list the figures and exit")
    fg.add_argument("--quick", action="store_true",
                    help="small repetition counts: the whole set in a few minutes")
    fg.add_argument("--csv", help="CSV file with the real series of section 4 (default: the "
                    "bundled yearly sunspots)")
    fg.add_argument("--column", help="CSV column of the series (name or 0-based position)")
    fg.add_argument("--date-column", help="CSV column with dates or years")
    fg.add_argument("--samples", type=int, help="sampled libraries per depth (paper: 200)")
    fg.add_argument("--features", type=int,
                    help="features per sampled library (paper: 1000)")
    fg.add_argument("--hit-and-run", type=int, help="optimal-set samples (paper: 5000)")
    fg.add_argument("--adam-runs", type=int, help="Adam trials per setting (paper: 20)")
    fg.add_argument("--adam-epochs", type=int, help="Adam epochs per trial in section 4")
    _executor_options(fg)
    _common(fg, "figures")
    fg.set_defaults(func=_cmd_figures, seed=0)

    m = sub.add_parser("demo", help="fit, forecast and backtest the bundled sunspot series")
    _common(m, "mirrors-demo")
    m.set_defaults(func=_cmd_demo)
    return p


def _one_line_warning(message, category, filename, lineno, file=None, line=None):
    sys.stderr.write(f"mirrors: warning: {message}\n")


class _Interrupted(BaseException):
    """SIGINT or SIGTERM: raised in the main thread, like KeyboardInterrupt."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


#: numba-compiled kernels call back into Python here (to unpickle their constants); a signal
#: handler that runs inside that callback must not raise: numba would crash the interpreter
_NUMBA_CALLBACK = os.path.join("numba", "core", "serialize.py")


#: set once :func:`main` has caught the interrupt (cleared when it starts)
_CAUGHT = threading.Event()


def _deliver_again(signum: int) -> None:
    if not _CAUGHT.is_set():
        os.kill(os.getpid(), signum)


def _interrupt(signum, frame):
    f = frame
    while f is not None:
        if f.f_code.co_filename.endswith(_NUMBA_CALLBACK):  # not here: again in a moment
            threading.Timer(0.05, _deliver_again, (signum,)).start()
            return
        f = f.f_back
    # raised inside a garbage-collector callback or a __del__, the exception is lost (Python
    # reports it as "Exception ignored": _unraisable keeps that quiet) and a Dask backtest ran
    # on with its signals ignored: until main() has caught it, the signal comes again
    timer = threading.Timer(2.0, _deliver_again, (signum,))
    timer.daemon = True
    timer.start()
    raise _Interrupted(signum)


def _unraisable(unraisable) -> None:
    """``sys.unraisablehook`` while a command runs: an interrupt lost in a callback is
    delivered again (:func:`_interrupt`), not printed as a traceback."""
    if not issubclass(unraisable.exc_type, (_Interrupted, KeyboardInterrupt)):
        sys.__unraisablehook__(unraisable)


_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_EXIT_CODES = {signal.SIGINT: 130, signal.SIGTERM: 143}


def _catch_signals() -> dict:
    """SIGINT and SIGTERM raise :class:`_Interrupted` (in the main thread); returns the previous
    handlers for :func:`_restore_signals`."""
    previous = {}
    for sig in _STOP_SIGNALS:
        try:
            previous[sig] = signal.signal(sig, _interrupt)
        except ValueError:  # not the main thread: leave the handlers alone
            break
    return previous


def _restore_signals(previous: dict) -> None:
    for sig, handler in previous.items():
        signal.signal(sig, handler)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "features" and args.x is None and args.csv is None:
        args.x = "2,0,-1,3"
    warnings.showwarning = _one_line_warning
    _CAUGHT.clear()
    previous = _catch_signals()
    hook, sys.unraisablehook = sys.unraisablehook, _unraisable
    try:
        with use_memory_budget(getattr(args, "memory_budget", None)), \
                show_progress(not getattr(args, "quiet", False)):
            _compile_notice(args)
            return args.func(args)
    except (KeyboardInterrupt, _Interrupted) as exc:
        _CAUGHT.set()
        for sig in _STOP_SIGNALS:  # a second signal during the cleanup is not a traceback
            signal.signal(sig, signal.SIG_IGN)
        signum = getattr(exc, "signum", signal.SIGINT)
        _abort(args)
        done = getattr(getattr(args, "outputs", None), "committed", False)
        sys.stderr.write(f"mirrors: interrupted by {signal.Signals(signum).name}"
                         f"{'' if done else '; no output was written'}\n")
        return _EXIT_CODES.get(signum, 130)
    except (ValueError, TypeError, MemoryError, OSError, RuntimeError, ImportError) as exc:
        if isinstance(exc, BrokenPipeError):  # `mirrors ... | head`: the reader left
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            return 0
        _abort(args)
        sys.stderr.write(f"mirrors: error: {exc}\n")
        return 2
    finally:
        _abort(args)  # whatever ended the command: no temporary folder is left
        _restore_signals(previous)
        sys.unraisablehook = hook


if __name__ == "__main__":
    raise SystemExit(main())
