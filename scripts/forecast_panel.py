"""The forecaster against statsmodels' baselines on a panel of real series, same run.

    python scripts/forecast_panel.py [--models ours ar ets arima rw snaive] [--series ...]
                                     [--cutoffs 15] [--span 0.25] [--reselect] [--jobs 1]
                                     [--ours-params JSON] [--quick] [--json PATH]

Panel (no network access needed; every series ships with statsmodels or with this package,
read by ``library_of_mirrors.timeseries.datasets.load_statsmodels`` where it exists):

* yearly, m = 1: ``sunspots`` (yearly mean sunspot number 1700-2008, n = 309), ``nile``
  (annual flow at Aswan 1871-1970, n = 100);
* monthly, m = 12: ``co2`` (Mauna Loa, weekly values with the missing weeks interpolated, then
  monthly means 1958-03 to 2001-12, n = 526), ``elec_equip`` (euro-area electrical equipment
  orders 1995-01 to 2016-05, n = 257), ``elnino`` (Nino sea surface temperature 1950-2010 from
  the year x month table, n = 732);
* quarterly, seasonally adjusted (m = 1), 1959Q1-2009Q3, n = 203: ``realgdp`` (log of US real
  GDP), ``unemp`` (unemployment rate), ``infl`` (inflation rate).

Protocol: rolling origin with an expanding window.  ``--cutoffs`` (15) origins every k points,
k = max(1, floor(span * n / cutoffs)) with ``--span`` 0.25, the last origin leaving exactly
``H = 5`` values to forecast, so the origins cover the last ~20-25% of each series.  At each
origin every model is refitted on all values before it and forecasts h = 1..5 with an 80% band.

Models (``--models``; each is a factory ``make(m)`` of an object with ``select(y)``,
``fit(y)``, ``predict(h)`` and ``interval(h, coverage)``):

* ours: ``library_of_mirrors.timeseries.ARForecaster`` (``period=m`` when the forecaster takes
  it), its ``predict_interval`` band (or, where there is none, its 10% / 90% quantile forecasts);
  refitted, with its own tuning, at every origin.
* ar: statsmodels ``AutoReg`` with a constant, the lag order chosen by AIC (``ar_select_order``,
  maxlag max(12, 2m)); Gaussian prediction intervals.
* ets: statsmodels ``ETSModel``, additive error; trend none / additive / damped additive,
  seasonality none / additive (period m, seasonal series only), the form chosen by AICc.
* arima: statsmodels ``ARIMA``; d in {0, 1} by the KPSS test (5%), p in 0..3 and q in 0..2 by
  AIC, with a constant (d = 0) or without / with drift (d = 1).  Seasonal series: a seasonal
  (0, 1, 1, m) part, d by KPSS on the seasonal differences, p in 0..2, q in 0..1.  State-space
  MLE, each origin's fit started from the previous origin's parameters.
* rw: random walk; band from the quantiles of the training window's centered one-step changes,
  spread by sqrt(h).
* snaive: seasonal naive (x_{t+h} = x_{t+h-m}; band from the centered seasonal differences,
  spread by sqrt(ceil(h / m))); the random walk on non-seasonal series.

The baselines' configurations (lag order, ETS form, ARIMA order) are chosen once, on the
window before the first origin, and re-estimated at every origin (``--reselect``: chosen again
at every origin, several times slower for ARIMA).

Metrics per series and model: MASE at h = 1 and h = 5 (the h-step absolute error at each origin
divided by the training window's mean absolute one-step change, averaged over the origins);
the coverage of the nominal 80% band (pooled over h = 1..5 and the origins) and its mean width
in the same scaled units; wall-clock and process CPU seconds per origin (selection included,
spread over the origins; BLAS on one thread; the CPU time is the steadier on a busy machine).
The panel summary averages the per-series values; "best baseline" is the single baseline with
the lowest panel mean at that horizon, and the verdict says whether ours is no worse.  A fit
that fails is replaced by the random walk's forecast for that origin and counted in the "fail"
column.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
from run_info import versions
from threadpoolctl import threadpool_limits

H = 5
COVERAGE = 0.8


# ------------------------------------------------------------------------------------------
# data
# ------------------------------------------------------------------------------------------
@dataclass
class PanelSeries:
    """One series of the panel: float values, seasonal period m, frequency, provenance."""

    name: str
    values: np.ndarray
    period: int
    freq: str
    source: str


def _sm_sunspots():
    from statsmodels.datasets import sunspots

    return sunspots.load_pandas().data["SUNACTIVITY"].to_numpy(float)


def _sm_nile():
    from statsmodels.datasets import nile

    return nile.load_pandas().data["volume"].to_numpy(float)


def _sm_co2():
    """Weekly CO2 (ppm) with the missing weeks interpolated linearly in time, then
    calendar-month means (1958-03 to 2001-12)."""
    from statsmodels.datasets import co2

    weekly = co2.load_pandas().data["co2"].interpolate(method="time", limit_area="inside")
    return weekly.resample("MS").mean().to_numpy(float)


def _sm_elec_equip():
    from statsmodels.datasets import elec_equip

    return elec_equip.load().data.iloc[:, 0].to_numpy(float)


def _sm_elnino():
    from statsmodels.datasets import elnino

    table = elnino.load_pandas().data
    return table.drop(columns="YEAR").to_numpy(float).ravel()


def _sm_macro(column: str):
    from statsmodels.datasets import macrodata

    return macrodata.load_pandas().data[column].to_numpy(float)


#: name -> (frequency, seasonal period, the package loader's name, the script's own loader,
#: transform of the loaded values)
PANEL = {
    "sunspots": ("yearly", 1, "sunspots", _sm_sunspots, None),
    "nile": ("yearly", 1, "nile", _sm_nile, None),
    "co2": ("monthly", 12, "co2", _sm_co2, None),
    "elec_equip": ("monthly", 12, "elec_equip", _sm_elec_equip, None),
    "elnino": ("monthly", 12, "elnino", _sm_elnino, None),
    "realgdp": ("quarterly", 1, "macro_realgdp", lambda: _sm_macro("realgdp"), np.log),
    "unemp": ("quarterly", 1, "macro_unemp", lambda: _sm_macro("unemp"), None),
    "infl": ("quarterly", 1, "macro_infl", lambda: _sm_macro("infl"), None),
}


def _package_loader():
    """``library_of_mirrors.timeseries.datasets.load_statsmodels`` when the package has it."""
    try:
        from library_of_mirrors.timeseries.datasets import load_statsmodels
    except ImportError:
        return None
    return load_statsmodels


def load_panel(names) -> list[PanelSeries]:
    """The series from the package's loader when it has one, else from the script's own
    loader (the same data); then the panel's transform (log of real GDP)."""
    package = _package_loader()
    out = []
    for name in names:
        freq, m, package_name, own, transform = PANEL[name]
        values, source = None, "statsmodels.datasets (script loader)"
        if package is not None:
            try:
                values = np.asarray(package(package_name), dtype=float).ravel()
                source = "library_of_mirrors load_statsmodels"
            except (ValueError, ImportError):
                values = None
        if values is None:
            values = own()
        if transform is not None:
            values = transform(values)
        out.append(PanelSeries(name, values, m, freq, source))
    return out


def cutoffs(n: int, count: int, span: float) -> list[int]:
    """``count`` origins (training sizes) every k points, the last one at n - H."""
    k = max(1, int(math.floor(span * n / count)))
    last = n - H
    return [last - k * (count - 1 - j) for j in range(count)]


# ------------------------------------------------------------------------------------------
# models: select(y) once (or at every origin), fit(y), predict(h), interval(h, coverage)
# ------------------------------------------------------------------------------------------
@contextlib.contextmanager
def quiet():
    """statsmodels' convergence and frequency warnings silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


class Baseline:
    """Default selection: nothing to choose."""

    period = 1

    def select(self, y: np.ndarray) -> None:
        pass


class RandomWalk(Baseline):
    """x_{t+h} = x_t; band from the centered one-step changes' quantiles times sqrt(h)."""

    def __init__(self, period: int = 1):
        self.period = period

    def fit(self, y):
        self.last_ = y[-1]
        d = np.diff(y)
        self.changes_ = d - d.mean()

    def predict(self, h):
        return np.full(h, self.last_)

    def interval(self, h, coverage):
        q = np.quantile(self.changes_, [(1 - coverage) / 2, (1 + coverage) / 2])
        return self.last_ + np.sqrt(np.arange(1, h + 1))[:, None] * q[None]


class SeasonalNaive(Baseline):
    """x_{t+h} = x_{t+h-m k}, k = ceil(h / m); band from the centered seasonal differences'
    quantiles times sqrt(k).  The random walk when m = 1."""

    def __init__(self, period: int = 1):
        self.period = period

    def fit(self, y):
        m = self.period
        self.tail_ = y[-m:]
        d = y[m:] - y[:-m]
        self.changes_ = d - d.mean()

    def predict(self, h):
        return self.tail_[np.arange(h) % self.period]

    def interval(self, h, coverage):
        q = np.quantile(self.changes_, [(1 - coverage) / 2, (1 + coverage) / 2])
        k = np.ceil(np.arange(1, h + 1) / self.period)
        return self.predict(h)[:, None] + np.sqrt(k)[:, None] * q[None]


class AutoRegAIC(Baseline):
    """statsmodels AutoReg with a constant; consecutive lags 1..p, p by AIC."""

    def __init__(self, period: int = 1):
        self.period = period
        self.maxlag = max(12, 2 * period)

    def select(self, y):
        from statsmodels.tsa.ar_model import ar_select_order

        with quiet():
            sel = ar_select_order(y, min(self.maxlag, len(y) // 4), ic="aic", trend="c")
        self.lags = int(max(sel.ar_lags)) if sel.ar_lags else 0

    def fit(self, y):
        from statsmodels.tsa.ar_model import AutoReg

        with quiet():
            self.res_ = AutoReg(y, self.lags, trend="c").fit()
        self.n_ = len(y)

    def _frame(self, h, coverage):
        pred = self.res_.get_prediction(start=self.n_, end=self.n_ + h - 1)
        return pred.summary_frame(alpha=1 - coverage)

    def predict(self, h):
        return np.asarray(self.res_.predict(start=self.n_, end=self.n_ + h - 1), dtype=float)

    def interval(self, h, coverage):
        f = self._frame(h, coverage)
        return f[["mean_ci_lower", "mean_ci_upper"]].to_numpy(float)

    def describe(self):
        return f"AR({self.lags})"


class ETSAIC(Baseline):
    """statsmodels ETSModel, additive error; trend none / additive / damped, additive
    seasonality on seasonal series; the form with the lowest AICc."""

    def __init__(self, period: int = 1):
        self.period = period

    def _forms(self):
        trends = [(None, False), ("add", False), ("add", True)]
        seasonals = [None, "add"] if self.period > 1 else [None]
        return [(t, d, s) for t, d in trends for s in seasonals]

    def _fit_form(self, y, form):
        import pandas as pd
        from statsmodels.tsa.exponential_smoothing.ets import ETSModel

        trend, damped, seasonal = form
        model = ETSModel(pd.Series(y), error="add", trend=trend, damped_trend=damped,
                         seasonal=seasonal,
                         seasonal_periods=self.period if seasonal else None)
        return model.fit(disp=False)

    def select(self, y):
        with quiet():
            best = None
            for form in self._forms():
                try:
                    res = self._fit_form(y, form)
                except Exception:  # noqa: BLE001 - a form that cannot be fitted is skipped
                    continue
                if np.isfinite(res.aicc) and (best is None or res.aicc < best[0]):
                    best = (res.aicc, form)
        self.form = best[1]

    def fit(self, y):
        with quiet():
            self.res_ = self._fit_form(y, self.form)
        self.n_ = len(y)

    def predict(self, h):
        return np.asarray(self.res_.forecast(h), dtype=float)

    def interval(self, h, coverage):
        pred = self.res_.get_prediction(start=self.n_, end=self.n_ + h - 1)
        f = pred.summary_frame(alpha=1 - coverage)
        return f[["pi_lower", "pi_upper"]].to_numpy(float)

    def describe(self):
        t, d, s = self.form
        return f"ETS(A,{'N' if t is None else 'Ad' if d else 'A'},{'A' if s else 'N'})"


class ARIMAAIC(Baseline):
    """statsmodels ARIMA; d by KPSS, (p, q) and the drift by AIC; seasonal series get a
    (0, 1, 1, m) seasonal part."""

    def __init__(self, period: int = 1):
        self.period = period

    @staticmethod
    def _kpss_rejects(y) -> bool:
        from statsmodels.tsa.stattools import kpss

        with quiet():
            return bool(kpss(y, regression="c", nlags="auto")[1] < 0.05)

    def _fit_order(self, y, order, trend, start=None):
        from statsmodels.tsa.arima.model import ARIMA

        seasonal = (0, 1, 1, self.period) if self.period > 1 else (0, 0, 0, 0)
        model = ARIMA(y, order=order, seasonal_order=seasonal, trend=trend)
        return model.fit(start_params=start, cov_type="none")

    def select(self, y):
        m = self.period
        base = y[m:] - y[:-m] if m > 1 else y
        d = 1 if self._kpss_rejects(base) else 0
        integrated = d + (1 if m > 1 else 0)
        trends = ["c"] if integrated == 0 else ["n", "t"] if integrated == 1 else ["n"]
        ps, qs = (range(3), range(2)) if m > 1 else (range(4), range(3))
        best = None
        with quiet():
            for p in ps:
                for q in qs:
                    for trend in trends:
                        try:
                            res = self._fit_order(y, (p, d, q), trend)
                        except Exception:  # noqa: BLE001 - an order that fails is skipped
                            continue
                        if np.isfinite(res.aic) and (best is None or res.aic < best[0]):
                            best = (res.aic, (p, d, q), trend, res.params)
        _, self.order, self.trend, self.start_ = best

    def fit(self, y):
        with quiet():
            try:
                self.res_ = self._fit_order(y, self.order, self.trend, self.start_)
            except Exception:  # noqa: BLE001 - a warm start that fails: start afresh
                self.res_ = self._fit_order(y, self.order, self.trend)
        self.start_ = self.res_.params

    def _frame(self, h, coverage):
        return self.res_.get_forecast(h).summary_frame(alpha=1 - coverage)

    def predict(self, h):
        return np.asarray(self.res_.forecast(h), dtype=float)

    def interval(self, h, coverage):
        return self._frame(h, coverage)[["mean_ci_lower", "mean_ci_upper"]].to_numpy(float)

    def describe(self):
        p, d, q = self.order
        seasonal = f"(0,1,1)_{self.period}" if self.period > 1 else ""
        return f"ARIMA({p},{d},{q}){seasonal} {self.trend}"


class Ours:
    """``ARForecaster`` with its defaults (``period=m`` on seasonal series, where the
    forecaster takes a period) and the options of ``--ours-params``, refitted and re-tuned at
    every origin."""

    params: dict = {}

    def __init__(self, period: int = 1):
        from library_of_mirrors.timeseries import ARForecaster

        self.period = period
        try:
            self.template = ARForecaster(period=period if period > 1 else None, **self.params)
        except TypeError:
            self.template = ARForecaster(**self.params)

    def select(self, y):
        pass

    def fit(self, y):
        from sklearn.base import clone

        self.est_ = clone(self.template).fit(y)

    def predict(self, h):
        return np.asarray(self.est_.predict(h), dtype=float).ravel()

    def interval(self, h, coverage):
        try:
            band = self.est_.predict_interval(h, coverage=coverage)
        except NotImplementedError:
            levels = ((1 - coverage) / 2, (1 + coverage) / 2)
            band = self.est_.predict_quantiles(h, levels)
        return np.asarray(band, dtype=float).reshape(h, 2)

    def describe(self):
        est = self.est_
        lags = getattr(est, "lags_", est.get_params().get("lags"))
        transform = getattr(est, "transform_", None)
        return f"lags={lags}" + (f" {transform}" if transform else "")


MODELS = {
    "ours": Ours,
    "ar": AutoRegAIC,
    "ets": ETSAIC,
    "arima": ARIMAAIC,
    "rw": RandomWalk,
    "snaive": SeasonalNaive,
}
BASELINES = [name for name in MODELS if name != "ours"]


# ------------------------------------------------------------------------------------------
# evaluation
# ------------------------------------------------------------------------------------------
def evaluate(series: PanelSeries, model_names, n_cutoffs: int, span: float,
             reselect: bool, ours_params: dict | None = None) -> dict:
    """Every model on one series: scaled errors (origins, H), band hits (origins, H), time.
    BLAS runs on one thread: statsmodels' small matrices gain nothing from more, and on a
    busy machine its threads made single ARIMA fits 10-50 times slower."""
    Ours.params = dict(ours_params or {})  # for worker processes
    with threadpool_limits(1):
        return _evaluate(series, model_names, n_cutoffs, span, reselect)


def _evaluate(series, model_names, n_cutoffs, span, reselect) -> dict:
    y = series.values
    origins = cutoffs(len(y), n_cutoffs, span)
    out = {"series": series.name, "n": int(len(y)), "period": series.period,
           "freq": series.freq, "source": series.source, "origins": origins, "models": {}}
    for name in model_names:
        model = MODELS[name](series.period)
        errors = np.empty((len(origins), H))
        hits = np.empty((len(origins), H))
        widths = np.empty((len(origins), H))
        fails, chosen = 0, set()
        t0, c0 = time.perf_counter(), time.process_time()
        for j, c in enumerate(origins):
            train, future = y[:c], y[c:c + H]
            scale = float(np.mean(np.abs(np.diff(train))))
            try:
                if j == 0 or reselect:
                    model.select(train)
                model.fit(train)
                mean = model.predict(H)
                band = model.interval(H, COVERAGE)
                if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(band))):
                    raise FloatingPointError("non-finite forecast")
                if hasattr(model, "describe"):
                    chosen.add(model.describe())
            except Exception:  # noqa: BLE001 - counted; the random walk stands in
                fails += 1
                rw = RandomWalk()
                rw.fit(train)
                mean, band = rw.predict(H), rw.interval(H, COVERAGE)
            errors[j] = np.abs(future - mean) / scale
            lo, hi = np.minimum(band[:, 0], band[:, 1]), np.maximum(band[:, 0], band[:, 1])
            hits[j] = (future >= lo) & (future <= hi)
            widths[j] = (hi - lo) / scale
        seconds = (time.perf_counter() - t0) / len(origins)
        cpu = (time.process_time() - c0) / len(origins)
        out["models"][name] = {
            "mase_h1": float(errors[:, 0].mean()),
            "mase_h5": float(errors[:, H - 1].mean()),
            "mase_by_h": errors.mean(axis=0).tolist(),
            "coverage": float(hits.mean()),
            "width": float(widths.mean()),
            "seconds_per_origin": seconds,
            "cpu_per_origin": cpu,
            "fails": fails,
            "chosen": sorted(chosen),
        }
    return out


def _row(name, r):
    return (f"  {name:<8}{r['mase_h1']:>8.3f}{r['mase_h5']:>8.3f}{r['coverage']:>7.2f}"
            f"{r['width']:>8.2f}{r['seconds_per_origin']:>9.2f}{r['cpu_per_origin']:>9.2f}"
            f"{r['fails']:>5}  "
            f"{'; '.join(r['chosen'])[:60]}")


HEAD = (f"  {'model':<8}{'MASE1':>8}{'MASE5':>8}{'cov80':>7}{'width':>8}{'s/orig':>9}"
        f"{'cpu/orig':>9}{'fail':>5}  chosen")


def print_series(res: dict) -> None:
    o = res["origins"]
    print(f"\n{res['series']} ({res['freq']}, n={res['n']}, m={res['period']}; {len(o)} origins "
          f"{o[0]}..{o[-1]} every {o[1] - o[0] if len(o) > 1 else 0}; {res['source']})")
    print(HEAD)
    for name, r in res["models"].items():
        print(_row(name, r), flush=True)


def summarize(results: list[dict], model_names) -> dict:
    """Panel means per model, the best single baseline per horizon, ours against it."""
    panel = {}
    for name in model_names:
        rows = [r["models"][name] for r in results]
        panel[name] = {k: float(np.mean([row[k] for row in rows]))
                       for k in ("mase_h1", "mase_h5", "coverage", "width",
                                 "seconds_per_origin", "cpu_per_origin")}
        panel[name]["fails"] = int(sum(row["fails"] for row in rows))
    summary = {"panel": panel}
    baselines = [m for m in model_names if m != "ours"]
    for key in ("mase_h1", "mase_h5"):
        if baselines:
            best = min(baselines, key=lambda m: panel[m][key])
            summary[f"best_baseline_{key}"] = {"model": best, "value": panel[best][key]}
            if "ours" in panel:
                ratio = panel["ours"][key] / panel[best][key]
                summary[f"ours_over_best_{key}"] = ratio
                summary[f"ours_no_worse_{key}"] = bool(ratio <= 1.0)
    # per-series winners
    summary["winners"] = {
        r["series"]: {k: min(r["models"], key=lambda m, k=k: r["models"][m][k])
                      for k in ("mase_h1", "mase_h5")} for r in results}
    return summary


def print_summary(results, summary, model_names) -> None:
    names = [r["series"] for r in results]
    for key, label in (("mase_h1", "MASE at h = 1"), ("mase_h5", "MASE at h = 5"),
                       ("coverage", "coverage of the 80% band (h = 1..5)")):
        print(f"\n{label}, per series")
        head = f"  {'model':<8}" + "".join(f"{n[:10]:>11}" for n in names) + f"{'mean':>9}"
        print(head)
        for m in model_names:
            vals = [r["models"][m][key] for r in results]
            print(f"  {m:<8}" + "".join(f"{v:>11.3f}" for v in vals)
                  + f"{summary['panel'][m][key]:>9.3f}")
    print("\nPanel means")
    print(f"  {'model':<8}{'MASE1':>8}{'MASE5':>8}{'cov80':>7}{'s/orig':>9}{'cpu/orig':>9}"
          f"{'fails':>6}")
    for m in model_names:
        p = summary["panel"][m]
        print(f"  {m:<8}{p['mase_h1']:>8.3f}{p['mase_h5']:>8.3f}{p['coverage']:>7.2f}"
              f"{p['seconds_per_origin']:>9.2f}{p['cpu_per_origin']:>9.2f}{p['fails']:>6}")
    for key, h in (("mase_h1", 1), ("mase_h5", 5)):
        best = summary.get(f"best_baseline_{key}")
        if best is None:
            continue
        line = f"\nh = {h}: best single baseline {best['model']} ({best['value']:.3f})"
        if "ours" in summary["panel"]:
            ratio = summary[f"ours_over_best_{key}"]
            verdict = "no worse" if ratio <= 1.0 else "worse"
            line += (f"; ours {summary['panel']['ours'][key]:.3f}, ratio ours/best "
                     f"{ratio:.3f}: {verdict}")
        print(line, end="")
    print()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", nargs="+", choices=list(MODELS), default=list(MODELS))
    ap.add_argument("--series", nargs="+", choices=list(PANEL),
                    help="default: the whole panel (--quick: nile, elec_equip, realgdp)")
    ap.add_argument("--cutoffs", type=int, default=15, help="rolling origins per series")
    ap.add_argument("--span", type=float, default=0.25,
                    help="fraction of each series the origins span (about)")
    ap.add_argument("--reselect", action="store_true",
                    help="choose the baselines' configurations at every origin")
    ap.add_argument("--jobs", type=int, default=1,
                    help="series evaluated in parallel processes (timings then share cores)")
    ap.add_argument("--ours-params", metavar="JSON", default="{}",
                    help='options of ARForecaster, e.g. \'{"cv": 3}\'')
    ap.add_argument("--quick", action="store_true",
                    help="3 origins per series on nile, elec_equip and realgdp")
    ap.add_argument("--json", metavar="PATH", help="write every number as JSON")
    args = ap.parse_args()
    if args.quick:
        args.cutoffs = 3
        args.series = args.series or ["nile", "elec_equip", "realgdp"]
    args.series = args.series or list(PANEL)
    Ours.params = json.loads(args.ours_params)
    version = versions()
    print(f"library_of_mirrors {version['library_of_mirrors']} at {version['commit']}")
    panel = load_panel(args.series)
    t0 = time.perf_counter()
    jobs = [(s, args.models, args.cutoffs, args.span, args.reselect, Ours.params)
            for s in panel]
    if args.jobs > 1:
        with ProcessPoolExecutor(args.jobs) as pool:
            futures = [pool.submit(evaluate, *job) for job in jobs]
            results = []
            for f in futures:
                results.append(f.result())
                print_series(results[-1])
    else:
        results = []
        for job in jobs:
            results.append(evaluate(*job))
            print_series(results[-1])
    summary = summarize(results, args.models)
    print_summary(results, summary, args.models)
    total = time.perf_counter() - t0
    print(f"\ntotal {total:.0f} s ({args.cutoffs} origins per series, H = {H}, "
          f"{'reselect' if args.reselect else 'select once'})")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"settings": {"cutoffs": args.cutoffs, "span": args.span, "H": H,
                                    "coverage": COVERAGE, "reselect": args.reselect,
                                    "models": args.models, "ours_params": Ours.params},
                       "versions": version, "series": results, "summary": summary,
                       "seconds": total}, fh, indent=1)


if __name__ == "__main__":
    main()
