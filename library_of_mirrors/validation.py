"""Declarative parameter validation: every public function and estimator states its parameters'
constraints once, as data, and gets one clear error per bad value.

A constraint is an object with ``check(value, name)`` that returns the normalized value or raises
``TypeError`` (wrong kind of value) / ``ValueError`` (right kind, wrong value) naming the
parameter.  :func:`validate` checks a dict of values against a dict of constraints (the style of
scikit-learn's ``_parameter_constraints``), so an estimator's ``fit`` reports the first bad
parameter by name before any work is done.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping

import numpy as np


def as_float(value, name: str) -> float:
    """A real scalar (Python or numpy, 0-d arrays included), else a TypeError naming it; a
    string is refused, not converted ("0.1" is not a number)."""
    if isinstance(value, (bool, np.bool_, str, bytes)) or np.ndim(value) != 0:
        raise TypeError(f"{name} must be a number, got {value!r}")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number, got {value!r}") from None


class Constraint:
    """Base of the constraints: ``a | b`` accepts what ``a`` or ``b`` accepts (:class:`AnyOf`)."""

    def describe(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def check(self, value, name: str):  # pragma: no cover - abstract
        raise NotImplementedError

    def __or__(self, other: Constraint) -> AnyOf:
        return AnyOf(self, other)


class Real(Constraint):
    """A finite real number in ``(low, high)`` (bounds open unless named in ``closed``)."""

    def __init__(self, low: float | None = None, high: float | None = None,
                 closed: tuple[str, ...] = (), finite: bool = True):
        self.low, self.high, self.closed, self.finite = low, high, closed, finite

    def describe(self) -> str:
        if self.low == 0 and self.high is None and "low" not in self.closed:
            return "a positive finite number"
        if self.low == 0 and self.high == 1 and not self.closed:
            return "strictly between 0 and 1"
        lo = "" if self.low is None else f"{'>=' if 'low' in self.closed else '>'} {self.low:g}"
        hi = "" if self.high is None else \
            f"{'<=' if 'high' in self.closed else '<'} {self.high:g}"
        return "a finite number" + (f" {lo}" if lo else "") + (" and" if lo and hi else "") \
            + (f" {hi}" if hi else "")

    def check(self, value, name: str) -> float:
        v = as_float(value, name)
        bad = (self.finite and not np.isfinite(v)) or np.isnan(v)
        if self.low is not None:
            bad = bad or v < self.low or (v == self.low and "low" not in self.closed)
        if self.high is not None:
            bad = bad or v > self.high or (v == self.high and "high" not in self.closed)
        if bad:
            what = self.describe()
            verb = "lie " if what.startswith("strictly") else "be "
            raise ValueError(f"{name} must {verb}{what}, got {v}")
        return v


class Integer(Constraint):
    """An integer (Python or numpy, not bool) of at least ``minimum``."""

    def __init__(self, minimum: int | None = None, maximum: int | None = None):
        self.minimum, self.maximum = minimum, maximum

    def describe(self) -> str:
        if self.minimum == 1 and self.maximum is None:
            return "a positive integer"
        parts = []
        if self.minimum is not None:
            parts.append(f">= {self.minimum}")
        if self.maximum is not None:
            parts.append(f"<= {self.maximum}")
        return "an integer" + (" " + " and ".join(parts) if parts else "")

    def check(self, value, name: str) -> int:
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
            raise ValueError(f"{name} must be {self.describe()}, got {value!r}")
        v = int(value)
        if (self.minimum is not None and v < self.minimum) or \
                (self.maximum is not None and v > self.maximum):
            raise ValueError(f"{name} must be {self.describe()}, got {v!r}")
        return v


class Options(Constraint):
    """One of a fixed set of strings."""

    def __init__(self, *choices: str):
        self.choices = tuple(choices)

    def describe(self) -> str:
        return f'"{self.choices[0]}"' if len(self.choices) == 1 else f"one of {self.choices}"

    def check(self, value, name: str):
        if not isinstance(value, str) or value not in self.choices:
            raise ValueError(f"{name} must be one of {self.choices}, got {value!r}")
        return value


class Boolean(Constraint):
    def describe(self) -> str:
        return "True or False"

    def check(self, value, name: str) -> bool:
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"{name} must be True or False, got {value!r}")
        return bool(value)


class Optional(Constraint):
    """None, or what ``inner`` accepts."""

    def __init__(self, inner):
        self.inner = inner

    def describe(self) -> str:
        return f"None or {self.inner.describe()}"

    def check(self, value, name: str):
        return None if value is None else self.inner.check(value, name)


class Anything(Constraint):
    """No constraint (checked elsewhere, e.g. a random_state or an object)."""

    def describe(self) -> str:
        return "anything"

    def check(self, value, name: str):
        return value


class AnyOf(Constraint):
    """What one of ``constraints`` accepts (tried in order; the first that accepts normalizes
    the value), else one ValueError naming them all (``description`` overrides how)."""

    def __init__(self, *constraints: Constraint, description: str | None = None):
        self.constraints, self.description = constraints, description

    def describe(self) -> str:
        return self.description or " or ".join(c.describe() for c in self.constraints)

    def check(self, value, name: str):
        for c in self.constraints:
            try:
                return c.check(value, name)
            except (TypeError, ValueError):
                pass
        shown = repr(value) if isinstance(value, (str, bytes)) else value
        raise ValueError(f"{name} must be {self.describe()}, got {shown}")


POSITIVE = Real(0.0)
NON_NEGATIVE = Real(0.0, closed=("low",))
PROBABILITY = Real(0.0, 1.0)
POSITIVE_INT = Integer(1)
#: a weight decay chosen by cross-validation ("auto") or given
AUTO_OR_POSITIVE = AnyOf(Options("auto"), POSITIVE, description='"auto" or a positive number')


def validate(params: Mapping, constraints: Mapping) -> dict:
    """Check every parameter of ``params`` that has a constraint; returns the normalized values
    (parameters without a constraint are passed through)."""
    out = dict(params)
    for name, c in constraints.items():
        if name in params:
            out[name] = c.check(params[name], name)
    return out


def brief(value, limit: int = 60) -> str:
    """``repr(value)``, cut to ``limit`` characters (a message quotes what the user gave, not
    a 140,000-character CSV field)."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit - 3]}... ({len(text)} characters)"


def real_array(value, name: str) -> np.ndarray:
    """``value`` as a float array; complex numbers (whose imaginary part numpy would drop with
    a warning), strings and other non-numbers are a TypeError naming ``name``."""
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError) as e:  # ragged nested lists
        raise TypeError(f"{name} must be an array of real numbers ({e})") from None
    if np.iscomplexobj(arr) or (arr.dtype == object and any(
            isinstance(v, (complex, np.complexfloating)) for v in arr.ravel())):
        raise TypeError(f"{name} must be real; got complex values (the imaginary part is not "
                        "dropped silently)")
    if arr.dtype.kind in "USO" and any(isinstance(v, (str, bytes)) for v in arr.ravel()):
        raise TypeError(f"{name} must be numeric, got strings such as "
                        f"{brief(next(str(v) for v in arr.ravel() if isinstance(v, (str, bytes))))}"
                        " (text is not converted)")
    if arr.dtype.kind not in "biuf":
        try:
            arr = arr.astype(float)
        except (TypeError, ValueError):
            raise TypeError(f"{name} must be numeric, got {type(value).__name__} of "
                            f"{arr.dtype} values") from None
    return arr.astype(float, copy=False)


def one_input(x: np.ndarray) -> np.ndarray:
    """``x`` unchanged if it can be the input of a 1-D network (a scalar, (n,) or (n, 1)),
    else a ValueError naming its shape (a second column would be read as more samples)."""
    if x.ndim > 2 or (x.ndim == 2 and x.shape[1] != 1):
        raise ValueError(f"this network has one input: x must have shape (n,) or (n, 1), got "
                         f"{x.shape}")
    return x


def check_vector(v, n: int, name: str, what: str = "the dictionary's") -> np.ndarray:
    """``v`` as a finite float vector of length ``n`` ((n,) or (n, 1))."""
    arr = real_array(v, name)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},) to match {what} {n} samples, got "
                         f"{arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains {int(np.sum(~np.isfinite(arr)))} NaN or infinite "
                         "value(s)")
    return np.ascontiguousarray(arr)


def check_sample_weight(sample_weight, n: int) -> np.ndarray:
    """Non-negative finite weights, one per sample, not all zero (None: ones)."""
    if sample_weight is None:
        return np.ones(n)
    w = check_vector(sample_weight, n, "sample_weight")
    if np.any(w < 0):
        raise ValueError("sample_weight must be non-negative")
    if not np.any(w > 0):
        raise ValueError("sample_weight must have at least one positive entry")
    return w


def check_betas(betas, name: str = "betas") -> np.ndarray:
    """A grid of positive finite betas, sorted decreasing (at least one)."""
    grid = np.atleast_1d(np.asarray(betas, dtype=object))
    if grid.ndim != 1 or grid.shape[0] == 0:
        raise ValueError(f"{name} is empty or not 1-D: give a 1-D sequence of at least one "
                         f"positive number, got {brief(betas)}")
    return np.sort(np.array([check_beta(b, name) for b in grid]))[::-1]


def check_beta(beta, name: str = "beta") -> float:
    """A positive finite weight decay (or any positive finite number named ``name``)."""
    return POSITIVE.check(beta, name)


def check_positive_int(value, name: str, minimum: int = 1) -> int:
    """An integer of at least ``minimum`` (message: "NAME must be an integer >= MINIMUM")."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) \
            or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


__all__ = ["AUTO_OR_POSITIVE", "AnyOf", "Anything", "Boolean", "Constraint", "Integer",
           "NON_NEGATIVE",
           "Optional", "Options", "POSITIVE",
           "POSITIVE_INT", "PROBABILITY", "Real", "as_float", "brief", "check_beta", "check_betas",
           "check_positive_int", "check_sample_weight", "check_vector", "one_input", "real_array",
           "validate"]
