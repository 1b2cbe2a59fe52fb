"""The architecture registry: one row per (architecture, depth, activation) of Table 3.1.

A row names what the rest of the package needs to know about an architecture, in one place:

* ``families``: the feature families whose union is its library, with whether weight signs are
  enumerated (:mod:`library_of_mirrors.families`);
* ``beta_scale``: beta~ / beta of the Lasso (1.2) (2 for the symmetrized network, erratum E6);
* ``pricer``: the structured pricer of its full library when it has one (implicit libraries,
  :mod:`library_of_mirrors.dictionary.implicit`): "ramps" (deep narrow relu), "symmetrized",
  "mirrors" (3-layer deep narrow abs: the data units and their mirrors, the midpoint units of
  Lemma D.11; O(N^2) per round; midpoints "anchor" or "none", not "all"), or "arrangement"
  (depth >= 4 abs and negative-slope leaky relu: the exact pricer over the whole unit space,
  :mod:`library_of_mirrors.families.arrangement`, which costs O(N^(L-1)) per round and is
  therefore only used when asked for, ``implicit=True``);
* ``priced``: families whose units only the implicit pricer produces (never enumerated);
* ``flow_depth``: relu deep narrow libraries, whose units are slope changes up to constants
  (:mod:`library_of_mirrors.dictionary.flow`);
* ``widths``: the layer widths of one parallel unit (the numpy networks and Adam);
* ``exact``: False where the Lasso over the library is only an upper bound of (1.1): depth
  >= 4 with a non-monotone activation (errata E3b, E3c), or midpoint features left out
  (``midpoints="none"``); :attr:`Architecture.why_inexact` says which.

Rows are rules over depth (``deep_narrow`` has every depth >= 2), so :func:`lookup` builds the
row of a concrete (activation, depth, architecture) and refuses, listing :data:`SUPPORTED`, what
lies outside Table 3.1.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

from .activations import Activation, get_activation
from .families import ARRANGEMENT, DATA, JUMP, MIDPOINT, MIDPOINT_PAIRS, PADDED, SYMMETRIZED, Family

ARCHITECTURE_NAMES = ("deep_narrow", "symmetrized")
MIDPOINT_OPTIONS = ("anchor", "all", "none")
SUPPORTED = (
    "depth 2, deep_narrow: relu, leaky_relu, abs, sign, threshold",
    "depth >= 3, deep_narrow: relu, leaky_relu, abs",
    "depth 3, symmetrized: relu, leaky_relu with leaky_slope >= 0 (monotone)",
)
#: architectures whose full library has a structured pricer (implicit libraries)
IMPLICIT_SUPPORTED = ("depth >= 2 deep_narrow relu", "depth 3 symmetrized relu / leaky_relu",
                      "depth 3 deep_narrow abs (midpoints 'anchor' or 'none')",
                      "depth >= 4 deep_narrow abs / leaky_relu with leaky_slope < 0 (exact "
                      "pricer over the whole unit space)")
#: one representative (activation, depth, architecture, leaky_slope) per row of Table 3.1, for
#: scripts and tests that sweep every architecture
TABLE_3_1 = (
    ("relu", 2, "deep_narrow", None),
    ("leaky_relu", 2, "deep_narrow", 0.1),
    ("abs", 2, "deep_narrow", None),
    ("sign", 2, "deep_narrow", None),
    ("threshold", 2, "deep_narrow", None),
    ("relu", 3, "deep_narrow", None),
    ("leaky_relu", 3, "deep_narrow", -0.5),
    ("abs", 3, "deep_narrow", None),
    ("relu", 4, "deep_narrow", None),
    ("abs", 4, "deep_narrow", None),
    ("relu", 3, "symmetrized", None),
)


@dataclass(frozen=True)
class Architecture:
    """One row of the registry (see the module)."""

    name: str
    depth: int
    activation: Activation
    midpoints: str
    families: tuple[tuple[Family, bool], ...]
    beta_scale: float
    pricer: str | None
    flow_depth: int | None
    widths: tuple[int, ...]
    exact: bool
    priced: tuple[tuple[Family, bool], ...] = ()

    @property
    def effective_depth(self) -> int:
        """L~ of (1.1): the depth, or 2 for sign / threshold (Remark D.1)."""
        return 2 if self.activation.sign_determined else self.depth

    @property
    def auto_implicit(self) -> bool:
        """Whether ``implicit="auto"`` may choose the implicit library when the explicit one is
        too large: the structured pricers, not the exact arrangement pricer (O(N^(L-1))), nor
        the 3-layer abs library with ``midpoints="all"`` (O(N^3) units, no O(N^2) pricer)."""
        if self.pricer == "mirrors":
            return self.midpoints != "all"
        return self.pricer in ("ramps", "symmetrized")

    @property
    def jump(self) -> bool:
        """Sign / threshold features (jumps, step basis)."""
        return self.families[0][0].jump

    def describe(self) -> str:
        return f"{self.depth}-layer {self.name} {self.activation.name}"

    @property
    def why_inexact(self) -> str | None:
        """Why the Lasso over this library may miss the optimum of (1.1); None when it is
        (1.1) itself."""
        if self.exact:
            return None
        if self.depth >= 4 and not self.activation.monotone:
            return (f"the {self.describe()} library is incomplete: a unit outside it can lower "
                    "the training objective (1.1) (docs/errata.md, E3b/E3c); implicit=True "
                    "prices the whole unit space exactly")
        return (f"the {self.describe()} library was built without its midpoint features "
                "(midpoints='none'; Definition 3.9 needs them)")


def _deep_narrow(act: Activation, depth: int, midpoints: str) -> tuple:
    signed = not act.even
    if depth == 2:
        return ((JUMP, True),) if act.sign_determined else ((DATA, signed),)
    if depth >= 4 and act.name == "relu":
        return ((PADDED, signed),)  # the relu library freezes at depth 3 (Lemma 3.7)
    fams = [(DATA, signed)]
    # depth 3: midpoint feature biases (Definition 3.9).  Deeper abs libraries also hold the
    # 3-layer midpoint units padded with identity layers |X - 0| = X (abs features are >= 0 and
    # vanish at their anchor), so that they contain the shallower library as Remark 3.12 states
    # (erratum E3a)
    if not act.monotone and midpoints != "none" and (depth == 3 or act.even):
        fams.append((MIDPOINT if midpoints == "anchor" else MIDPOINT_PAIRS, signed))
    return tuple(fams)


def _check_depth(depth) -> int:
    if isinstance(depth, bool) or not isinstance(depth, numbers.Integral):
        raise TypeError(f"depth must be an integer >= 2, got {depth!r}")
    depth = int(depth)
    if depth < 2:
        raise ValueError(f"depth must be >= 2 (a network has at least one hidden layer), "
                         f"got {depth}")
    return depth


def normalize_name(architecture) -> str:
    """``architecture`` as a registry name ("deep-narrow" is "deep_narrow"), else an error that
    lists the supported combinations."""
    if not isinstance(architecture, str):
        raise TypeError(f"architecture must be a string, got {type(architecture).__name__}")
    arch = architecture.lower().replace("-", "_")
    if arch not in ARCHITECTURE_NAMES:
        raise ValueError(f"unknown architecture {architecture!r}; supported combinations: "
                         f"{'; '.join(SUPPORTED)}")
    return arch


def lookup(activation: str | Activation = "relu", depth: int = 2,
           architecture: str = "deep_narrow", leaky_slope: float | None = None,
           midpoints: str = "anchor") -> Architecture:
    """The registry row of a network; ValueError (listing :data:`SUPPORTED`) outside Table
    3.1, TypeError for arguments of the wrong type."""
    act = activation if isinstance(activation, Activation) else \
        get_activation(activation, leaky_slope)
    depth = _check_depth(depth)
    arch = normalize_name(architecture)
    if midpoints not in MIDPOINT_OPTIONS:
        raise ValueError(f"midpoints must be one of {MIDPOINT_OPTIONS}, got {midpoints!r}")
    if arch == "deep_narrow" and (depth == 2 or act.continuous):
        fams = _deep_narrow(act, depth, midpoints)
        relu = act.name == "relu"
        deep_kinked = depth >= 4 and not act.monotone
        pricer = "ramps" if relu else ("arrangement" if deep_kinked else None)
        if depth == 3 and act.even:
            pricer = "mirrors"  # abs: ||x - c| - b|, priced as ramp sums (Lemmas D.10, D.11)
        return Architecture(
            arch, depth, act, midpoints, fams, 1.0,
            pricer=pricer,
            flow_depth=(2 if depth == 2 else 3) if relu else None,
            widths=(1,) * depth,
            exact=act.monotone or (depth < 4 and (depth == 2 or midpoints != "none")),
            priced=((ARRANGEMENT, not act.even),) if deep_kinked else ())
    if arch == "symmetrized" and depth == 3 and act.continuous and act.monotone:
        return Architecture(arch, 3, act, midpoints, ((SYMMETRIZED, True),), 2.0,
                            pricer="symmetrized", flow_depth=None, widths=(1, 2, 1),
                            exact=True)
    raise ValueError(
        f"unsupported combination activation={act.name!r}, depth={depth}, "
        f"architecture={arch!r} (outside Table 3.1); supported combinations: "
        f"{'; '.join(SUPPORTED)}")


__all__ = ["ARCHITECTURE_NAMES", "Architecture", "IMPLICIT_SUPPORTED", "MIDPOINT_OPTIONS",
           "SUPPORTED", "TABLE_3_1", "lookup", "normalize_name"]
