"""The daily Monte Carlo engine: market (exogenous arrays), stages and step (a day's accounting), run (chunks).

Importing it first drops numba's cached kernels if a file they compile in has changed (``hashpivot.kernel_cache``).
"""

from hashpivot.kernel_cache import drop_stale_kernels

drop_stale_kernels()
