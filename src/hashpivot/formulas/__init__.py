"""Pure, vectorized formulas: numpy in, numpy out, never mutate inputs.

Every function broadcasts over any shape, validates its inputs (an error names the argument and the
allowed range) and carries a doctest with a hand calculation.
"""
