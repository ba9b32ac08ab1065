"""Assertions shared by the formula and protocol tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from hashpivot.errors import InputError


def assert_input_error(call: Callable[[], object], name: str, allowed: str) -> None:
    """``call()`` raises an InputError naming the argument ``name`` first (``name=value ...``) and saying what is
    ``allowed``."""
    with pytest.raises(InputError) as info:
        call()
    assert info.value.name == name
    assert str(info.value).startswith(f"{name}=")
    assert allowed in str(info.value)
