"""What one megawatt earns in mining and in the AI options: in a Monte Carlo run, and today in a point estimate.

**The one definition** (issue 16) that the report, the CLI, the dashboard and notebooks all show for a run is
:func:`run_margins`: per segment and policy, the MEDIAN over paths (:data:`hashpivot.format.MARGIN_STAT`) of the
path's margin over the whole horizon per MW-day the segment ran, ``(revenue - opex) / MW-days`` [USD/MW-day], and
the same x 365 [USD/MW-year]. Mining's revenue includes demand-response credits and its opex is the power bill
(before overheads: "hardware margin", IREN's measure); an AI segment's opex is its own (power included for a GPU
cloud), per grid MW-day earned. Why the median: see :data:`hashpivot.format.MARGIN_STAT`.

:func:`per_mw_table` (``hashpivot margins``) is a different quantity on purpose: one day's deterministic margin
from the pure formulas (``formulas.mining``, ``formulas.ai``) at stated inputs (IREN-like FY2025 by default), not
a run; the command labels it "today at these inputs" so it is never read as a run's median.
"""

from __future__ import annotations

import tomllib
from importlib import resources

import numpy as np
import pandas as pd
from pydantic import Field

from hashpivot.domain.base import Model
from hashpivot.formulas import ai, mining
from hashpivot.format import MARGIN_STAT, per_mw_year
from hashpivot.units import DAYS_PER_YEAR, TH_PER_EH

#: Segments of a run's margin, with the words a reader sees (``<segment>_margin_usd_per_mw_day`` in a result).
SEGMENT_LABELS: dict[str, str] = {"mining": "mining", "colocation_lease": "colocation lease",
                                  "site_lease": "site lease", "gpu_cloud": "GPU cloud"}
#: Columns of :func:`run_margins`.
RUN_MARGIN_COLUMNS = ["policy", "segment", "usd_per_mw_day", "usd_per_mw_year", "p5", "p95"]


def run_margins(summary: pd.DataFrame) -> pd.DataFrame:
    """What a MW earns in a run, under the one definition (module docstring), from the run's tidy ``summary``:
    a row per (policy, segment) with ``usd_per_mw_day`` (the median over paths) [USD/MW-day], ``usd_per_mw_year``
    (x 365) [USD/MW-year], and the p5 and p95 over paths [USD/MW-day]. Segments with no finite median (no such
    capacity in the run) are left out; rows in run order of policies, then :data:`SEGMENT_LABELS` order.

    >>> s = pd.DataFrame({"policy": "a", "metric": "mining_margin_usd_per_mw_day",
    ...                   "stat": ["p5", "p50", "p95", "mean"], "value": [10.0, 100.0, 300.0, 130.0]})
    >>> [float(v) if isinstance(v, float) else v for v in run_margins(s).iloc[0]]
    ['a', 'mining', 100.0, 36500.0, 10.0, 300.0]
    """
    policies = list(dict.fromkeys(summary["policy"]))
    indexed = summary.set_index(["policy", "metric", "stat"])["value"]
    rows = []
    for segment in SEGMENT_LABELS:
        metric = f"{segment}_margin_usd_per_mw_day"
        for p in policies:
            p5, mid, p95 = (float(indexed.get((p, metric, s), float("nan"))) for s in ("p5", MARGIN_STAT, "p95"))
            rows.append((p, segment, mid, per_mw_year(mid), p5, p95))
    table = pd.DataFrame(rows, columns=RUN_MARGIN_COLUMNS)
    present = set(table.loc[np.isfinite(table["usd_per_mw_day"]), "segment"])
    return table[table["segment"].isin(present)].reset_index(drop=True)


class MiningPerMw(Model):
    hashprice_usd_per_th_day: float = Field(gt=0, le=10, description="Hashprice. [USD/(TH/s)/day]")
    efficiency_j_per_th: float = Field(gt=0, le=500, description="Fleet efficiency. [J/TH]")
    power_price_usd_per_mwh: float = Field(ge=0, le=1000, description="Power price. [USD/MWh]")
    pool_fee_frac: float = Field(default=0.0, ge=0, le=1, description="Pool fee. [fraction]")
    capex_usd_per_th: float = Field(default=17.5, ge=0, le=1000, description="ASIC capex per TH/s. [USD/(TH/s)]")


class GpuCloudPerMw(Model):
    rent_usd_per_gpu_hour: float = Field(gt=0, le=100, description="Rent per rented GPU-hour. [USD/GPU-hour]")
    utilisation_frac: float = Field(ge=0, le=1, description="Share of GPU-hours rented. [fraction]")
    server_power_kw_per_gpu: float = Field(gt=0, le=20, description="IT power per GPU, server share included. [kW/GPU]")
    pue_ratio: float = Field(default=1.2, ge=1, le=3, description="Facility / IT power. [ratio]")
    power_price_usd_per_mwh: float = Field(ge=0, le=1000, description="Power price. [USD/MWh]")
    capex_usd_per_gpu: float = Field(default=40_000.0, ge=0, le=1e6, description="Capex per GPU. [USD/GPU]")


class PerMwInputs(Model):
    name: str = Field(default="inputs", description="Label of the input set. [text]")
    mining: MiningPerMw
    gpu_cloud: GpuCloudPerMw


def iren_like() -> PerMwInputs:
    """IREN-like FY2025 inputs (``domain/facts/iren_per_mw.toml``, every value with its source)."""
    text = resources.files("hashpivot.domain.facts").joinpath("iren_per_mw.toml").read_text(encoding="utf-8")
    return PerMwInputs.model_validate(tomllib.loads(text))


def per_mw_table(inputs: PerMwInputs) -> pd.DataFrame:
    """Rows ``mining`` and ``gpu_cloud``; columns revenue, power cost and margin per MW-day [USD/MW-day],
    margin share [fraction], capex per MW [USD/MW] and simple payback [years]; every figure per grid MW (a GPU
    hall's PUE included), so the two segments compare MW for MW."""
    m, g = inputs.mining, inputs.gpu_cloud
    ths_per_mw = 1e6 / m.efficiency_j_per_th  # 1 MW / (J/TH) = TH/s
    mining_revenue = float(mining.mining_revenue_usd_per_day(ths_per_mw / TH_PER_EH, m.hashprice_usd_per_th_day,
                                                             1.0, m.pool_fee_frac))
    mining_margin = float(mining.mining_margin_usd_per_mw_day(m.hashprice_usd_per_th_day, m.efficiency_j_per_th,
                                                              m.power_price_usd_per_mwh, 1.0, m.pool_fee_frac))
    n_gpus = float(ai.gpus_per_mw(g.server_power_kw_per_gpu, 1, g.pue_ratio))
    gpu_revenue = float(ai.gpu_revenue_usd_per_mw_day(n_gpus, g.rent_usd_per_gpu_hour, g.utilisation_frac))
    gpu_margin = float(ai.gpu_margin_usd_per_mw_day(n_gpus, g.rent_usd_per_gpu_hour, g.utilisation_frac,
                                                    g.power_price_usd_per_mwh))
    rows = {
        "mining": (mining_revenue, mining_margin, ths_per_mw * m.capex_usd_per_th),
        "gpu_cloud": (gpu_revenue, gpu_margin, n_gpus * g.capex_usd_per_gpu),
    }
    table = pd.DataFrame(
        [(seg, rev, rev - margin, margin, margin / rev if rev > 0 else float("nan"), capex,
          capex / (margin * DAYS_PER_YEAR) if margin > 0 else float("inf"))
         for seg, (rev, margin, capex) in rows.items()],
        columns=["segment", "revenue_usd_per_mw_day", "power_usd_per_mw_day", "margin_usd_per_mw_day",
                 "margin_frac", "capex_usd_per_mw", "payback_years"],
    ).set_index("segment")
    return table


def sensitivities(inputs: PerMwInputs, rent_drop_frac: float = 0.4, utilisation_frac: float = 0.6) -> pd.DataFrame:
    """GPU cloud per MW in the base case, with rent down ``rent_drop_frac``, and at ``utilisation_frac``;
    mining per MW beside them. Rows = cases, columns as ``per_mw_table``."""
    g = inputs.gpu_cloud
    cases = {
        "base": inputs,
        f"GPU rent -{rent_drop_frac:.0%}": inputs.model_copy(update={"gpu_cloud": g.model_copy(
            update={"rent_usd_per_gpu_hour": g.rent_usd_per_gpu_hour * (1 - rent_drop_frac)})}),
        f"utilisation {utilisation_frac:.0%}": inputs.model_copy(update={"gpu_cloud": g.model_copy(
            update={"utilisation_frac": utilisation_frac})}),
    }
    frames = []
    for case, case_inputs in cases.items():
        t = per_mw_table(case_inputs).reset_index()
        t.insert(0, "case", case)
        frames.append(t)
    return pd.concat(frames, ignore_index=True)


