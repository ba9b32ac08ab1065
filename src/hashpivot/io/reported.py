"""A user's own monthly hashrate path, read from a CSV file (columns ``month,hashrate_ehs`` and optional
``kind`` and ``curtailed_frac``, the share of the month's hours the fleet was curtailed), validated like any input:
each row becomes a ``scenarios.schema.HashrateReported``.
The hashrate's decimals are taken as written in the file ("10.0": 1, "10": 0, "10.940": 3): they set the rounding
interval the replay reads the figure with (``hashrate_decimals``)."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

from hashpivot.errors import DataError

#: ``kind`` of a row that does not state one.
DEFAULT_KIND = "average_operating"
#: The columns a file may have, the first two required.
COLUMNS = ("month", "hashrate_ehs", "kind", "curtailed_frac")


def load_hashrate_csv(path: str | os.PathLike[str]) -> list:
    """The rows of ``path`` as ``HashrateReported`` (source: the file and its line). Raises DataError naming
    the file, the line, the field, the value and what is allowed: a missing column, a month not YYYY-MM, an
    EH/s that is negative or not a number or written with more than 6 decimals, a kind that does not exist, a
    curtailed share outside [0, 1), a month listed twice, a column not in ``COLUMNS``, a row of more fields than
    the header, a file with no rows or not UTF-8."""
    from pydantic import ValidationError

    from hashpivot.scenarios.schema import (
        HASHRATE_KINDS,
        MAX_PUBLISHED_DECIMALS,
        HashrateReported,
        written_decimals,
    )

    file = Path(path)
    if not file.is_file():
        raise DataError(f"--hashrate {str(file)!r} is not a file; allowed: a CSV file with columns month,hashrate_ehs")
    try:
        text = file.read_text(encoding="utf-8-sig")  # a spreadsheet's byte-order mark is not a column name
    except UnicodeDecodeError as exc:
        raise DataError(f"{file.name}: byte {exc.start} is not UTF-8 text; allowed: a UTF-8 CSV file with columns "
                        f"{','.join(COLUMNS)}") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if reader.fieldnames is None:
        raise DataError(f"{file.name}: the file is empty; allowed: a header row {','.join(COLUMNS)} (the last two "
                        "optional) and a row per month")
    fields = [name.strip() for name in reader.fieldnames]
    missing = [c for c in ("month", "hashrate_ehs") if c not in fields]
    if missing:
        raise DataError(f"{file.name}: column {missing[0]!r} is missing (have {reader.fieldnames}); allowed: "
                        f"columns {','.join(COLUMNS)} (the last two optional)")
    unknown = [c for c in fields if c not in COLUMNS]
    if unknown:
        raise DataError(f"{file.name}: column {unknown[0]!r} is not known; allowed: columns {','.join(COLUMNS)}")
    twice = [c for i, c in enumerate(fields) if c in fields[:i]]
    if twice:  # csv would keep the last of the two, unsaid
        raise DataError(f"{file.name}: column {twice[0]!r} is in the header twice; allowed: each of the columns "
                        f"{','.join(COLUMNS)} once")
    reader.fieldnames = fields
    # the rows, each checked as the schema checks a preset's
    rows, seen = [], {}
    for line, raw in enumerate(reader, start=2):
        if None in raw:  # more fields than the header names
            raise DataError(f"{file.name} line {line}: {len(fields) + len(raw[None])} fields for the "
                            f"{len(fields)} columns of the header; allowed: one field per column")
        kind = (raw.get("kind") or "").strip() or DEFAULT_KIND
        month = (raw.get("month") or "").strip()
        if month in seen:
            raise DataError(f"{file.name} line {line}: month={month!r} is listed twice (line {seen[month]} "
                            "too); allowed: one row per month")
        seen[month] = line
        curtailed = (raw.get("curtailed_frac") or "").strip() or "0"
        ehs_text = (raw.get("hashrate_ehs") or "").strip()
        if written_decimals(ehs_text) > MAX_PUBLISHED_DECIMALS:
            raise DataError(f"{file.name} line {line}: hashrate_ehs={ehs_text!r} is written with "
                            f"{written_decimals(ehs_text)} decimals; allowed: at most {MAX_PUBLISHED_DECIMALS} "
                            "(the decimals as published set the figure's rounding)")
        try:
            rows.append(HashrateReported(month=month, hashrate_ehs=ehs_text,
                                         kind=kind, source=f"{file.name} line {line}", curtailed_frac=curtailed,
                                         curtailed_source=f"{file.name} line {line}"))
        except ValidationError as exc:
            err = exc.errors()[0]
            field = str(err["loc"][0]) if err["loc"] else "row"
            allowed = {"kind": "one of " + ", ".join(HASHRATE_KINDS),
                       "curtailed_frac": "a share of the month's hours in [0, 1)"}.get(field, err["msg"])
            raise DataError(f"{file.name} line {line}: {field}={raw.get(field)!r} is invalid; allowed: "
                            f"{allowed}") from None
    if not rows:
        raise DataError(f"{file.name}: no rows under its header; allowed: one row per month")
    return rows
