"""numpy neural networks: parallel (2.3) and standard (2.2) networks, objective (1.1),
exact gradients and Adam; no torch."""

from .parallel import ParallelNetwork
from .standard import StandardNetwork

__all__ = ["ParallelNetwork", "StandardNetwork"]
