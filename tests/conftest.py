"""Shared fixtures: the real chain table in ../shared/data (read in place, never copied) and small
synthetic chain tables written to tmp_path for validation tests."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from hashpivot.io.history import REQUIRED_COLUMNS

#: The real daily chain table, next to the repository (see ../shared/data/README.md).
SHARED_CSV = Path(__file__).parents[2] / "shared/data/btc_daily.csv"

#: The columns of the chain table, in file order.
CHAIN_COLUMNS = REQUIRED_COLUMNS

Row = dict[str, str]


@pytest.fixture(autouse=True)
def _run_store_in_tmp(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test records runs ('hashpivot run/compare') in a store of its own, never in ~/.hashpivot."""
    path = tmp_path_factory.mktemp("store") / "runs.duckdb"
    monkeypatch.setenv("HASHPIVOT_STORE", str(path))
    return path


@pytest.fixture(autouse=True)
def _data_cache_in_tmp(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test reads a chain cache the user made with 'hashpivot data update' (~/.hashpivot/data)."""
    path = tmp_path_factory.mktemp("data-cache")
    monkeypatch.setenv("HASHPIVOT_DATA_DIR", str(path))
    return path


@pytest.fixture
def shared_csv() -> Path:
    """Path of ../shared/data/btc_daily.csv; skips only when the file is absent."""
    if not SHARED_CSV.is_file():
        pytest.skip(f"shared chain table not found at {SHARED_CSV}")
    return SHARED_CSV


def synthetic_chain_rows(
    start: str = "2024-03-01",
    n_days: int = 60,
    halving_index: int | None = 30,
    new_blocks_on_halving_day: int = 40,
    old_subsidy_btc: float = 6.25,
    new_subsidy_btc: float = 3.125,
) -> list[Row]:
    """A small, internally consistent chain table as CSV strings.

    Day ``halving_index`` mixes ``new_blocks_on_halving_day`` blocks at the new subsidy with the rest at
    the old one (as the real table's halving days do); later days are all at the new subsidy.
    ``halving_index=None`` keeps the old subsidy throughout.
    """
    first = dt.date.fromisoformat(start)
    rows: list[Row] = []
    for i in range(n_days):
        blocks = 140 + (i * 7) % 11
        price_usd = 60_000.0 + 123.4567 * i
        hashrate_ehs = 600.0 + 3.5 * (i % 9)
        fees_btc = 10.0 + 1.25 * (i % 5)
        if halving_index is None or i < halving_index:
            issuance_btc = blocks * old_subsidy_btc
        elif i == halving_index:
            n_new = new_blocks_on_halving_day
            issuance_btc = (blocks - n_new) * old_subsidy_btc + n_new * new_subsidy_btc
        else:
            issuance_btc = blocks * new_subsidy_btc
        revenue_btc = issuance_btc + fees_btc
        revenue_usd = round(revenue_btc * price_usd, 2)
        rows.append(
            {
                "date": (first + dt.timedelta(days=i)).isoformat(),
                "price_usd": f"{price_usd:.4f}",
                "hashrate_ehs": f"{hashrate_ehs:.9g}",
                "difficulty_mean": f"{hashrate_ehs * 1e18 * 600 / 2**32:.1f}",
                "block_count": str(blocks),
                "fees_btc": f"{fees_btc:.8f}",
                "issuance_btc": f"{issuance_btc:.8f}",
                "revenue_btc": f"{revenue_btc:.8f}",
                "revenue_usd": f"{revenue_usd:.2f}",
                "hashprice_usd_per_th_day": f"{revenue_usd / (hashrate_ehs * 1e6):.6g}",
                "tx_count": str(400_000 + i),
            }
        )
    return rows


def write_chain_csv(path: Path, rows: list[Row], columns: tuple[str, ...] = CHAIN_COLUMNS) -> Path:
    """Write ``rows`` (dicts of strings) as a CSV with ``columns`` in that order."""
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


MakeChainCsv = Callable[..., Path]


@pytest.fixture
def make_chain_csv(tmp_path: Path) -> MakeChainCsv:
    """Factory writing a synthetic chain table to tmp_path and returning its path.

    ``make(edit=None, drop_columns=(), name="btc_daily.csv", **kwargs)``: ``kwargs`` go to
    :func:`synthetic_chain_rows`; ``edit(rows)`` may change the rows in place or return new ones.
    """

    def make(
        edit: Callable[[list[Row]], list[Row] | None] | None = None,
        drop_columns: tuple[str, ...] = (),
        name: str = "btc_daily.csv",
        **kwargs: object,
    ) -> Path:
        rows = synthetic_chain_rows(**kwargs)  # type: ignore[arg-type]
        if edit is not None:
            edited = edit(rows)
            rows = rows if edited is None else edited
        columns = tuple(c for c in CHAIN_COLUMNS if c not in drop_columns)
        return write_chain_csv(tmp_path / name, rows, columns)

    return make


@pytest.fixture
def synthetic_rows() -> Callable[..., list[Row]]:
    """The generator behind ``make_chain_csv``, for tests that compute expectations from the rows."""
    return synthetic_chain_rows
