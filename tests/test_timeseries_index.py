"""The index of a series: the frequency read_series infers from a CSV's dates, future_index
(the dates of a forecast) and the series shipped with statsmodels."""

import sys

import numpy as np
import pandas as pd
import pytest

from library_of_mirrors.timeseries import (
    STATSMODELS_SERIES,
    RandomWalk,
    future_index,
    load_statsmodels,
    read_series,
)
from library_of_mirrors.timeseries.datasets import index_label


def _csv(tmp_path, dates) -> pd.Series:
    p = tmp_path / "s.csv"
    p.write_text("when,value\n" + "".join(f"{d},{k % 7 + 0.5 * k}\n"
                                          for k, d in enumerate(dates)))
    return read_series(p, "value", "when")


def _labels(index) -> list[str]:
    return [index_label(v) for v in index]


def test_month_ends_continue_with_the_calendar(tmp_path):
    s = _csv(tmp_path, [f"{d:%Y-%m-%d}" for d in pd.date_range("2024-01-31", "2024-12-31",
                                                                freq="ME")])
    assert isinstance(s.index, pd.DatetimeIndex) and s.index.freqstr == "ME"
    nxt = future_index(s.index, 3)
    assert _labels(nxt) == ["2025-01-31", "2025-02-28", "2025-03-31"]
    assert nxt.freqstr == "ME"


def test_month_starts_from_year_month_text(tmp_path):
    s = _csv(tmp_path, ["2023-11", "2023-12", "2024-01", "2024-02"])
    assert s.index.freqstr == "MS"
    assert _labels(future_index(s.index, 2)) == ["2024-03-01", "2024-04-01"]


@pytest.mark.parametrize("freq,after", [
    ("QS", ["2025-01-01", "2025-04-01"]),
    ("QE", ["2025-03-31", "2025-06-30"]),
])
def test_quarters(tmp_path, freq, after):
    dates = pd.date_range("2022-01-01", "2024-12-31", freq=freq)
    s = _csv(tmp_path, [f"{d:%Y-%m-%d}" for d in dates])
    assert s.index.freqstr.startswith(freq) and len(s) == 12
    assert _labels(future_index(s.index, 2)) == after


def test_hours_across_midnight(tmp_path):
    dates = pd.date_range("2024-02-28 19:00", periods=6, freq="h")
    s = _csv(tmp_path, [f"{d:%Y-%m-%d %H:%M}" for d in dates])
    assert s.index.freqstr == "h"
    # 2024 is a leap year: after Feb 28 comes Feb 29
    assert _labels(future_index(s.index, 3)) == ["2024-02-29 01:00:00", "2024-02-29 02:00:00",
                                                 "2024-02-29 03:00:00"]


def test_business_days_skip_the_weekend(tmp_path):
    s = _csv(tmp_path, [f"{d:%Y-%m-%d}" for d in pd.bdate_range("2024-01-01", "2024-01-12")])
    assert s.index.freqstr == "B" and s.index[-1].day_name() == "Friday"
    assert _labels(future_index(s.index, 2)) == ["2024-01-15", "2024-01-16"]


def test_a_datetime_index_without_freq_is_inferred_or_refused():
    idx = pd.DatetimeIndex(["2024-01-31", "2024-02-29", "2024-03-31"])
    assert idx.freq is None
    assert _labels(future_index(idx, 1)) == ["2024-04-30"]
    with pytest.raises(ValueError, match="the dates are irregular"):
        future_index(pd.DatetimeIndex(["2024-01-01", "2024-01-02", "2024-01-09"]), 2)
    with pytest.raises(ValueError, match="the dates are irregular"):
        future_index(pd.DatetimeIndex(["2024-01-01", "2024-01-02"]), 2)


def test_periods_numbers_and_arrays():
    years = pd.period_range("2000", periods=9, freq="Y")
    assert [p.year for p in future_index(years, 3)] == [2009, 2010, 2011]
    quarters = pd.period_range("2008Q1", periods=7, freq="Q")
    assert [str(p) for p in future_index(quarters, 3)] == ["2009Q4", "2010Q1", "2010Q2"]
    pd.testing.assert_index_equal(future_index(pd.RangeIndex(5), 3), pd.RangeIndex(5, 8))
    pd.testing.assert_index_equal(future_index(pd.RangeIndex(0, 20, 5), 2),
                                  pd.RangeIndex(20, 30, 5))
    assert future_index(np.array([3, 6, 9]), 2).tolist() == [12, 15]
    assert future_index(pd.Index([0.5, 1.0, 1.5]), 2).tolist() == [2.0, 2.5]
    assert future_index([7], 2).tolist() == [8, 9]  # a single number continues by 1
    s = pd.Series([1.0, 2.0], index=pd.period_range("1990", periods=2, freq="Y"))
    assert [p.year for p in future_index(s, 1)] == [1992]  # a Series: its index


def test_future_index_errors():
    with pytest.raises(ValueError, match="the index is irregular"):
        future_index(pd.Index([1, 2, 4]), 1)
    with pytest.raises(ValueError, match="non-empty index"):
        future_index(pd.Index([], dtype=float), 1)
    with pytest.raises(ValueError, match="steps must be an integer >= 1"):
        future_index(pd.RangeIndex(3), 0)
    with pytest.raises(TypeError, match="needs a DatetimeIndex, a PeriodIndex or a numeric"):
        future_index(pd.Index(["a", "b"]), 1)


def test_forecasts_of_a_pandas_series_are_dated(tmp_path):
    """A model fitted on a read series forecasts on the dates after it."""
    s = _csv(tmp_path, [f"{d:%Y-%m-%d}" for d in pd.date_range("2024-01-31", "2024-12-31",
                                                                freq="ME")])
    rw = RandomWalk().fit(s)
    point = rw.predict(3)
    assert isinstance(point, pd.Series)
    assert _labels(point.index) == ["2025-01-31", "2025-02-28", "2025-03-31"]
    assert point.tolist() == [s.iloc[-1]] * 3
    band = rw.predict_interval(3, 0.8)
    assert list(band.columns) == ["lower", "upper"] and band.index.equals(point.index)


# -- statsmodels --------------------------------------------------------------------------------


@pytest.mark.parametrize("name,index_type,freq,n,first,last", [
    ("co2", pd.DatetimeIndex, "MS", 526, "1958-03-01", "2001-12-01"),
    ("elec_equip", pd.DatetimeIndex, "MS", 257, "1995-01-01", "2016-05-01"),
    ("elnino", pd.DatetimeIndex, "MS", 732, "1950-01-01", "2010-12-01"),
    ("macro_realgdp", pd.PeriodIndex, "Q-DEC", 203, "1959Q1", "2009Q3"),
    ("macro_unemp", pd.PeriodIndex, "Q-DEC", 203, "1959Q1", "2009Q3"),
    ("macro_infl", pd.PeriodIndex, "Q-DEC", 203, "1959Q1", "2009Q3"),
    ("macro_cpi", pd.PeriodIndex, "Q-DEC", 203, "1959Q1", "2009Q3"),
    ("sunspots", pd.PeriodIndex, "Y-DEC", 309, "1700", "2008"),
    ("nile", pd.PeriodIndex, "Y-DEC", 100, "1871", "1970"),
])
def test_statsmodels_series_have_the_documented_index(name, index_type, freq, n, first, last):
    pytest.importorskip("statsmodels")
    s = load_statsmodels(name)
    assert isinstance(s, pd.Series) and s.name == name and s.dtype == float
    assert isinstance(s.index, index_type) and s.index.freqstr == freq
    assert len(s) == n and index_label(s.index[0]) == first and index_label(s.index[-1]) == last
    assert np.all(np.isfinite(s.to_numpy()))
    assert "statsmodels.datasets." in s.attrs["source"]
    assert "public domain" in s.attrs["source"]
    assert len(future_index(s.index, 2)) == 2


def test_statsmodels_series_match_their_tables():
    pytest.importorskip("statsmodels")
    from statsmodels.datasets import co2, elnino, macrodata

    table = elnino.load_pandas().data
    s = load_statsmodels("elnino")
    assert s["1951-03-01"] == table.loc[1, "MAR"] and s.iloc[-1] == table.iloc[-1]["DEC"]
    macro = macrodata.load_pandas().data
    gdp = load_statsmodels("macro_realgdp")
    assert gdp[pd.Period("1960Q2", freq="Q")] == macro.loc[5, "realgdp"]
    # a month of co2 is the mean of its weeks (1990-06 has no missing week)
    weekly = co2.load_pandas().data["co2"]
    june = weekly["1990-06-01":"1990-06-30"]
    assert june.notna().all() and load_statsmodels("co2")["1990-06-01"] == june.mean()
    sun = load_statsmodels("sunspots")
    assert sun.iloc[:3].tolist() == [5.0, 11.0, 16.0]


def test_statsmodels_errors(monkeypatch):
    with pytest.raises(ValueError, match="unknown statsmodels series 'air'; choose from co2"):
        load_statsmodels("air")
    assert set(STATSMODELS_SERIES) >= {"co2", "elec_equip", "macro_realgdp", "elnino"}
    monkeypatch.setitem(sys.modules, "statsmodels.datasets.nile", None)
    with pytest.raises(ImportError, match='pip install "library_of_mirrors\\[forecast\\]"'):
        load_statsmodels("nile")
