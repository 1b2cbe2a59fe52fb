"""Analysis of optimal networks: closed forms of Appendix C, the dictionary inverses of
Appendix D.5, and the set of all optimal solutions (Proposition E.3) with vertices (minimal
models), the minimum-norm solution and hit-and-run sampling."""

from .closed_forms import (
    inverse_abs,
    inverse_relu,
    inverse_sign,
    inverse_threshold,
    min_norm_abs,
    min_norm_lower_bound,
    min_norm_relu,
    min_norm_sign,
    min_norm_threshold,
    paper_matrix,
    slopes,
)
from .optimal_set import OptimalSet
from .widths import width_table

__all__ = ["OptimalSet", "inverse_abs", "inverse_relu", "inverse_sign", "inverse_threshold",
           "min_norm_abs", "min_norm_lower_bound", "min_norm_relu", "min_norm_sign",
           "min_norm_threshold", "paper_matrix", "slopes", "width_table"]
