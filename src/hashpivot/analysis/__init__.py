"""Analysis of chain history and simulation results: pure pandas/numpy computations, no disk.

Submodules are imported where they are used (``from hashpivot.analysis import hashprice``), so that the
CLI starts without loading pandas.
"""
