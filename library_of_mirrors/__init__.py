"""library_of_mirrors: train neural networks on 1-D data to their global optimum.

Deep networks trained with weight decay on 1-D data are Lasso models over explicit dictionaries
of piecewise-linear features (Zeger, Wang, Mishkin, Ergen, Candes, Pilanci, "A Library of
Mirrors").  This package builds those dictionaries, solves the Lasso and rebuilds the network.
"""

from .activations import Activation, get_activation
from .architectures import lookup as architecture
from .dictionary import (
    AdditiveDictionary,
    Dictionary,
    ImplicitDictionary,
    build_additive_dictionary,
    build_dictionary,
)
from .executors import Executor
from .features import Breakpoint, Feature, FeatureBatch
from .model_selection import CVPath, cross_validate_path
from .models import ConvexNetClassifier, ConvexNetRegressor
from .nn import ParallelNetwork, StandardNetwork
from .nn.training import train_adam
from .reconstruct import reconstruct
from .solvers import (
    LIBRARY_ONLY,
    TRAINING_PROBLEM,
    ConvergenceWarning,
    Datafit,
    LassoPath,
    LassoResult,
    LibraryOnlyWarning,
    beta_max,
    duality_gap,
    lasso_path,
    solve_lasso,
    solve_min_norm,
)
from .timeseries import ARForecaster, backtest
from .units import Unit

__version__ = "0.1.0"

__all__ = [
    "ARForecaster",
    "Activation",
    "AdditiveDictionary",
    "Breakpoint",
    "ConvergenceWarning",
    "CVPath",
    "ConvexNetClassifier",
    "ConvexNetRegressor",
    "Datafit",
    "Dictionary",
    "Executor",
    "Feature",
    "FeatureBatch",
    "ImplicitDictionary",
    "LassoPath",
    "LassoResult",
    "LIBRARY_ONLY",
    "LibraryOnlyWarning",
    "ParallelNetwork",
    "StandardNetwork",
    "TRAINING_PROBLEM",
    "Unit",
    "architecture",
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
