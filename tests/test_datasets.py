"""Bundled series and the CSV reader: exact contents and one clear error per problem."""

import numpy as np
import pytest

from library_of_mirrors.timeseries import load_nile, load_sunspots, read_series


def test_bundled_series_are_the_documented_data():
    s = load_sunspots()
    assert len(s) == 309 and s.index[0] == 1700 and s.index[-1] == 2008
    assert s.values[:3].tolist() == [5.0, 11.0, 16.0] and s.values[-1] == 2.9
    n = load_nile()
    assert len(n) == 100 and n.index[0] == 1871 and n.values[0] == 1120.0
    assert "public domain" in s.source and "public domain" in n.source


def test_read_series_columns_and_dates(tmp_path):
    p = tmp_path / "s.csv"
    p.write_text("date,a,b\n2024-01-01,1,10\n2024-01-02,2,20\n2024-01-03,3,30\n2024-01-04,4,5\n")
    s = read_series(p, "a", "date")
    assert s.values.tolist() == [1, 2, 3, 4] and s.name == "a"
    assert s.index[1] == np.datetime64("2024-01-02")
    assert read_series(p).values.tolist() == [10, 20, 30, 5]  # default: last column
    assert read_series(p, 1).values.tolist() == [1, 2, 3, 4]
    np.testing.assert_array_equal(read_series(p, "b").index, np.arange(4))


@pytest.mark.parametrize("text,kwargs,message", [
    ("t,v\n1,1\n2,2\n3,3\n4,4\n", {"column": "w"}, "no column 'w'; columns: t, v"),
    ("t,v\n1,1\n2,x\n3,3\n4,4\n", {}, "non-numeric value 'x' in column 'v' at line 3"),
    ("t,v\n1,1\n2,\n3,3\n4,4\n", {}, "missing value in column 'v' at line 3"),
    ("t,v\n1,1\n2,nan\n3,3\n4,4\n", {}, "missing value in column 'v' at line 3"),
    ("t,v\n1,1\n2,2\n", {}, "needs at least 4 points, got 2"),
    ("t,v\n", {}, "needs a header row and data rows"),
    ("t,v\n1,1\nx,2\n3,3\n4,4\n", {"date_column": "t"}, "cannot parse 'x' as a date"),
    ("t,v\n1,1\n2,2\n3,3\n4,4\n", {"column": 5}, "column 5 out of range"),
])
def test_read_series_errors(tmp_path, text, kwargs, message):
    p = tmp_path / "bad.csv"
    p.write_text(text)
    with pytest.raises(ValueError, match=message):
        read_series(p, **kwargs)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file"):
        read_series(tmp_path / "nope.csv")
