"""Exports of a run: the tidy summary, the monthly fan data and the win-rate matrix as CSV, Parquet or
one Excel workbook.

Every file is written atomically (temporary file in the target folder, then ``os.replace``), so a
reader never sees half a file. The numbers come from the run (a ``SimResult``) or from the run store;
the fan table is computed by :func:`hashpivot.analysis.fan.fan_frame` and handed in, nothing here does
statistics of its own. The HTML report and a result's full export (report and tables) are written by
:func:`hashpivot.api.export_result`, which draws the report with :mod:`hashpivot.report`.

Files written into the output folder, by format:

- ``csv``: ``summary.csv``, ``fan.csv``, ``win_rate.csv`` and ``scenario.toml``;
- ``parquet``: ``summary.parquet``, ``fan.parquet``, ``win_rate.parquet`` (each with the scenario TOML,
  seed and version in the file's key-value metadata) and ``scenario.toml``;
- ``xlsx``: ``run.xlsx`` with the sheets ``run``, ``summary``, ``fan``, ``win_rate``, ``scenario``;
- ``html``: ``report.html`` (needs the full ``SimResult``, see :func:`hashpivot.api.export_result`).
"""

from __future__ import annotations

import io
import math
import os
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hashpivot.errors import InputError
from hashpivot.io import write_bytes_atomic, write_text_atomic

#: Formats of an export (``html`` by :func:`hashpivot.api.export_result`, the others by :func:`export_tables`).
FORMATS = ("html", "xlsx", "csv", "parquet")
#: Formats written from the stored tables alone (no simulation needed).
TABLE_FORMATS = ("xlsx", "csv", "parquet")


@dataclass(frozen=True)
class RunTables:
    """What an export holds: the tables of one run and the facts that made it.

    ``summary``: tidy (policy, metric, stat, value). ``fan``: tidy (policy, variable, date, day, p5..p95);
    ``policy`` is None for market series, which every policy shares on common random numbers.
    ``win_rate``: square, index ``policy``, columns ``versus`` [fraction]. ``meta``: seed, version,
    n_paths, ... (plain values, shown on the ``run`` sheet and in Parquet metadata).
    """

    summary: pd.DataFrame
    fan: pd.DataFrame
    win_rate: pd.DataFrame
    scenario_toml: str
    meta: Mapping[str, Any] = field(default_factory=dict)


def tables_from_result(result, fan: pd.DataFrame, meta: Mapping[str, Any] | None = None) -> RunTables:
    """The export tables of a ``SimResult``, with its monthly ``fan`` table (from
    :func:`hashpivot.analysis.fan.fan_frame`; :func:`hashpivot.api.run_tables` computes it)."""
    base = {"seed": result.seed, "version": result.version, "n_paths": int(result.dataset.sizes["path"]),
            "policies": ", ".join(result.policies)}
    return RunTables(result.summary.copy(), fan, result.win_rate.copy(), result.scenario_toml,
                     {**base, **(meta or {})})


def check_formats(formats: Iterable[str]) -> list[str]:
    """The formats in order, once each; an unknown one raises :class:`InputError` naming the allowed."""
    chosen = list(dict.fromkeys(formats))
    for f in chosen:
        if f not in FORMATS:
            raise InputError("format", f, f"one of {', '.join(FORMATS)}")
    if not chosen:
        raise InputError("format", "", f"one or more of {', '.join(FORMATS)}")
    return chosen


def export_tables(tables: RunTables, formats: Sequence[str], out_dir: str | os.PathLike[str]) -> dict[str, list[Path]]:
    """Write ``tables`` in each of ``formats`` (``xlsx``, ``csv``, ``parquet``) into ``out_dir``.

    Returns ``{format: [paths written]}``. ``html`` needs the full result: use
    :func:`hashpivot.api.export_result`.
    """
    out = Path(out_dir)
    written: dict[str, list[Path]] = {}
    for fmt in check_formats(formats):
        if fmt == "html":
            raise InputError("format", fmt, "xlsx, csv or parquet for stored tables (html re-simulates)")
        written[fmt] = _WRITERS[fmt](tables, out)
    return written


# ------------------------------------------------------------------------------------------- writers


def _win_rate_frame(win_rate: pd.DataFrame) -> pd.DataFrame:
    frame = win_rate.copy()
    frame.index.name = "policy"
    frame.columns = [str(c) for c in frame.columns]
    return frame


def _write_csv(tables: RunTables, out: Path) -> list[Path]:
    return [
        write_text_atomic(out / "summary.csv", tables.summary.to_csv(index=False)),
        write_text_atomic(out / "fan.csv", _fan_for_text(tables.fan).to_csv(index=False)),
        write_text_atomic(out / "win_rate.csv", _win_rate_frame(tables.win_rate).to_csv()),
        write_text_atomic(out / "scenario.toml", tables.scenario_toml),
    ]


def _fan_for_text(fan: pd.DataFrame) -> pd.DataFrame:
    frame = fan.copy()
    frame["date"] = pd.to_datetime(frame["date"]).dt.strftime("%Y-%m-%d")
    return frame


def _write_parquet(tables: RunTables, out: Path) -> list[Path]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    meta = {"hashpivot." + k: _text(v) for k, v in tables.meta.items()}
    meta["hashpivot.scenario_toml"] = tables.scenario_toml

    def write(name: str, frame: pd.DataFrame, keep_index: bool) -> Path:
        table = pa.Table.from_pandas(frame, preserve_index=keep_index)
        table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                               **{k.encode(): v.encode() for k, v in meta.items()}})
        buffer = io.BytesIO()
        pq.write_table(table, buffer)
        return write_bytes_atomic(out / name, buffer.getvalue())

    fan = tables.fan.copy()
    fan["date"] = pd.to_datetime(fan["date"]).dt.date
    return [
        write("summary.parquet", tables.summary, False),
        write("fan.parquet", fan, False),
        write("win_rate.parquet", _win_rate_frame(tables.win_rate), True),
        write_text_atomic(out / "scenario.toml", tables.scenario_toml),
    ]


def _write_xlsx(tables: RunTables, out: Path) -> list[Path]:
    buffer = io.BytesIO()
    run_sheet = pd.DataFrame({"field": list(tables.meta), "value": [_text(v) for v in tables.meta.values()]})
    scenario = pd.DataFrame(
        [(k, _text(v)) for k, v in flatten(tomllib.loads(tables.scenario_toml)).items()], columns=["key", "value"]
    )
    fan = tables.fan.copy()
    fan["date"] = pd.to_datetime(fan["date"])
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        run_sheet.to_excel(writer, sheet_name="run", index=False)
        tables.summary.to_excel(writer, sheet_name="summary", index=False)
        fan.to_excel(writer, sheet_name="fan", index=False)
        _win_rate_frame(tables.win_rate).to_excel(writer, sheet_name="win_rate")
        scenario.to_excel(writer, sheet_name="scenario", index=False)
        for sheet in writer.book.worksheets:
            for column in sheet.columns:
                width = max(len(str(c.value)) if c.value is not None else 0 for c in column[:200])
                sheet.column_dimensions[column[0].column_letter].width = min(60, max(10, width + 2))
    return [write_bytes_atomic(out / "run.xlsx", buffer.getvalue())]


_WRITERS = {"csv": _write_csv, "parquet": _write_parquet, "xlsx": _write_xlsx}


# ------------------------------------------------------------------------------------------- helpers


def flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested TOML data as ``{dotted.key: value}``; a list of tables is indexed (``compare.0.kind``),
    a list of plain values stays one value.

    >>> flatten({"run": {"seed": 1}, "compare": [{"kind": "hold_all"}], "xs": [1, 2]})
    {'run.seed': 1, 'compare.0.kind': 'hold_all', 'xs': [1, 2]}
    """
    out: dict[str, Any] = {}
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(flatten(value, dotted + "."))
        elif isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
            for i, item in enumerate(value):
                out.update(flatten(item, f"{dotted}.{i}."))
        else:
            out[dotted] = value
    return out


def _text(value: Any) -> str:
    if value is None:  # a fact the run does not have (no name, a plan not recorded): an empty cell, not "None"
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return ""
    return str(value)


def json_value(value: Any) -> Any:
    """A plain JSON value: NaN and infinities become None, dates ISO strings, numpy scalars Python ones.

    >>> json_value(float("nan")), json_value(np.float32(1.5)), json_value(date(2024, 4, 20))
    (None, 1.5, '2024-04-20')
    """
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [json_value(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): json_value(v) for k, v in value.items()}
    return value


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of ``frame`` as JSON-safe dicts (see :func:`json_value`)."""
    return [{str(k): json_value(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]
