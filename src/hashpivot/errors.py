"""Errors raised by hashpivot. Each message names the field, the value and what is allowed."""


class HashpivotError(Exception):
    """Base class of every error hashpivot raises on purpose."""


class InputError(HashpivotError, ValueError):
    """A function argument outside its allowed range."""

    def __init__(self, name: str, value: object, allowed: str) -> None:
        self.name = name
        self.value = value
        self.allowed = allowed
        super().__init__(f"{name}={_short(value)} is invalid: allowed {allowed}")


class ScenarioError(HashpivotError, ValueError):
    """A scenario (TOML or model) that does not validate."""


class DataError(HashpivotError, ValueError):
    """A data table that is missing, malformed or inconsistent."""


def did_you_mean(given: str, allowed) -> str:
    """'did you mean X? ' when ``given`` is close to one of ``allowed`` (difflib's ratio >= 0.75: a letter missed,
    doubled or swapped in a word of several), else '': the guess an error puts before its list of what is allowed.

    >>> did_you_mean("texs", ["texas", "ohio"]), did_you_mean("nowhere", ["main"])
    ('did you mean texas? ', '')
    """
    import difflib

    close = difflib.get_close_matches(str(given), [str(a) for a in allowed], n=1, cutoff=0.75)
    return f"did you mean {close[0]}? " if close else ""


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
