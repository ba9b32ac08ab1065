"""The cells of the operating company's tables (value on day 0, by site, spin-offs): headers with their units and
rows of text, one formatter for the report (``report.sim_report``) and the terminal (``cli.simulate``), as
``report.debt.debt_cells`` is for debt. They display; the figures are ``analysis.valuation``'s,
``analysis.sites``'s and ``analysis.spin_offs``'s."""

from __future__ import annotations

import math

import pandas as pd

from hashpivot.format import MISSING, fmt_pct, fmt_usd

VALUE_HEADERS = ["policy", "equity p50 [USD]", "equity p5 [USD]", "per share p50 [USD]", "EV mean [USD]",
                 "EV per EH/s [USD]", "equity p50 per MW [USD]", "fleets at resale p50 [USD]"]
SITE_HEADERS = ["policy", "site", "revenue [USD]", "opex [USD]", "capex [USD]", "margin [USD]",
                "mining [USD/MW-day]", "AI/HPC [USD/MW-day]", "MW-days"]
SPIN_OFF_HEADERS = ["policy", "entity", "kept", "entity NAV [USD]", "its share [USD]", "stake [USD]", "NAV [USD]",
                    "attributable NAV [USD]"]


def _per_mw_day(x: float) -> str:
    return f"{x:,.0f}" if math.isfinite(x) else MISSING


def value_cells(frame: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    """(headers, rows) of ``analysis.valuation.valuation_frame``. [text]"""
    rows = [[r.policy, fmt_usd(r.dcf_equity_usd_p50), fmt_usd(r.dcf_equity_usd_p5), f"{r.dcf_per_share_usd_p50:,.2f}",
             fmt_usd(r.ev_usd_mean), fmt_usd(r.ev_usd_per_ehs), fmt_usd(r.dcf_equity_usd_per_mw),
             fmt_usd(r.fleet_value_usd_p50)]
            for r in frame.itertuples()]
    return VALUE_HEADERS, rows


def site_cells(frame: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    """(headers, rows) of ``analysis.sites.site_frame``. [text]"""
    rows = [[r.policy, r.site, fmt_usd(r.revenue_usd), fmt_usd(r.opex_usd), fmt_usd(r.capex_usd),
             fmt_usd(r.margin_usd), _per_mw_day(r.mining_margin_usd_per_mw_day),
             _per_mw_day(r.ai_margin_usd_per_mw_day), f"{r.mining_mw_days + r.ai_mw_days:,.0f}"]
            for r in frame.itertuples()]
    return SITE_HEADERS, rows


def spin_off_cells(frame: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    """(headers, rows) of ``analysis.spin_offs.spin_off_frame``. [text]"""
    rows = [[r.policy, r.entity, fmt_pct(r.retained_frac), fmt_usd(r.entity_nav_usd_p50),
             fmt_usd(r.entity_retained_nav_usd_p50), f"{fmt_usd(r.entity_stake_usd_p50)} ({r.valuation})",
             fmt_usd(r.nav_usd_p50), fmt_usd(r.attributable_nav_usd_p50)] for r in frame.itertuples()]
    return SPIN_OFF_HEADERS, rows
