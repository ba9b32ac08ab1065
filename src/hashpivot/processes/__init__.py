"""Exogenous stochastic drivers: each turns per-path random streams into arrays (path, day).

Importing it first drops numba's cached kernels if a file they compile in has changed (``hashpivot.kernel_cache``).
"""

from hashpivot.kernel_cache import drop_stale_kernels

drop_stale_kernels()
