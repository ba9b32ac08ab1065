"""The package version, in a module of its own so that modules may read it without importing the package root
(whose lazy attributes import :mod:`hashpivot.api`)."""

__version__ = "0.2.0"
