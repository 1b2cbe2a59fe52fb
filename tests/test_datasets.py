"""Bundled series and the CSV reader: exact contents, the index it builds, missing values and
dates, and one clear error per problem."""

import numpy as np
import pandas as pd
import pytest

from library_of_mirrors.timeseries import future_index, load_nile, load_sunspots, read_series
from library_of_mirrors.timeseries.datasets import check_series


def _write(tmp_path, text: str, name: str = "s.csv"):
    p = tmp_path / name
    p.write_text(text)
    return p


def _dated(dates, values=None, skip=(), blank=()) -> str:
    """A "date,v" CSV of ``dates`` (values 0, 1, ...), leaving out rows ``skip`` and the
    values of rows ``blank``."""
    values = range(len(dates)) if values is None else values
    rows = [f"{d},{'' if i in blank else v}" for i, (d, v) in enumerate(zip(dates, values))
            if i not in skip]
    return "date,v\n" + "\n".join(rows) + "\n"


def test_bundled_series_are_the_documented_data():
    s = load_sunspots()
    assert isinstance(s, pd.Series) and s.name == "sunspots" and s.dtype == float
    assert isinstance(s.index, pd.PeriodIndex) and s.index.freqstr == "Y-DEC"
    assert len(s) == 309 and s.index[0].year == 1700 and s.index[-1].year == 2008
    assert s.values[:3].tolist() == [5.0, 11.0, 16.0] and s.values[-1] == 2.9
    n = load_nile()
    assert n.name == "nile" and isinstance(n.index, pd.PeriodIndex)
    assert len(n) == 100 and n.index[0].year == 1871 and n.values[0] == 1120.0
    assert "public domain" in s.attrs["source"] and "public domain" in n.attrs["source"]


def test_bundled_series_continue_year_by_year():
    s = load_sunspots()
    nxt = future_index(s.index, 3)
    assert isinstance(nxt, pd.PeriodIndex) and [p.year for p in nxt] == [2009, 2010, 2011]
    assert [str(p) for p in future_index(load_nile().index, 2)] == ["1971", "1972"]


def test_read_series_columns_and_dates(tmp_path):
    p = _write(tmp_path, "date,a,b\n2024-01-01,1,10\n2024-01-02,2,20\n2024-01-03,3,30\n"
                         "2024-01-04,4,5\n")
    s = read_series(p, "a", "date")
    assert s.values.tolist() == [1, 2, 3, 4] and s.name == "a"
    assert s.index[1] == pd.Timestamp("2024-01-02") and s.index.freqstr == "D"
    assert s.attrs["source"] == str(p)
    assert read_series(p).values.tolist() == [10, 20, 30, 5]  # default: last column
    assert read_series(p, 1).values.tolist() == [1, 2, 3, 4]
    assert read_series(p, "b", name="level").name == "level"
    pd.testing.assert_index_equal(read_series(p, "b").index, pd.RangeIndex(4))


def test_read_series_formats_and_blank_lines(tmp_path):
    # year-month, day-first with dots, a byte-order mark, blank lines and spaces in the header
    s = read_series(_write(tmp_path, "d,v\n2024-01,1\n2024-02,2\n2024-03,3\n2024-04,4\n"),
                    date_column="d")
    assert s.index.freqstr == "MS" and s.index[-1] == pd.Timestamp("2024-04-01")
    s = read_series(_write(tmp_path, "d,v\n31.01.2024,1\n01.02.2024,2\n02.02.2024,3\n"
                                     "03.02.2024,4\n"), date_column="d")
    assert s.index[1] == pd.Timestamp("2024-02-01") and s.index.freqstr == "D"
    p = tmp_path / "bom.csv"
    p.write_bytes("\ufeffyear, v\n\n2001,1\n2002,2\n\n2003,3\n2004,4\n\n".encode())
    s = read_series(p, " v", "year")
    assert s.values.tolist() == [1, 2, 3, 4] and [x.year for x in s.index] == [2001, 2002,
                                                                                2003, 2004]


@pytest.mark.parametrize("text,kwargs,message", [
    ("t,v\n1,1\n2,2\n3,3\n4,4\n", {"column": "w"}, "s.csv: no column 'w'; columns: t, v"),
    ("t,v\n1,1\n2,x\n3,3\n4,4\n", {}, "s.csv: non-numeric value 'x' in column 'v' at line 3"),
    ("t,v\n1,1\n\n2,x\n3,3\n4,4\n", {}, "non-numeric value 'x' in column 'v' at line 4"),
    ("t,v\n1,1\n2,\n3,3\n4,4\n", {}, "s.csv: missing value in column 'v' at line 3"),
    ("t,v\n1,1\n2,nan\n3,3\n4,4\n", {}, "missing value in column 'v' at line 3"),
    ("t,v\n1,1\n2,NA\n3,3\n4,4\n", {"date_column": "t"}, "missing value in column 'v' at line 3"),
    ("t,v\n1,1\n2,2\n", {}, "s.csv column 'v' needs at least 4 points, got 2"),
    ("t,v\n", {}, "s.csv: needs a header row and data rows"),
    ("", {}, "s.csv: needs a header row and data rows"),
    ("t,v\n1,1\nx,2\n3,3\n4,4\n", {"date_column": "t"}, "cannot parse 'x' as a date in column "
                                                        "'t' at line 3"),
    ("t,v\n2024-01-01,1\n2024-13-45,2\n2024-01-03,3\n", {"date_column": "t"},
     "cannot parse '2024-13-45' as a date in column 't' at line 3"),
    ("t,v\n2024-01-01,1\n,2\n2024-01-03,3\n", {"date_column": "t"},
     "missing date in column 't' at line 3"),
    ("t,v\n1,1\n2,2\n3,3\n4,4\n", {"column": 5}, "column 5 out of range"),
    ("t,v\n1,1\n2,2,7\n3,3\n4,4\n", {}, "s.csv: line 3 has 3 fields, the header 2"),
    ("t,v\n1,1\n2,2\n3,3\n4,4\n", {"missing": "zero"}, "missing must be one of 'error', "
                                                       "'interpolate', 'drop'"),
    ("t,v\n1,1\n2,2\n3,3\n4,4\n", {"freq": "D"}, "freq applies to a date column"),
])
def test_read_series_errors(tmp_path, text, kwargs, message):
    p = _write(tmp_path, text)
    with pytest.raises(ValueError, match=message):
        read_series(p, **kwargs)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file"):
        read_series(tmp_path / "nope.csv")


def test_duplicate_and_unsorted_dates_name_their_lines(tmp_path):
    p = _write(tmp_path, _dated(["2024-01-01", "2024-01-02", "2024-01-02", "2024-01-03"]))
    with pytest.raises(ValueError, match="s.csv: duplicate date 2024-01-02 in column 'date' "
                                         "at line 4 \\(also at line 3\\)"):
        read_series(p, date_column="date")
    p = _write(tmp_path, _dated(["2024-01-01", "2024-01-03", "2024-01-02", "2024-01-04"]))
    with pytest.raises(ValueError, match="not in increasing order: 2024-01-02 at line 4 comes "
                                         "after 2024-01-03 at line 3"):
        read_series(p, date_column="date")
    p = _write(tmp_path, "year,v\n1990,1\n1991,2\n1991,3\n1992,4\n")
    with pytest.raises(ValueError, match="duplicate date 1991 in column 'year' at line 4"):
        read_series(p, date_column="year")


@pytest.mark.parametrize("encoding,message", [
    ("latin-1", "s.csv: not UTF-8 text \\(byte 0xe9 at line 1"),
    ("utf-16", "s.csv: the file is UTF-16 encoded"),
    ("utf-16-le", "s.csv: the file holds NUL bytes"),
])
def test_files_that_are_not_utf8_are_named(tmp_path, encoding, message):
    p = tmp_path / "s.csv"
    p.write_bytes("année,v\n2001,1\n2002,2\n2003,3\n2004,4\n".encode(encoding))
    with pytest.raises(ValueError, match=message):
        read_series(p)


def test_a_missing_month_is_named_then_interpolated_or_dropped(tmp_path):
    months = pd.date_range("2023-01-31", periods=12, freq="ME").strftime("%Y-%m-%d")
    p = _write(tmp_path, _dated(months, [10.0 * k for k in range(12)], skip={5}))
    with pytest.raises(ValueError, match="s.csv: the date 2023-06-30 is missing from column "
                                         "'date': no row between line 6 \\(2023-05-31\\) and "
                                         "line 7 \\(2023-07-31\\).*freq ME.*1 date\\(s\\) "
                                         "missing"):
        read_series(p, date_column="date")
    s = read_series(p, date_column="date", missing="interpolate")
    assert len(s) == 12 and s.index.freqstr == "ME"
    # linear in time: May 31 -> June 30 is 30 of the 61 days to July 31
    assert s[pd.Timestamp("2023-06-30")] == pytest.approx(40 + 20 * 30 / 61)
    assert s.drop(pd.Timestamp("2023-06-30")).tolist() == [10.0 * k for k in range(12) if k != 5]
    s = read_series(p, date_column="date", missing="drop")
    assert len(s) == 11 and s.index.freq is None  # the dates have a hole: no frequency


def test_a_missing_value_is_named_then_interpolated_or_dropped(tmp_path):
    days = pd.date_range("2024-01-01", periods=6, freq="D").strftime("%Y-%m-%d")
    p = _write(tmp_path, _dated(days, [1, 2, 3, 4, 5, 6], blank={2}))
    with pytest.raises(ValueError, match="missing value in column 'v' at line 4"):
        read_series(p, date_column="date")
    s = read_series(p, date_column="date", missing="interpolate")
    assert s.tolist() == [1, 2, 3, 4, 5, 6] and s.index.freqstr == "D"
    s = read_series(p, date_column="date", missing="drop")
    assert s.tolist() == [1, 2, 4, 5, 6] and s.index.freq is None
    # no date column: row numbers, interpolated between the neighbours
    s = read_series(_write(tmp_path, "v\n1\n\n2\nnan\n4\n5\n"), missing="interpolate")
    assert s.tolist() == [1, 2, 3, 4, 5]
    p = _write(tmp_path, _dated(days, [1, 2, 3, 4, 5, 6], blank={0}))
    with pytest.raises(ValueError, match="the first value of column 'v' is missing "
                                         "\\(2024-01-01\\); interpolation needs values on both"):
        read_series(p, date_column="date", missing="interpolate")
    assert read_series(p, date_column="date", missing="drop").index.freqstr == "D"


def test_missing_years_and_explicit_frequency(tmp_path):
    p = _write(tmp_path, "year,v\n1990,1\n1991,2\n1993,4\n1994,5\n")
    with pytest.raises(ValueError, match="the year 1992 is missing from column 'year'"):
        read_series(p, date_column="year")
    s = read_series(p, date_column="year", missing="interpolate")
    assert [x.year for x in s.index] == [1990, 1991, 1992, 1993, 1994]
    assert s.tolist() == [1, 2, 3, 4, 5]
    # business days: a missing Tuesday is a gap, the weekends are not
    days = pd.bdate_range("2024-01-01", periods=15).strftime("%Y-%m-%d")
    p = _write(tmp_path, _dated(days, skip={6}))
    with pytest.raises(ValueError, match="the date 2024-01-09 is missing.*freq B"):
        read_series(p, date_column="date")
    # freq given: the dates must lie on its grid, the missing ones are named
    p = _write(tmp_path, _dated(["2024-01-01", "2024-01-02", "2024-01-05", "2024-01-06"]))
    s = read_series(p, date_column="date", freq="D", missing="interpolate")
    assert len(s) == 6 and s.index.freqstr == "D" and s.iloc[2] == pytest.approx(4 / 3)
    with pytest.raises(ValueError, match="the date 2024-01-01 at line 2 is not on the grid of "
                                         "freq 'W-SUN'"):
        read_series(p, date_column="date", freq="W-SUN")


def test_irregular_dates_are_read_without_a_frequency(tmp_path):
    p = _write(tmp_path, _dated(["2024-01-01", "2024-01-05", "2024-02-11", "2024-07-01",
                                 "2024-07-03"]))
    s = read_series(p, date_column="date")
    assert len(s) == 5 and s.index.freq is None
    with pytest.raises(ValueError, match="the dates are irregular"):
        future_index(s.index, 1)


def test_check_series_takes_arrays_lists_and_pandas():
    expected = np.array([1.0, 2.0, 3.0, 4.0])
    for v in ([1, 2, 3, 4], expected, pd.Series(expected, index=list("abcd")),
              expected[:, None]):
        out = check_series(v)
        assert out.dtype == float and np.array_equal(out, expected)
    with pytest.raises(ValueError, match="1 NaN or infinite value\\(s\\), first at position 2"):
        check_series(pd.Series([1.0, 2.0, np.nan, 4.0]))
    with pytest.raises(TypeError, match="series must be numeric"):
        check_series(["a", "b", "c", "d"])
