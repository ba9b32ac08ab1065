"""The daily Monte Carlo engine: market (exogenous arrays), step (one day's accounting), run (chunks)."""
