"""Models that fit exact networks: the shared pipeline (:mod:`.network`) and the scikit-learn
estimators (:mod:`.estimators`)."""

from .estimators import (
    CLASSIFIER_EXPECTED_FAILED_CHECKS,
    EXPECTED_FAILED_CHECKS,
    ConvexNetClassifier,
    ConvexNetRegressor,
)
from .network import FittedNetwork, build_library, fit_network

__all__ = ["CLASSIFIER_EXPECTED_FAILED_CHECKS", "ConvexNetClassifier", "ConvexNetRegressor",
           "EXPECTED_FAILED_CHECKS", "FittedNetwork", "build_library", "fit_network"]
