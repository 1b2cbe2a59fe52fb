"""Prediction bands of the baselines and the backtest's probabilistic scores: the pinball loss
only for models that make quantiles or bands, and the empirical coverage of the central band,
both recomputed by hand."""

import math

import numpy as np
import pandas as pd
import pytest

from library_of_mirrors.timeseries import (
    AR1,
    AdamNetwork,
    ARForecaster,
    RandomWalk,
    SeasonalNaive,
    backtest,
)


@pytest.fixture(scope="module")
def wave():
    rng = np.random.default_rng(3)
    t = np.arange(48)
    return 10 + 3 * np.sin(2 * np.pi * t / 12) + 0.05 * t + 0.4 * rng.normal(size=48)


def test_random_walk_and_ar1_bands_are_their_quantiles(wave):
    for model in (RandomWalk(), AR1()):
        model.fit(wave)
        assert model.has_intervals and model.has_quantiles
        band = model._interval(4, 0.8)
        np.testing.assert_allclose(band, model.predict_quantiles(4, (0.1, 0.9)), rtol=1e-12)
        wide = model._interval(4, 0.95)
        assert np.all(wide[:, 0] < band[:, 0]) and np.all(band[:, 1] < wide[:, 1])
        np.testing.assert_allclose(model.predict_interval(4, 0.8), band)
    rw = RandomWalk().fit(wave)
    d = np.diff(wave) - np.diff(wave).mean()
    np.testing.assert_allclose(rw._interval(1, 0.5)[0],
                               wave[-1] + np.quantile(d, [0.25, 0.75]), rtol=1e-12)


def test_seasonal_naive_repeats_the_last_season(wave):
    m = 12
    sn = SeasonalNaive(m).fit(wave)
    np.testing.assert_array_equal(sn.predict(30), np.tile(wave[-m:], 3)[:30])
    band = sn._interval(30, 0.8)
    diffs = wave[m:] - wave[:-m]
    q = np.quantile(diffs - diffs.mean(), [0.1, 0.9])
    for h in (1, 12, 13, 25, 30):
        spread = math.sqrt(math.ceil(h / m))
        np.testing.assert_allclose(band[h - 1], wave[-m + (h - 1) % m] + spread * q,
                                   rtol=1e-12)
    s = pd.Series(wave, index=pd.date_range("2020-01-01", periods=48, freq="MS"))
    point = SeasonalNaive(m).fit(s).predict(2)
    assert point.index[0] == pd.Timestamp("2024-01-01") and point.iloc[0] == wave[-m]
    with pytest.raises(ValueError, match="period must be an integer >= 1"):
        SeasonalNaive(0).fit(wave)
    with pytest.raises(ValueError, match="needs at least 15 points"):
        SeasonalNaive(12).fit(wave[:14])


def test_backtest_coverage_and_pinball_by_hand(wave):
    s = pd.Series(wave, index=pd.date_range("2020-01-31", periods=48, freq="ME"))
    levels = (0.1, 0.9)
    bt = backtest(s, ARForecaster(beta=0.1, quantiles=levels), horizon=3, initial=40, step=2,
                  baselines=("random_walk", "adam", SeasonalNaive(12)),
                  adam_options={"epochs": 30, "width": 5})
    cutoffs = [40, 42, 44]
    assert bt.models == ["exact network", "random walk", "Adam network", "seasonal naive"]
    assert bt.coverage == 0.8
    for name, model in (("random walk", RandomWalk()), ("seasonal naive", SeasonalNaive(12))):
        rows = [r for r in bt.rows if r["model"] == name]
        # the label of a fold: the date of its last training value
        assert [r["cutoff"] for r in rows] == ["2023-04-30", "2023-06-30", "2023-08-31"]
        inside = []
        for r, c in zip(rows, cutoffs):
            y = wave[c:c + 3]
            q = model.fit(wave[:c]).predict_quantiles(3, levels)
            hits = [q[h, 0] <= y[h] <= q[h, 1] for h in range(3)]
            assert r["coverage"] == pytest.approx(sum(hits) / 3)
            tau = np.array(levels)
            loss = np.maximum(tau * (y[:, None] - q), (tau - 1) * (y[:, None] - q))
            assert r["pinball"] == pytest.approx(loss.mean())
            inside += hits
        summary = {r["model"]: r for r in bt.summary()}
        assert summary[name]["coverage"] == pytest.approx(np.mean(inside))
    # the exact network's band: its 0.1 and 0.9 quantile fits
    assert all(0.0 <= r["coverage"] <= 1.0 for r in bt.rows if r["model"] == "exact network")
    # a point-only model has no pinball loss and no coverage
    adam = [r for r in bt.rows if r["model"] == "Adam network"]
    assert len(adam) == 3 and all(np.isnan(r["pinball"]) and np.isnan(r["coverage"])
                                  for r in adam)
    summary = {r["model"]: r for r in bt.summary()}
    assert np.isnan(summary["Adam network"]["pinball"])
    assert np.isfinite(summary["Adam network"]["mae"])
    line = next(x for x in bt.table().splitlines() if x.startswith("Adam network"))
    assert line.split()[-2:] == ["-", "-"]
    assert "cover 80%" in bt.table().splitlines()[0]


def test_backtest_files_leave_missing_scores_empty(tmp_path, wave):
    bt = backtest(wave, ARForecaster(beta=0.1), horizon=1, initial=45,
                  baselines=("random_walk", "adam"), coverage=0.5,
                  adam_options={"epochs": 10, "width": 3})
    path = bt.to_csv(tmp_path / "bt.csv")
    lines = path.read_text().splitlines()
    assert lines[0] == "model,fold,cutoff,train_size,fit_time,mae,rmse,mase,pinball,coverage"
    adam = [x for x in lines if x.startswith("Adam network")]
    assert adam and all(x.endswith(",,") for x in adam)
    rw = [r for r in bt.rows if r["model"] == "random walk"]
    band = RandomWalk().fit(wave[:45])._interval(1, 0.5)[0]
    assert rw[0]["coverage"] == float(band[0] <= wave[45] <= band[1])
    frame = bt.to_frame()
    assert "coverage" in frame.columns and frame["pinball"].isna().sum() == len(adam)


def test_backtest_score_options_are_checked(wave):
    with pytest.raises(ValueError, match="coverage must be levels strictly between 0 and 1"):
        backtest(wave, horizon=1, initial=45, baselines=(), coverage=1.0)
    with pytest.raises(ValueError, match="two models of the backtest are named 'random walk'"):
        backtest(wave, horizon=1, initial=45, baselines=("random_walk", RandomWalk()))
    with pytest.raises(ValueError, match="unknown baseline"):
        backtest(wave, horizon=1, initial=45, baselines=("seasonal",))


def test_point_only_models_make_no_bands(wave):
    adam = AdamNetwork(epochs=5, width=3, seed=0).fit(wave)
    assert not adam.has_intervals and not adam.has_quantiles
    with pytest.raises(NotImplementedError, match="makes point forecasts only"):
        adam.predict_interval(2)
