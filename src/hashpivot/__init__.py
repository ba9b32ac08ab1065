"""hashpivot: a strategy lab for Bitcoin mining companies after the April 2024 halving.

Import stays light: heavy optional modules (numba, plotly, dask, streamlit) load inside the
functions that need them.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
