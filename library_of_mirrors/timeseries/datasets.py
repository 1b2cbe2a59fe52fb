"""Series for the forecaster: the bundled public-domain data and users' CSV files.

No pandas needed: a CSV column is read with the standard library, dates are parsed as ISO
dates (``2024-01-31``, ``2024-01``) or plain numbers (years).  Every problem with the file is a
``ValueError`` that names it (missing column, non-numeric or missing value with its line).
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

MIN_POINTS = 4


@dataclass
class Series:
    """A univariate series: ``values`` (float), ``index`` (dates, years or row numbers)."""

    values: np.ndarray
    index: np.ndarray
    name: str = "value"
    source: str = ""
    meta: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.values.shape[0])

    def __repr__(self) -> str:
        return (f"Series({self.name!r}, n={len(self)}, "
                f"{self.index[0]} .. {self.index[-1]})" if len(self) else "Series(empty)")


def check_series(values, name: str = "series", min_points: int = MIN_POINTS) -> np.ndarray:
    """A finite 1-D float array with at least ``min_points`` values, or a clear error."""
    if isinstance(values, Series):
        values = values.values
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


def _parse_date(text: str):
    text = text.strip()
    try:
        num = float(text)
    except ValueError:
        pass
    else:
        return int(num) if num.is_integer() else num
    for fmt in ("%Y-%m-%d", "%Y-%m", "%Y/%m/%d", "%d.%m.%Y"):
        try:
            return np.datetime64(dt.datetime.strptime(text, fmt).date(), "D")
        except ValueError:
            continue
    try:
        return np.datetime64(dt.datetime.fromisoformat(text))
    except ValueError:
        raise ValueError(f"cannot parse {text!r} as a date") from None


def read_series(path, column: str | int | None = None, date_column: str | int | None = None,
                name: str | None = None, min_points: int = MIN_POINTS) -> Series:
    """Read one numeric column of a CSV file (with a header row).

    ``column``: a header name or a 0-based position; default: the last column.  ``date_column``
    (optional): dates or numbers for the index; default: row numbers.  Fewer than
    ``min_points`` values is an error.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    with path.open(newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    rows = [r for r in rows if any(c.strip() for c in r)]
    if len(rows) < 2:
        raise ValueError(f"{path.name}: needs a header row and data rows")
    header = [h.strip() for h in rows[0]]

    def locate(col, what):
        if isinstance(col, (int, np.integer)) and not isinstance(col, bool):
            if not -len(header) <= col < len(header):
                raise ValueError(f"{path.name}: {what} {col} out of range ({len(header)} columns)")
            return int(col) % len(header)
        if col in header:
            return header.index(col)
        raise ValueError(f"{path.name}: no column {col!r}; columns: {', '.join(header)}")

    j = len(header) - 1 if column is None else locate(column, "column")
    jd = None if date_column is None else locate(date_column, "date column")
    values, index = [], []
    for line, r in enumerate(rows[1:], start=2):
        cell = r[j].strip() if j < len(r) else ""
        if cell == "" or cell.lower() in ("nan", "na", "null"):
            raise ValueError(f"{path.name}: missing value in column {header[j]!r} at line {line}")
        try:
            values.append(float(cell))
        except ValueError:
            raise ValueError(f"{path.name}: non-numeric value {cell!r} in column {header[j]!r} "
                             f"at line {line}") from None
        if jd is not None:
            try:
                index.append(_parse_date(r[jd] if jd < len(r) else ""))
            except ValueError as e:
                raise ValueError(f"{path.name}: {e} in column {header[jd]!r} at line "
                                 f"{line}") from None
    v = check_series(values, f"{path.name} column {header[j]!r}", min_points)
    idx = np.arange(v.shape[0]) if jd is None else np.array(index)
    return Series(v, idx, name or header[j], str(path))


def _bundled(filename: str, column: str, date_column: str, name: str, source: str) -> Series:
    with resources.as_file(resources.files(__package__) / "data" / filename) as p:
        s = read_series(p, column, date_column, name)
    s.source = source
    return s


def load_sunspots() -> Series:
    """Yearly mean sunspot number 1700-2008 (NOAA NGDC, public domain; data/README.md)."""
    return _bundled("sunspots.csv", "SUNACTIVITY", "YEAR", "sunspots",
                    "NOAA National Geophysical Data Center (public domain)")


def load_nile() -> Series:
    """Annual Nile flow at Aswan 1871-1970 (Cobb 1978, public domain; data/README.md)."""
    return _bundled("nile.csv", "volume", "year", "nile", "Cobb (1978), Biometrika (public domain)")


DATASETS = {"sunspots": load_sunspots, "nile": load_nile}
