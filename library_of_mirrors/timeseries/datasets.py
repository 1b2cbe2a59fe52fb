"""Series for the forecaster: the bundled public-domain data, users' CSV files and the series
that ship with statsmodels.  Every series is a ``pd.Series`` (float values, a ``name`` and the
source in ``attrs["source"]``) on one of these indexes:

* dates: a ``DatetimeIndex`` whose ``freq`` is the frequency inferred from the dates (month
  ends "ME", month starts "MS", quarters "QS-JAN"/"QE-DEC", days "D", business days "B",
  hours "h", ...); ``freq`` is None when the dates follow no regular frequency;
* years given as four-digit whole numbers (``1700``, ``1701``, ...): a yearly ``PeriodIndex``
  ("Y"), labelled "1700", "1701", ...; the quarterly macro data of statsmodels have a quarterly
  ``PeriodIndex`` ("Q");
* no date column: a ``RangeIndex`` of the data rows (0, 1, ...); other numbers: a ``RangeIndex``
  with their step when they are evenly spaced whole numbers, else an ``Index`` of the numbers.

:func:`future_index` continues any of these after its last value (the index of a forecast).

:func:`read_series` reads a CSV file with pandas.  Problems with the file are a ``ValueError``
naming it: a missing column (with the list of columns), a non-numeric value or an unparseable
date with its column and line, duplicate or unsorted dates with their lines, a file that is not
UTF-8, too few values.  Missing values and missing dates of a regular series are an error by
default (the first one is named); ``missing="interpolate"`` fills them and ``missing="drop"``
skips rows without a value.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

from ..validation import brief, check_positive_int

MIN_POINTS = 4
MISSING = ("error", "interpolate", "drop")
#: cells read as a missing value (compared in lower case, after stripping blanks)
MISSING_CELLS = frozenset({"", "nan", "-nan", "na", "n/a", "#n/a", "null", "none"})
#: a regular series with gaps is one whose dates cover at least this fraction of the grid of
#: its frequency; sparser dates are irregular (no frequency)
MIN_COVERAGE = 0.5
_DAY_FIRST = re.compile(r"^\d{1,2}\.\d{1,2}\.\d{4}$")


def check_series(values, name: str = "series", min_points: int = MIN_POINTS) -> np.ndarray:
    """A finite 1-D float array with at least ``min_points`` values, or a clear error.

    ``values``: an array, a list or a ``pd.Series`` (its values; the index is not used)."""
    if isinstance(values, (pd.Series, pd.Index)):
        values = values.to_numpy()
    try:
        v = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be numeric, got {type(values).__name__}") from None
    if v.ndim == 2 and 1 in v.shape:
        v = v.ravel()
    if v.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {v.shape}")
    bad = np.flatnonzero(~np.isfinite(v))
    if bad.size:
        raise ValueError(f"{name} has {bad.size} NaN or infinite value(s), first at position "
                         f"{int(bad[0])}")
    if v.shape[0] < min_points:
        raise ValueError(f"{name} needs at least {min_points} points, got {v.shape[0]}")
    return v


# ----------------------------------------------------------------------------------------------
# index labels and the future index


def index_label(value) -> str:
    """A short text label of one index value: "2024-01-31" for a date at midnight,
    "2024-01-31 13:00:00" otherwise, "1990" for a year, "1990Q1" for a quarter, "17" for a
    number."""
    if isinstance(value, (pd.Timestamp, np.datetime64)):
        ts = pd.Timestamp(value)
        return ts.strftime("%Y-%m-%d") if ts == ts.normalize() else str(ts)
    if isinstance(value, np.generic):
        value = value.item()
    return str(value)


def _as_index(index) -> pd.Index:
    if isinstance(index, pd.Index):
        return index
    if isinstance(index, pd.Series):
        return index.index
    try:
        return pd.Index(np.asarray(index))
    except (TypeError, ValueError):
        raise TypeError(f"index must be a pandas index or a 1-D array, got "
                        f"{type(index).__name__}") from None


def _date_offset(index: pd.DatetimeIndex):
    """The frequency of a DatetimeIndex: its own ``freq``, else the one pandas infers, else
    None."""
    if index.freq is not None:
        return index.freq
    if len(index) < 3:
        return None
    try:
        return pd.DatetimeIndex(index, freq="infer").freq
    except (TypeError, ValueError):
        return None


def _numeric_step(values: np.ndarray):
    """The constant spacing of sorted numbers (1 for a single value), or None."""
    if values.shape[0] < 2:
        return 1
    d = np.diff(values)
    if np.issubdtype(values.dtype, np.integer):
        return int(d[0]) if np.all(d == d[0]) and d[0] != 0 else None
    return float(d[0]) if d[0] != 0 and np.allclose(d, d[0], rtol=1e-9, atol=0.0) else None


def future_index(index, steps: int) -> pd.Index:
    """The ``steps`` index values after the last value of ``index`` (the index of a forecast).

    * ``DatetimeIndex``: continues with its ``freq`` (or the frequency inferred from its dates):
      ``pd.date_range(last, periods=steps + 1, freq=freq)[1:]``, so the month ends after
      2024-12-31 are 2025-01-31, 2025-02-28, 2025-03-31;
    * ``PeriodIndex``: the next ``steps`` periods (the years after 2008: 2009, 2010, ...);
    * ``RangeIndex`` or evenly spaced numbers: ``last + step``, ``last + 2 step``, ... (a single
      number continues by 1).

    Dates without a regular frequency, unevenly spaced numbers and an empty index are a
    ``ValueError``; other index types a ``TypeError``.  ``index`` may also be an array (read as
    ``pd.Index``) or a ``pd.Series`` (its index).
    """
    steps = check_positive_int(steps, "steps")
    idx = _as_index(index)
    if len(idx) == 0:
        raise ValueError("future_index needs a non-empty index")
    if isinstance(idx, pd.PeriodIndex):
        return pd.period_range(idx[-1] + 1, periods=steps, freq=idx.freq, name=idx.name)
    if isinstance(idx, pd.DatetimeIndex):
        off = _date_offset(idx)
        if off is None:
            raise ValueError(f"the dates are irregular ({len(idx)} dates from "
                             f"{index_label(idx[0])} to {index_label(idx[-1])} follow no "
                             "regular frequency), so the dates after them are undefined; "
                             "give the index a freq (e.g. series.asfreq('MS')) or fill the "
                             "gaps (read_series(..., missing='interpolate'))")
        return pd.date_range(idx[-1], periods=steps + 1, freq=off, name=idx.name)[1:]
    if isinstance(idx, pd.RangeIndex):
        step = idx.step
        return pd.RangeIndex(idx[-1] + step, idx[-1] + step * (steps + 1), step,
                             name=idx.name)
    if pd.api.types.is_numeric_dtype(idx.dtype) and not pd.api.types.is_bool_dtype(idx.dtype):
        v = idx.to_numpy()
        step = _numeric_step(v)
        if step is None:
            raise ValueError(f"the index is irregular (numbers from {v[0]} to {v[-1]} that are "
                             "not evenly spaced), so the values after it are undefined")
        if isinstance(step, int):
            last = int(v[-1])
            return pd.RangeIndex(last + step, last + step * (steps + 1), step, name=idx.name)
        return pd.Index(v[-1] + step * np.arange(1, steps + 1), name=idx.name)
    raise TypeError("future_index needs a DatetimeIndex, a PeriodIndex or a numeric index, got "
                    f"{type(idx).__name__} of {idx.dtype}")


# ----------------------------------------------------------------------------------------------
# reading a CSV file


def _decode(path: Path) -> str:
    """The file's text; anything but UTF-8 (with or without a byte-order mark) is an error."""
    data = path.read_bytes()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ValueError(f"{path.name}: the file is UTF-16 encoded (it starts with a UTF-16 "
                         "byte-order mark); save it as UTF-8")
    if b"\x00" in data:
        raise ValueError(f"{path.name}: the file holds NUL bytes (UTF-16 or binary data, not "
                         "UTF-8 text); save it as UTF-8")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[:e.start].count(b"\n") + 1
        raise ValueError(f"{path.name}: not UTF-8 text (byte 0x{data[e.start]:02x} at line "
                         f"{line}; Latin-1 or Windows-1252?); save it as UTF-8") from None


def _locate(col, header: list[str], what: str, file: str) -> int:
    if isinstance(col, (int, np.integer)) and not isinstance(col, (bool, np.bool_)):
        if not -len(header) <= col < len(header):
            raise ValueError(f"{file}: {what} {col} out of range ({len(header)} columns)")
        return int(col) % len(header)
    if isinstance(col, str) and col.strip() in header:
        return header.index(col.strip())
    raise ValueError(f"{file}: no column {col!r}; columns: {', '.join(header)}")


def _parse_dates(cells: pd.Series, lines: np.ndarray, column: str, file: str):
    """The date column: numbers (``np.ndarray``) or dates (``pd.DatetimeIndex``)."""
    blank = cells.str.lower().isin(MISSING_CELLS).to_numpy()
    if blank.any():
        k = int(np.flatnonzero(blank)[0])
        raise ValueError(f"{file}: missing date in column {column!r} at line {lines[k]}")
    numbers = pd.to_numeric(cells, errors="coerce").to_numpy(dtype=float)
    if np.isfinite(numbers[0]):  # numbers (years)
        bad = np.flatnonzero(~np.isfinite(numbers))
        if bad.size:
            k = int(bad[0])
            raise ValueError(f"{file}: cannot parse {cells.iloc[k]!r} as a date in column "
                             f"{column!r} at line {lines[k]} (the column holds numbers)")
        whole = np.all(numbers == np.round(numbers))
        return numbers.astype(np.int64) if whole else numbers
    first = str(cells.iloc[0])
    fmt = "%d.%m.%Y" if _DAY_FIRST.match(first) else None
    with warnings.catch_warnings():  # "could not infer format": parsed one by one instead
        warnings.simplefilter("ignore", UserWarning)
        dates = pd.to_datetime(cells, errors="coerce", format=fmt)
    bad = dates.isna().to_numpy()
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise ValueError(f"{file}: cannot parse {cells.iloc[k]!r} as a date in column "
                         f"{column!r} at line {lines[k]}")
    return pd.DatetimeIndex(dates)


def _check_order(keys: np.ndarray, labels, lines: np.ndarray, column: str, file: str) -> None:
    """Dates (or numbers) strictly increasing: duplicates and unsorted rows name their lines."""
    seen: dict = {}
    for k, key in enumerate(keys):
        if key in seen:
            raise ValueError(f"{file}: duplicate date {labels[k]} in column {column!r} at line "
                             f"{lines[k]} (also at line {lines[seen[key]]})")
        seen[key] = k
    down = np.flatnonzero(keys[1:] < keys[:-1])
    if down.size:
        k = int(down[0]) + 1
        raise ValueError(f"{file}: the dates in column {column!r} are not in increasing order: "
                         f"{labels[k]} at line {lines[k]} comes after {labels[k - 1]} at line "
                         f"{lines[k - 1]}; sort the file by date")


def _date_grid(idx: pd.DatetimeIndex, freq):
    """(offset, full grid) of dates: the frequency ``freq`` or the one inferred from most of
    the dates (a regular series with some dates missing); (None, None) for irregular dates."""
    if freq is not None:
        try:
            off = to_offset(freq)
        except (TypeError, ValueError):
            raise ValueError(f"freq must be a pandas frequency such as 'D', 'MS', 'ME', "
                             f"'QS', 'h', got {freq!r}") from None
        return off, pd.date_range(idx[0], idx[-1], freq=off)
    off = _date_offset(idx)
    if off is not None:
        return off, idx
    n = len(idx)
    if n < 4:
        return None, None
    # the frequencies of short runs of dates; the best one covers the most of its grid
    candidates = {}
    for i in np.unique(np.linspace(0, n - 3, min(n - 2, 64)).astype(int)):
        f = pd.DatetimeIndex(idx[i:i + 3], freq="infer").freq
        if f is not None:
            candidates[f.freqstr] = f
    best, best_cover = (None, None), MIN_COVERAGE
    for f in candidates.values():
        if not f.is_on_offset(idx[0]):
            continue
        if isinstance(f, pd.offsets.Tick) and (idx[-1] - idx[0]) / pd.Timedelta(f) > 2 * n:
            continue
        grid = pd.date_range(idx[0], idx[-1], freq=f)
        cover = n / len(grid)
        if cover >= best_cover and idx.isin(grid).all():
            best, best_cover = (f, grid), cover
    return best


def _number_grid(v: np.ndarray):
    """The evenly spaced grid of whole numbers ``v`` with some values missing, or None."""
    if v.shape[0] < 2:
        return None
    step = int(np.gcd.reduce(np.diff(v)))
    grid = np.arange(v[0], v[-1] + step, step)
    return grid if v.shape[0] / grid.shape[0] >= MIN_COVERAGE else None


def read_series(path, column: str | int | None = None, date_column: str | int | None = None,
                name: str | None = None, min_points: int = MIN_POINTS, missing: str = "error",
                freq=None) -> pd.Series:
    """One numeric column of a CSV file (UTF-8, with a header row) as a ``pd.Series``.

    Parameters
    ----------
    path : the CSV file.
    column : a header name or a 0-based position; default: the last column (other than the
        date column).
    date_column : the column of dates (ISO dates such as "2024-01-31", "2024-01",
        "2024-01-31 13:00", "2024/01/31", day-first "31.01.2024") or of years as four-digit
        whole numbers; default: none, the index is the row number 0, 1, ...
    name : the series' name; default: the column's header.
    min_points : fewer values (after ``missing``) is an error.
    missing : what a missing value (an empty cell, "NaN", "NA", "null") or a missing date of a
        regular series (a monthly series without one of its months) does:

        * ``"error"`` (default): a ``ValueError`` naming the line of the first missing value,
          or the first missing date and the lines around it;
        * ``"interpolate"``: the index is completed to every date of the frequency and the
          gaps are filled by linear interpolation (in time for dates); a value missing in the
          first or last row cannot be interpolated and is an error;
        * ``"drop"``: rows without a value are left out.  The index then has holes: dates
          lose their ``freq`` (``future_index`` and a forecaster's dated forecasts need a
          regular index), numbers are no longer evenly spaced (``.reset_index(drop=True)``
          renumbers them).

    freq : the frequency of the dates (a pandas alias: "D", "B", "W-SUN", "MS", "ME", "QS",
        "h", ...); default: inferred from the dates.  Dates off its grid are an error.

    Returns
    -------
    pd.Series of floats named ``name``, ``attrs["source"]`` the path.  Its index: a
    ``DatetimeIndex`` with the (inferred) frequency as ``freq`` for dates (None when the dates
    are irregular, i.e. no frequency covers most of them); a yearly ``PeriodIndex`` for years;
    a ``RangeIndex`` for row numbers and for other evenly spaced whole numbers (an ``Index`` of
    the numbers otherwise).

    Errors (``ValueError`` naming the file): a file that is not UTF-8, no data rows, an unknown
    column (the message lists the columns), a non-numeric value or an unparseable date (with its
    column and line), duplicate or unsorted dates (with their lines), missing values or dates
    (with ``missing="error"``), fewer than ``min_points`` values.  A missing file is a
    ``FileNotFoundError``.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    if missing not in MISSING:
        raise ValueError(f"missing must be one of {', '.join(map(repr, MISSING))}, got "
                         f"{missing!r}")
    file = path.name
    text = _decode(path)
    try:
        with warnings.catch_warnings():  # a row longer than the header: an error, not a warning
            warnings.simplefilter("error", pd.errors.ParserWarning)
            df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False,
                             skip_blank_lines=False, index_col=False)
    except pd.errors.EmptyDataError:
        raise ValueError(f"{file}: needs a header row and data rows") from None
    except (pd.errors.ParserWarning, pd.errors.ParserError) as e:
        rows = list(csv.reader(io.StringIO(text)))
        long = [k for k, r in enumerate(rows[1:], start=2) if len(r) > len(rows[0])]
        if long:
            raise ValueError(f"{file}: line {long[0]} has {len(rows[long[0] - 1])} fields, the "
                             f"header {len(rows[0])}") from None
        raise ValueError(f"{file}: not a readable CSV file ({str(e).strip()})") from None
    header = [str(h).strip() for h in df.columns]
    df.columns = header
    df = df.fillna("").apply(lambda c: c.str.strip())
    lines = np.arange(2, df.shape[0] + 2)  # the header is line 1
    keep = (df != "").any(axis=1).to_numpy()
    df, lines = df[keep], lines[keep]
    if df.shape[0] == 0:
        raise ValueError(f"{file}: needs a header row and data rows")

    jd = None if date_column is None else _locate(date_column, header, "date column", file)
    if column is None:
        j = len(header) - 1 if jd != len(header) - 1 or len(header) == 1 else len(header) - 2
    else:
        j = _locate(column, header, "column", file)
    col = header[j]
    label = f"{file} column {col!r}"

    cells = df.iloc[:, j]
    is_missing = cells.str.lower().isin(MISSING_CELLS).to_numpy()
    values = pd.to_numeric(cells.where(~is_missing, "nan"), errors="coerce").to_numpy(float)
    bad = np.flatnonzero(~is_missing & ~np.isfinite(values))
    if bad.size:
        k = int(bad[0])
        raise ValueError(f"{file}: non-numeric value {brief(cells.iloc[k])} in column {col!r} at "
                         f"line {lines[k]}")

    off = grid = None
    if jd is None:
        if freq is not None:
            raise ValueError("freq applies to a date column; no date_column was given")
        index = pd.RangeIndex(values.shape[0])
    else:
        dcol = header[jd]
        keys = _parse_dates(df.iloc[:, jd], lines, dcol, file)
        if isinstance(keys, pd.DatetimeIndex):
            labels = [index_label(d) for d in keys]
            _check_order(keys.asi8, labels, lines, dcol, file)
            off, grid = _date_grid(keys, freq)
            if freq is not None:
                off_grid = ~keys.isin(grid)
                if off_grid.any():
                    k = int(np.flatnonzero(off_grid)[0])
                    ahead = pd.date_range(keys[0], periods=2, freq=off)
                    raise ValueError(f"{file}: the date {labels[k]} at line {lines[k]} is not "
                                     f"on the grid of freq {freq!r} (its dates from the first "
                                     f"row: {', '.join(map(index_label, ahead))}, ...)")
            index = keys
        else:
            if freq is not None:
                raise ValueError(f"freq applies to dates; column {dcol!r} holds numbers")
            _check_order(keys, [str(v) for v in keys], lines, dcol, file)
            whole = np.issubdtype(keys.dtype, np.integer)
            years = whole and bool(np.all((keys >= 1000) & (keys <= 9999)))
            numbers = _number_grid(keys) if whole else None
            grid = None if numbers is None else _number_index(numbers, years)
            index = _number_index(keys, years)
    s = pd.Series(values, index=index, name=name or col)
    if missing == "error" and is_missing.any():
        k = int(np.flatnonzero(is_missing)[0])
        raise ValueError(f"{file}: missing value in column {col!r} at line {lines[k]} "
                         "(missing='interpolate' or 'drop' fills or skips it)")
    if grid is not None and len(grid) > len(index):
        s = _gaps(s, grid, lines, header[jd], file, missing)
    elif off is not None:
        s.index = pd.DatetimeIndex(s.index, freq=off)
    s = _fill(s, col, file, missing)
    check_series(s, label, min_points)
    s.attrs["source"] = str(path)
    return s


def _number_index(v: np.ndarray, years: bool) -> pd.Index:
    """Years: a PeriodIndex (every k years: freq "kY"); other whole numbers: a RangeIndex when
    evenly spaced; anything else: an Index of the numbers."""
    if years:
        step = _numeric_step(v) or (int(np.gcd.reduce(np.diff(v))) if v.shape[0] > 1 else 1)
        return pd.PeriodIndex([str(int(y)) for y in v], freq="Y" if step == 1 else f"{step}Y")
    step = _numeric_step(v)
    if isinstance(step, int) and np.issubdtype(v.dtype, np.integer):
        return pd.RangeIndex(int(v[0]), int(v[-1]) + step, step)
    return pd.Index(v)


def _gaps(s: pd.Series, grid: pd.Index, lines: np.ndarray, column: str, file: str,
          missing: str) -> pd.Series:
    """A regular series whose index lacks some values of ``grid``: an error naming the first
    missing one, the series on the whole grid (values NaN there) or the series as it is."""
    absent = grid.difference(s.index)
    if missing == "error":
        first = absent[0]
        k = int(s.index.searchsorted(first)) - 1
        what = ("date" if isinstance(grid, pd.DatetimeIndex) else
                "year" if isinstance(grid, pd.PeriodIndex) else "value")
        freq = getattr(grid, "freqstr", None)
        every = f"freq {freq}" if freq else f"step {grid[1] - grid[0]}"
        raise ValueError(f"{file}: the {what} {index_label(first)} is missing from column "
                         f"{column!r}: no row between line {lines[k]} ({index_label(s.index[k])})"
                         f" and line {lines[k + 1]} ({index_label(s.index[k + 1])}); the series "
                         f"is regular ({every}) with {len(absent)} {what}(s) missing; "
                         "missing='interpolate' fills them")
    if missing == "interpolate":
        return s.reindex(grid)
    return s


def _fill(s: pd.Series, column: str, file: str, missing: str) -> pd.Series:
    """Missing values (NaN): interpolated or dropped."""
    is_missing = s.isna().to_numpy()
    if not is_missing.any():
        return s
    if missing == "drop":
        return _with_freq(s[~is_missing])
    method = "time" if isinstance(s.index, pd.DatetimeIndex) else (
        "index" if pd.api.types.is_numeric_dtype(s.index.dtype) else "linear")
    filled = s.interpolate(method=method, limit_area="inside")
    if filled.isna().any():
        k = int(np.flatnonzero(filled.isna().to_numpy())[0])
        where = "first" if k == 0 else "last"
        raise ValueError(f"{file}: the {where} value of column {column!r} is missing "
                         f"({index_label(s.index[k])}); interpolation needs values on both "
                         "sides (missing='drop' skips it)")
    return _with_freq(filled)


def _with_freq(s: pd.Series) -> pd.Series:
    """Dates that follow a regular frequency carry it as ``index.freq``."""
    if isinstance(s.index, pd.DatetimeIndex) and s.index.freq is None:
        off = _date_offset(s.index)
        if off is not None:
            s = s.copy()
            s.index = pd.DatetimeIndex(s.index, freq=off)
    return s


# ----------------------------------------------------------------------------------------------
# bundled series


def _bundled(filename: str, column: str, date_column: str, name: str, source: str
             ) -> pd.Series:
    with resources.as_file(resources.files(__package__) / "data" / filename) as p:
        s = read_series(p, column, date_column, name)
    s.attrs["source"] = source
    return s


def load_sunspots() -> pd.Series:
    """Yearly mean sunspot number 1700-2008 (NOAA NGDC, public domain; data/README.md), on a
    yearly ``PeriodIndex``."""
    return _bundled("sunspots.csv", "SUNACTIVITY", "YEAR", "sunspots",
                    "NOAA National Geophysical Data Center (public domain)")


def load_nile() -> pd.Series:
    """Annual Nile flow at Aswan 1871-1970 (Cobb 1978, public domain; data/README.md), on a
    yearly ``PeriodIndex``."""
    return _bundled("nile.csv", "volume", "year", "nile", "Cobb (1978), Biometrika (public domain)")


DATASETS = {"sunspots": load_sunspots, "nile": load_nile}

# ----------------------------------------------------------------------------------------------
# series shipped with statsmodels

#: name -> (statsmodels.datasets module, column, frequency of the returned index)
STATSMODELS_SERIES = {
    "co2": ("co2", "co2", "MS"),
    "elec_equip": ("elec_equip", None, "MS"),
    "elnino": ("elnino", None, "MS"),
    "macro_realgdp": ("macrodata", "realgdp", "Q"),
    "macro_unemp": ("macrodata", "unemp", "Q"),
    "macro_infl": ("macrodata", "infl", "Q"),
    "macro_cpi": ("macrodata", "cpi", "Q"),
    "sunspots": ("sunspots", "SUNACTIVITY", "Y"),
    "nile": ("nile", "volume", "Y"),
}


def load_statsmodels(name: str) -> pd.Series:
    """A series from the data files that ship with statsmodels (no network access; needs the
    ``forecast`` extra).

    * ``"co2"``: Mauna Loa CO2 (ppm), monthly means 1958-03 to 2001-12 of the weekly
      measurements, the missing weeks interpolated linearly in time first; ``DatetimeIndex``
      of month starts ("MS");
    * ``"elec_equip"``: euro-area turnover index of electrical equipment manufacturing,
      monthly 1995-01 to 2016-05 ("MS");
    * ``"elnino"``: Nino 1+2 sea surface temperature (deg C), monthly 1950-01 to 2010-12,
      from the year x month table ("MS");
    * ``"macro_realgdp"``, ``"macro_unemp"``, ``"macro_infl"``, ``"macro_cpi"``: US real GDP,
      unemployment rate, inflation rate and CPI, quarterly 1959Q1 to 2009Q3, on a quarterly
      ``PeriodIndex`` ("Q");
    * ``"sunspots"`` (1700-2008) and ``"nile"`` (1871-1970): the bundled yearly series, on a
      yearly ``PeriodIndex``.

    The series is named ``name``; ``attrs["source"]`` names the statsmodels dataset, its title
    and licence (all public domain).
    """
    if not isinstance(name, str) or name not in STATSMODELS_SERIES:
        raise ValueError(f"unknown statsmodels series {name!r}; choose from "
                         f"{', '.join(STATSMODELS_SERIES)}")
    module, column, _ = STATSMODELS_SERIES[name]
    try:
        import importlib  # noqa: PLC0415

        ds = importlib.import_module(f"statsmodels.datasets.{module}")
    except ImportError:
        raise ImportError(f"load_statsmodels({name!r}) needs statsmodels: pip install "
                          '"library_of_mirrors[forecast]"') from None
    df = ds.load_pandas().data
    if module == "co2":
        weekly = df[column].astype(float).interpolate(method="time", limit_area="inside")
        s = weekly.resample("MS").mean()
    elif module == "elec_equip":
        s = df.iloc[:, 0].astype(float)
        s.index = pd.DatetimeIndex(s.index, freq="infer")
    elif module == "elnino":
        years = df["YEAR"].astype(int).to_numpy()
        if not np.array_equal(years, np.arange(years[0], years[0] + years.shape[0])):
            raise ValueError("statsmodels' elnino table skips years")
        values = df.drop(columns="YEAR").to_numpy(dtype=float).ravel()
        s = pd.Series(values, index=pd.date_range(f"{years[0]}-01-01", periods=values.shape[0],
                                                  freq="MS"))
    elif module == "macrodata":
        idx = pd.PeriodIndex([f"{int(y)}Q{int(q)}" for y, q in zip(df["year"], df["quarter"])],
                             freq="Q")
        s = pd.Series(df[column].to_numpy(dtype=float), index=idx)
    else:
        year = df.columns[0]
        idx = pd.PeriodIndex([str(int(y)) for y in df[year]], freq="Y")
        s = pd.Series(df[column].to_numpy(dtype=float), index=idx)
    s = s.rename(name)
    s.index.name = None
    check_series(s, f"statsmodels series {name!r}")
    title = " ".join(str(getattr(ds, "TITLE", module)).split())
    licence = " ".join(str(getattr(ds, "COPYRIGHT", "")).split()).rstrip(".")
    licence = "public domain" if "public domain" in licence.lower() else licence
    s.attrs["source"] = f"statsmodels.datasets.{module}: {title}" + (
        f" ({licence})" if licence else "")
    return s


__all__ = ["DATASETS", "MISSING", "STATSMODELS_SERIES", "check_series", "future_index",
           "index_label", "load_nile", "load_statsmodels", "load_sunspots", "read_series"]
