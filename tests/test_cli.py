"""The ``mirrors`` command: in-process through ``main`` (tests/cli_runner.py), and through a
real subprocess where the process boundary matters (a closed pipe)."""

import csv
import json
import subprocess
import sys

import numpy as np
import pytest
from cli_runner import run_cli

import library_of_mirrors as lom
from library_of_mirrors.timeseries import read_series


def run(*args):
    return run_cli(*args)


def test_features_prints_breakpoints_with_provenance():
    p = run("features", "--activation", "abs", "--depth", "3", "--x", "2,0,-1,3", "--quiet")
    assert p.returncode == 0, p.stderr
    assert "n_features=16" in p.stdout
    assert "1 reflection [R(x[0], x[1]) = 2x[1] - x[0]]" in p.stdout
    assert "midpoint [(x[0] + x[1])/2]" in p.stdout


def test_features_from_csv(tmp_path):
    f = tmp_path / "pts.csv"
    f.write_text("t,value\n0,1.5\n1,0.5\n2,3.0\n")
    p = run("features", "--csv", str(f), "--column", "value", "--activation", "relu",
            "--depth", "2", "--quiet")
    assert p.returncode == 0, p.stderr
    assert "n_samples=3" in p.stdout


@pytest.mark.parametrize(
    "args, msg",
    [
        (["features", "--x", "1,1", "--quiet"], "at least 2 distinct points"),
        (["features", "--x", "1,a"], "--x must be comma-separated numbers"),
        (["features", "--activation", "sign", "--depth", "3"], "unsupported combination"),
        (["features", "--csv", "/nonexistent/file.csv"], "no such file"),
        (["features", "--activation", "gelu"], "invalid choice: 'gelu'"),
        (["nothing"], "invalid choice: 'nothing'"),
    ],
)
def test_errors_are_one_line_exit_2(args, msg):
    p = run(*args)
    assert p.returncode == 2
    assert msg in p.stderr
    assert "Traceback" not in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1


def test_bad_csv_column(tmp_path):
    f = tmp_path / "pts.csv"
    f.write_text("a,b\n1,x\n2,y\n")
    p = run("features", "--csv", str(f), "--column", "c")
    assert p.returncode == 2 and "pts.csv: no column 'c'; columns: a, b" in p.stderr
    p = run("features", "--csv", str(f), "--column", "b")
    assert p.returncode == 2 and "non-numeric value 'x' in column 'b' at line 2" in p.stderr


def test_closed_pipe_is_not_a_traceback():

    proc = subprocess.run(
        f"{sys.executable} -m library_of_mirrors.cli features --activation abs --depth 3 "
        "--x 2,0,-1,3,5,7,1.5,8,9.5,-3,4.2,6.1 | head -1",  # output > the pipe's buffer
        shell=True, capture_output=True, text=True)
    assert proc.stdout.startswith("Dictionary(")
    assert "Traceback" not in proc.stderr


# ----------------------------------------------------------------------------------------------
# fit, predict, forecast, backtest, demo


def _series_csv(path, n=60, seed=0, bad=None):
    rng = np.random.default_rng(seed)
    v = 10 + np.cumsum(rng.normal(size=n)) * 0.3 + np.sin(np.arange(n) / 3)
    lines = ["date,level,other"]
    days = np.datetime64("2020-01-01") + np.arange(n)  # daily, 2020-01-01 onwards
    for i, x in enumerate(v):
        cell = f"{x:.6f}"
        if bad is not None and i == bad[0]:
            cell = bad[1]
        lines.append(f"{days[i]},{cell},{i}")
    path.write_text("\n".join(lines) + "\n")
    return v


def test_fit_writes_model_breakpoints_and_plot(tmp_path):
    out = tmp_path / "fit"
    p = run("fit", "sunspots", "--depth", "2", "--out", str(out), "--quiet")
    assert p.returncode == 0, p.stderr
    assert sorted(f.name for f in out.iterdir()) == ["breakpoints.csv", "fit.png", "model.json"]
    assert (out / "fit.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    rows = list(csv.DictReader((out / "breakpoints.csv").open()))
    assert rows and {r["kind"] for r in rows} <= {"data", "midpoint", "reflection"}
    # beta chosen by time-ordered cross-validation (lag pairs: no random folds), and the saved
    # model is the optimum of the standardized lag-1 problem at that beta
    from sklearn.model_selection import TimeSeriesSplit

    from library_of_mirrors.timeseries import load_sunspots

    model = lom.ConvexNetRegressor.load(out / "model.json")
    v = np.asarray(load_sunspots().values, dtype=float)
    x, y = v[:-1], v[1:]
    assert model.beta == "auto" and model.standardize
    assert isinstance(model.cv, TimeSeriesSplit) and model.cv.n_splits == 5
    res = model.cv_results_
    assert model.beta_ == res["beta"][np.argmin(res["mean_test_loss"])]
    xs, ys = (x - x.mean()) / x.std(), (y - y.mean()) / y.std()
    ref = lom.solve_lasso(lom.build_dictionary(xs, "abs", 2), ys, model.beta_)
    assert model.result_.objective == pytest.approx(ref.objective, rel=1e-9)
    np.testing.assert_allclose(model.predict(x), y.mean() + y.std() * ref.predict(
        lom.build_dictionary(xs, "abs", 2), xs), rtol=1e-9, atol=1e-9)
    # a second run refuses to overwrite, before doing any work; --force overwrites
    p = run("fit", "sunspots", "--depth", "2", "--out", str(out))
    assert p.returncode == 2 and "already holds model.json, breakpoints.csv, fit.png" in p.stderr
    assert "Traceback" not in p.stderr and len(p.stderr.strip().splitlines()) == 1
    p = run("fit", "sunspots", "--depth", "2", "--out", str(out), "--force", "--quiet")
    assert p.returncode == 0, p.stderr


def test_fit_two_columns_then_predict(tmp_path):
    f = tmp_path / "xy.csv"
    rng = np.random.default_rng(1)
    x = np.sort(rng.uniform(-2, 2, 25))
    y = np.abs(x) + 0.1 * rng.normal(size=25)
    f.write_text("x,y\n" + "\n".join(f"{a},{b}" for a, b in zip(x, y)) + "\n")
    out = tmp_path / "m"
    p = run("fit", str(f), "--x", "x", "--y", "y", "--activation", "relu", "--depth", "2",
            "--beta", "0.05", "--absolute-beta", "--out", str(out))
    assert p.returncode == 0, p.stderr
    assert "fitted a 2-layer relu network to 25 points (beta 0.05)" in p.stdout
    model = lom.ConvexNetRegressor.load(out / "model.json")
    ref = lom.ConvexNetRegressor("relu", 2, beta=0.05, standardize=False).fit(x, y)
    assert model.result_.objective == pytest.approx(ref.result_.objective, rel=1e-9)
    p = run("predict", str(out / "model.json"), "--x=-1,0,0.5")
    assert p.returncode == 0, p.stderr
    lines = p.stdout.strip().splitlines()
    assert lines[0] == "x,prediction"
    got = np.array([float(line.split(",")[1]) for line in lines[1:]])
    np.testing.assert_allclose(got, ref.predict(np.array([-1, 0, 0.5])), rtol=1e-9)
    pred = tmp_path / "pred.csv"
    p = run("predict", str(out / "model.json"), "--csv", str(f), "--column", "x",
            "--out", str(pred))
    assert p.returncode == 0, p.stderr
    assert len(pred.read_text().splitlines()) == 26
    p = run("predict", str(out / "model.json"), "--x", "1", "--out", str(pred))
    assert p.returncode == 2 and "pred.csv exists; use --force to overwrite" in p.stderr
    (out / "model.json").write_text((out / "model.json").read_text().replace('"relu"', '"abs"'))
    p = run("predict", str(out / "model.json"), "--x", "1")
    assert p.returncode == 2 and "failed its checksum" in p.stderr


def test_forecast_writes_csv_json_and_plot(tmp_path):
    f = tmp_path / "s.csv"
    _series_csv(f)
    s = read_series(f, "level", "date")
    out = tmp_path / "fc"
    p = run("forecast", str(f), "--column", "level", "--date-column", "date", "--steps", "3",
            "--quantiles", "0.2,0.8", "--out", str(out), "--quiet")
    assert p.returncode == 0, p.stderr
    rows = list(csv.DictReader((out / "forecast.csv").open()))
    # the 60 daily values end on 2020-02-29: the forecast continues the days
    assert [r["index"] for r in rows] == ["2020-03-01", "2020-03-02", "2020-03-03"]
    body = json.loads((out / "forecast.json").read_text())
    # the command is the default forecaster (everything chosen by time-ordered CV)
    fc = lom.ARForecaster(quantiles=(0.2, 0.8)).fit(s)
    assert body["chosen"] == {"transform": fc.transform_, "lags": list(fc.lags_),
                              "beta": fc.beta_, "period": fc.period_}
    assert [(c["transform"], c["lags"], c["beta"]) for c in body["combination"]] == [
        (c["transform"], list(c["lags"]), c["beta"]) for c in fc.combination_]
    np.testing.assert_allclose([float(r["forecast"]) for r in rows], fc.predict(3), rtol=1e-8)
    np.testing.assert_allclose(body["quantiles"]["0.8"], fc.predict_quantiles(3)[:, 1],
                               rtol=1e-8)
    assert body["objective"] == pytest.approx(fc.objective_, rel=1e-9)
    point = np.array([float(r["forecast"]) for r in rows])
    lo, hi = (np.array([float(r[k]) for r in rows]) for k in ("q0.2", "q0.8"))
    assert np.all(lo <= point) and np.all(point <= hi)  # the point inside its band
    assert (out / "forecast.png").stat().st_size > 1000
    # point forecasts only
    p = run("forecast", str(f), "--column", "level", "--date-column", "date", "--steps", "2",
            "--quantiles", "none", "--lags", "2", "--beta", "0.1", "--transform", "none",
            "--combine", "1", "--out", str(tmp_path / "fc2"), "--quiet")
    assert p.returncode == 0, p.stderr
    assert len(json.loads((tmp_path / "fc2" / "forecast.json").read_text())["combination"]) == 1
    rows = list(csv.DictReader((tmp_path / "fc2" / "forecast.csv").open()))
    assert list(rows[0]) == ["index", "forecast"]
    twin = lom.ARForecaster(lags=2, beta=0.1, transform="none", intervals="none").fit(s)
    np.testing.assert_allclose([float(r["forecast"]) for r in rows], twin.predict(2),
                               rtol=1e-8)


def test_backtest_writes_rows_summary_and_plot(tmp_path):
    f = tmp_path / "s.csv"
    _series_csv(f, n=50)
    out = tmp_path / "bt"
    p = run("backtest", str(f), "--column", "1", "--initial", "44", "--horizon", "2",
            "--step", "2", "--adam-epochs", "50", "--out", str(out))
    assert p.returncode == 0, p.stderr
    rows = list(csv.DictReader((out / "backtest.csv").open()))
    assert len(rows) == 4 * 3  # models x cutoffs 44, 46, 48
    assert {r["model"] for r in rows} == {"exact network", "random walk", "AR(1)+bias",
                                          "Adam network"}
    summary = list(csv.DictReader((out / "backtest_summary.csv").open()))
    assert [r["folds"] for r in summary] == ["3"] * 4
    assert "MASE" in p.stdout and (out / "backtest.png").exists()
    assert "backtest:" in p.stderr  # the progress bar


def test_demo_in_a_fresh_folder(tmp_path):
    out = tmp_path / "demo"
    p = run("demo", "--out", str(out), "--seed", "0", "--quiet")
    assert p.returncode == 0, p.stderr
    summary = json.loads((out / "summary.json").read_text())
    adam = summary["adam"]
    # acceptance: the exact optimum is never above Adam's objective on the same problem
    assert all(a >= adam["optimum"] - summary["fit"]["gap"] for a in adam["adam_objectives"])
    assert summary["fit"]["beta_chosen_by_cv"]
    assert [r["model"] for r in summary["backtest"]] == [
        "exact network", "random walk", "AR(1)+bias", "Adam network"]
    assert summary["fit"]["breakpoints"]["reflection"] > 0  # the 3-layer library's mirrors
    rows = list(csv.DictReader((out / "forecast.csv").open()))
    for r in rows:  # the forecast inside its band
        assert float(r["q0.1"]) <= float(r["forecast"]) <= float(r["q0.9"])
    assert len(list(out.iterdir())) == 10
    p = run("demo", "--out", str(out))
    assert p.returncode == 2 and "use --force" in p.stderr


@pytest.mark.parametrize("make, args, msg", [
    (None, ["forecast", "/no/such.csv"], "no such file: /no/such.csv"),
    ("ok", ["forecast", "{f}", "--column", "price"],
     "s.csv: no column 'price'; columns: date, level, other"),
    ((5, "abc"), ["forecast", "{f}", "--column", "level"],
     "s.csv: non-numeric value 'abc' in column 'level' at line 7"),
    ((5, "nan"), ["backtest", "{f}", "--column", "level"],
     "s.csv: missing value in column 'level' at line 7"),
    ("short", ["forecast", "{f}", "--column", "level"], "needs at least 4 points, got 3"),
    ("short", ["fit", "{f}", "--y", "level"], "needs at least 4 points, got 3"),
    ("ok", ["forecast", "{f}", "--quantiles", "0.1,2"], "quantiles must be levels strictly"),
    ("ok", ["forecast", "{f}", "--activation", "sign", "--depth", "3"],
     "unsupported combination"),
    ("ok", ["backtest", "{f}", "--window", "sliding", "--window-size", "3"],
     "window_size=3 is too small"),
    ("ok", ["fit", "{f}", "--y", "level", "--loss", "quantile"], "quantile"),
    (None, ["predict", "/no/model.json", "--x", "1"], "no such file: /no/model.json"),
    (None, ["fit", "nile", "--column", "x"], "unrecognized arguments: --column x"),
    (None, ["fit", "nile", "--x", "year"], "the bundled series 'nile' has one column"),
    (None, ["fit", "nile", "--beta", "0.1x"],
     "argument --beta: must be \"auto\" or a positive number, got '0.1x'"),
    (None, ["fit", "nile", "--beta", "-1"], 'beta must be "auto" or a positive number, got -1.0'),
    (None, ["fit", "nile", "--cv", "1"], "--cv must be an integer >= 2, got 1"),
    (None, ["cv", "nile", "--folds", "1"], "--folds must be an integer >= 2, got 1"),
    (None, ["forecast", "sunspots", "--date-column", "YEAR"],
     "the bundled series 'sunspots' has one column and its own dates"),
    (None, ["forecast", "sunspots", "--quantiles", ","],
     "quantiles must be levels strictly between 0 and 1, got none"),
])
def test_bad_input_is_one_line_exit_2(tmp_path, make, args, msg):
    f = tmp_path / "s.csv"
    if make == "short":
        f.write_text("date,level\n2020-01-01,1\n2020-01-02,2\n2020-01-03,3\n")
    elif make is not None:
        _series_csv(f, bad=None if make == "ok" else make)
    p = run(*[a.format(f=f) for a in args], "--out" if args[0] != "predict" else "--quiet",
            *([str(tmp_path / "out")] if args[0] != "predict" else []))
    assert p.returncode == 2, p.stdout
    assert msg in p.stderr
    assert "Traceback" not in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1, p.stderr
    assert not (tmp_path / "out").exists()  # a failed command leaves no empty output folder
