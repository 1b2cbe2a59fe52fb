"""library_of_mirrors: train neural networks on 1-D data to their global optimum.

Deep networks trained with weight decay on 1-D data are Lasso models over explicit dictionaries
of piecewise-linear features (Zeger, Wang, Mishkin, Ergen, Candes, Pilanci, "A Library of
Mirrors").  This package builds those dictionaries, solves the Lasso and rebuilds the network.
"""

from .activations import Activation, get_activation
from .dictionary import AdditiveDictionary, Dictionary, build_additive_dictionary, build_dictionary
from .estimator import ConvexNetRegressor
from .executors import Executor
from .features import Breakpoint, Feature, FeatureBatch, Unit
from .model_selection import CVPath, cross_validate_path
from .nn import ParallelNetwork, StandardNetwork
from .nn.training import train_adam
from .reconstruct import reconstruct
from .solvers import (
    ConvergenceWarning,
    LassoPath,
    LassoResult,
    beta_max,
    duality_gap,
    lasso_path,
    solve_lasso,
    solve_min_norm,
)
from .timeseries import ARForecaster, backtest

__version__ = "0.1.0"

__all__ = [
    "ARForecaster",
    "Activation",
    "AdditiveDictionary",
    "Breakpoint",
    "ConvergenceWarning",
    "CVPath",
    "ConvexNetRegressor",
    "Dictionary",
    "Executor",
    "Feature",
    "FeatureBatch",
    "LassoPath",
    "LassoResult",
    "ParallelNetwork",
    "StandardNetwork",
    "Unit",
    "backtest",
    "beta_max",
    "build_additive_dictionary",
    "build_dictionary",
    "cross_validate_path",
    "duality_gap",
    "get_activation",
    "lasso_path",
    "reconstruct",
    "solve_lasso",
    "solve_min_norm",
    "train_adam",
    "__version__",
]
