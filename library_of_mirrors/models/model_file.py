"""Model files: read and check one before any computation.

A model file (written by ``ConvexNetRegressor.save`` / ``ConvexNetClassifier.save``) is JSON:
the estimator's parameters, the training inputs, the active units (family kinds and codes),
their coefficients, the bias, the standardization, the fitted values at the training points
and the certificate of the solve.  :func:`read_model_file` checks, in this order and before
anything is rebuilt:

* the file's size (at most :data:`MAX_FILE_BYTES`) and that it is UTF-8 JSON (a file nested
  deeper than Python's recursion limit is a ``ValueError``, not a ``RecursionError``);
* its format (the estimator's class), its version and its SHA-256 checksum.  The checksum
  detects corruption (a truncated or damaged file, an edit by mistake), not tampering: anyone
  can recompute it.  Load files you trust; nothing in a file is ever executed (JSON, no
  pickle), and the checks below bound what a crafted file can make the loader do;
* its schema: every field present with its type, numbers finite, scales and ``beta_``
  positive, unit codes and kinds in range, one code and one coefficient per unit, one fitted
  value per training point;
* its size: rebuilding costs O(units x training points) (:data:`MAX_REBUILD_ENTRIES`).

Each failure is a ``ValueError`` that names the file and the field.
"""

from __future__ import annotations

import json
import math
import numbers
from pathlib import Path

from ..families import FAMILIES, MAX_CODE
from ..validation import brief

#: the largest model file read (a model holds its training inputs and its active units)
MAX_FILE_BYTES = 256 * 2**20
#: the largest units x training points a loaded model's columns may take (8 bytes each)
MAX_REBUILD_ENTRIES = 10**8


class _Body:
    """The checks of one file's fields, with error messages that name the file and the field."""

    def __init__(self, name: str, body: dict):
        self.name, self.body = name, body

    def fail(self, field: str, what: str):
        raise ValueError(f"{self.name}: field {field!r} {what}")

    def get(self, field: str, kind, parent: dict | None = None, where: str = ""):
        source = self.body if parent is None else parent
        if field not in source:
            self.fail(where + field, "is missing (a model file written by the library has it)")
        value = source[field]
        if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
            self.fail(where + field, f"must be {_KIND_NAMES.get(kind, kind)}, got "
                                     f"{brief(value)}")
        return value

    def number(self, field: str, parent: dict | None = None, where: str = "", *,
               positive: bool = False, non_negative: bool = False) -> float:
        v = float(self.get(field, numbers.Real, parent, where))
        if not math.isfinite(v):
            self.fail(where + field, f"must be a finite number, got {v}")
        if positive and not v > 0:
            self.fail(where + field, f"must be positive, got {v}")
        if non_negative and v < 0:
            self.fail(where + field, f"must be non-negative, got {v}")
        return v

    def numbers(self, field: str, length: int | None = None) -> list:
        values = self.get(field, list)
        if length is not None and len(values) != length:
            self.fail(field, f"must hold {length} values, got {len(values)}")
        for i, v in enumerate(values):
            if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v):
                self.fail(field, f"must hold finite numbers; entry {i} is {brief(v)}")
        return values

    def integers(self, field: str, low: int, high: int, length: int) -> list:
        values = self.get(field, list)
        if len(values) != length:
            self.fail(field, f"must hold {length} values (one per unit), got {len(values)}")
        for i, v in enumerate(values):
            if isinstance(v, bool) or not isinstance(v, int) or not low <= v < high:
                self.fail(field, f"must hold integers in [{low}, {high}); entry {i} is "
                                 f"{brief(v)}")
        return values


_KIND_NAMES = {dict: "an object", list: "a list", str: "a string", bool: "true or false",
               numbers.Real: "a number", int: "an integer"}


def read_json(path: Path) -> dict | list | str | float | int | None:
    """The JSON in ``path`` (UTF-8, at most :data:`MAX_FILE_BYTES`); a ValueError naming the
    file otherwise."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ValueError(f"{path.name} is {size / 2**20:.0f} MiB, more than the "
                         f"{MAX_FILE_BYTES / 2**20:.0f} MiB of a model file")
    try:
        return json.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError as e:
        raise ValueError(f"{path.name} is not a UTF-8 JSON model file ({e})") from None
    except json.JSONDecodeError as e:
        raise ValueError(f"{path.name} is not a JSON model file ({e})") from None
    except RecursionError:
        raise ValueError(f"{path.name} is not a model file: its JSON is nested too "
                         "deeply") from None


def check_body(name: str, body: dict, classifier: bool) -> None:
    """The schema, ranges and sizes of a model file's (checksummed) body; a ValueError naming
    the file and the first bad field."""
    b = _Body(name, body)
    b.get("params", dict)
    x = b.numbers("x_train")
    n = len(x)
    if n < 1:
        b.fail("x_train", "is empty")
    coef = b.numbers("coef")
    units = len(coef)
    b.integers("unit_kinds", 0, max(FAMILIES) + 1, units)
    b.integers("unit_codes", 0, MAX_CODE, units)
    if units * n > MAX_REBUILD_ENTRIES:
        b.fail("coef", f"holds {units} units over {n} training points: rebuilding them takes "
                       f"{units * n:.3g} entries, more than the {MAX_REBUILD_ENTRIES:.3g} a "
                       "model file may need")
    b.numbers("fitted", n)
    b.number("xi")
    library = b.get("n_library_features", int)
    if library < units:
        b.fail("n_library_features", f"must be at least the {units} units, got {library}")
    b.get("implicit", bool)
    result = b.get("result", dict)
    b.number("objective", result, "result.", non_negative=True)
    b.number("gap", result, "result.", non_negative=True)
    for field in ("loss", "solver"):
        b.get(field, str, result, "result.")
    if "certificate" in result:
        b.get("certificate", str, result, "result.")
    if "beta_" in body:
        b.number("beta_", positive=True)
    if "scaling" in body:
        scaling = b.get("scaling", dict)
        for field in ("x_center", "y_center"):
            b.number(field, scaling, "scaling.")
        for field in ("x_scale", "y_scale"):
            b.number(field, scaling, "scaling.", positive=True)
    if body.get("cv_results") is not None:
        b.get("cv_results", dict)
    if classifier:
        classes = b.get("classes", list)
        if len(classes) != 2:
            b.fail("classes", f"must hold the 2 classes, got {len(classes)}")


__all__ = ["MAX_FILE_BYTES", "MAX_REBUILD_ENTRIES", "check_body", "read_json"]
