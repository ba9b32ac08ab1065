"""hashpivot: a strategy lab for Bitcoin mining companies after the April 2024 halving.

From a notebook::

    import hashpivot
    sc = hashpivot.load("riot").replace("company.sites.rockdale.power_price_usd_per_mwh", 38)
    result = hashpivot.compare(sc, n_paths=2000)   # every treasury policy on the same random numbers
    result                                          # in Jupyter: what a MW earns and the comparison table

``load``, ``run``, ``compare``, ``replay``, ``sweep`` and ``calc`` (the mining calculator) are
:mod:`hashpivot.api`'s. Import stays light: they, and the heavy modules behind them (numba, pandas, plotly, dask,
streamlit), load on first use.
"""

from hashpivot._version import __version__

#: The facade's functions offered at the package root, loaded from :mod:`hashpivot.api` on first use.
_API = ("load", "run", "compare", "replay", "sweep", "calc")

__all__ = ["__version__", *_API]


def __getattr__(name: str):
    if name in _API:
        import hashpivot.api as api

        return getattr(api, name)
    raise AttributeError(f"module 'hashpivot' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_API])
