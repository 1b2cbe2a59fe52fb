"""The ``mirrors`` command.

``mirrors features``: build a dictionary of Table 3.1 and print its features with their
breakpoints and provenance.  Errors are one line on stderr with exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

from . import __version__
from .dictionary import build_dictionary


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's own usage errors: one line, exit 2
        sys.stderr.write(f"mirrors: error: {message}\n")
        raise SystemExit(2)


def _read_points(args) -> np.ndarray:
    if args.x is not None:
        try:
            return np.array([float(v) for v in args.x.split(",") if v.strip()])
        except ValueError:
            raise ValueError(f"--x must be comma-separated numbers, got {args.x!r}") from None
    import csv  # noqa: PLC0415

    try:
        with open(args.csv, newline="") as fh:
            rows = list(csv.DictReader(fh))
    except FileNotFoundError:
        raise ValueError(f"no such file: {args.csv}") from None
    if not rows:
        raise ValueError(f"{args.csv} has no data rows")
    column = args.column or next(iter(rows[0]))
    if column not in rows[0]:
        raise ValueError(f"column {column!r} not in {args.csv} (columns: {', '.join(rows[0])})")
    try:
        return np.array([float(r[column]) for r in rows])
    except (TypeError, ValueError):
        raise ValueError(f"column {column!r} of {args.csv} has non-numeric values") from None


def _cmd_features(args) -> int:
    x = _read_points(args)
    d = build_dictionary(x, args.activation, args.depth, args.architecture,
                         leaky_slope=args.leaky_slope, n_features=args.n_features,
                         random_state=args.seed, progress=not args.quiet)
    print(d)
    print(f"distinct training points x[i]: {', '.join(f'{v:g}' for v in d.x_unique)}")
    shown = d.n_features if args.max is None else min(args.max, d.n_features)
    for f in d.features[:shown]:
        parts = [f"{b.position:.6g} {b.kind} [{b.formula}]" for b in f.provenance]
        print(f"  feature {f.index:>5} ({f.family}, x{f.multiplicity}): "
              + ("; ".join(parts) if parts else "affine"))
    if shown < d.n_features:
        print(f"  ... {d.n_features - shown} more (use --max)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="mirrors", description="Exact training of neural networks on 1-D data "
                "through their equivalent Lasso problems.")
    p.add_argument("--version", action="version", version=f"mirrors {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    f = sub.add_parser("features", help="build a dictionary and print its features")
    src = f.add_mutually_exclusive_group()
    src.add_argument("--x", help="comma-separated training points (default: 2,0,-1,3)")
    src.add_argument("--csv", help="CSV file with the training points")
    f.add_argument("--column", help="CSV column to read (default: the first)")
    f.add_argument("--activation", default="abs",
                   choices=["relu", "leaky_relu", "abs", "sign", "threshold"])
    f.add_argument("--depth", type=int, default=3)
    f.add_argument("--architecture", default="deep_narrow",
                   choices=["deep_narrow", "symmetrized"])
    f.add_argument("--leaky-slope", type=float, default=None)
    f.add_argument("--n-features", type=int, default=None, help="sample this many features")
    f.add_argument("--seed", type=int, default=None)
    f.add_argument("--max", type=int, default=40, help="print at most this many features")
    f.add_argument("--quiet", action="store_true", help="no progress bar")
    f.set_defaults(func=_cmd_features)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "x", None) is None and getattr(args, "csv", None) is None:
        args.x = "2,0,-1,3"
    try:
        return args.func(args)
    except (ValueError, TypeError, MemoryError) as exc:
        sys.stderr.write(f"mirrors: error: {exc}\n")
        return 2
    except BrokenPipeError:  # e.g. `mirrors features ... | head`: the reader left, not an error
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
