"""Exogenous stochastic drivers: each turns per-path random streams into arrays (path, day)."""
