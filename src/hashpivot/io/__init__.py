"""The only code that touches disk or network: history loaders, (later) live fetchers and the run store.

Writes are atomic: :func:`write_bytes_atomic` writes a temp file in the target's folder and moves
it into place with ``os.replace``, so a reader never sees a half-written file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from hashpivot.io.history import (
    ATTRIBUTION,
    DATA_ENV_VAR,
    REQUIRED_COLUMNS,
    load_chain_history,
    resolve_data_path,
    validate_chain_history,
)

__all__ = [
    "ATTRIBUTION",
    "DATA_ENV_VAR",
    "REQUIRED_COLUMNS",
    "load_chain_history",
    "resolve_data_path",
    "validate_chain_history",
    "write_bytes_atomic",
    "write_text_atomic",
]


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (temp file in the same folder, then ``os.replace``).

    Creates the parent folder if needed. Returns the path written.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, target)
    except BaseException:
        try:
            os.unlink(tmp_name)
        except FileNotFoundError:
            pass
        raise
    return target


def write_text_atomic(path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically; see :func:`write_bytes_atomic`."""
    return write_bytes_atomic(path, text.encode(encoding))
