"""Piecewise-linear functions of one variable in numba: vertex forms with symbolic breakpoints
(:mod:`.vertex`, how units are built layer by layer) and kink / grid forms (:mod:`.grid`, how
features are evaluated, merged and multiplied in O(N))."""
