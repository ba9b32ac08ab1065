"""The seed article's quantitative claims, each beside what our data and model say, with a verdict.

Every claim is data (:data:`CLAIMS`: id, text, the article's figures and their units). One pure function per
claim computes our figures from the daily chain table (``history``, loaded by the caller, e.g. with
:func:`hashpivot.io.load_chain_history`, or None when no table is available), the pure formulas and the
sourced fact tables (``domain/facts/claims.toml`` and ``domain/facts/iren_per_mw.toml``), and returns a
:class:`ClaimCheck`: our figures, how they were computed, their source, the verdict and the tolerance rule
that gave it, stated in words.

Verdicts: ``supported`` (our figures agree with the article's within the stated rule), ``contradicted``
(they do not), ``not checkable`` (we lack the data or a source; the reason says which).

Definitions shared by the checks:

* **Hashprice** [USD/(TH/s)/day]: network revenue (subsidy + fees) x price / network hash rate, per day
  (:mod:`hashpivot.analysis.hashprice`). Windows around halving 4 (2024-04-20): A days before it and B days
  from it (halving day included), mean of the daily values.
* **Hardware margin**: IREN's measure, (revenue - electricity) / revenue; per MW-day it is revenue less
  electricity per MW for one day [USD/MW-day]. Mining per MW of miners, GPU cloud per grid MW (PUE included),
  a colocation lease per MW of critical IT load (the tenant pays its own power, so its margin is its revenue).
* **Costlier**: the electricity cost per BTC mined by a fixed fleet (fixed J/TH and power price), which is
  the network's energy per BTC (efficiency x network hash rate x 24 h / BTC paid to miners per day) x the
  power price. It grows with network hash rate and shrinks with BTC paid per block (subsidy + fees).

Source of the chain data: Coin Metrics Community Data (github.com/coinmetrics/data), CC BY-NC 4.0.
"""

from __future__ import annotations

import datetime as dt
import math
import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field

from hashpivot.analysis.hashprice import find_halvings, halving_window, period_stats
from hashpivot.analysis.per_mw import PerMwInputs, iren_like, per_mw_table
from hashpivot.domain.base import Model
from hashpivot.domain.sources import CHAIN_TABLE_ATTRIBUTION
from hashpivot.errors import DataError, InputError
from hashpivot.formulas import ai, mining
from hashpivot.units import KW_PER_MW, MONTHS_PER_YEAR

Verdict = Literal["supported", "contradicted", "not checkable"]
SUPPORTED: Verdict = "supported"
CONTRADICTED: Verdict = "contradicted"
NOT_CHECKABLE: Verdict = "not checkable"
VERDICTS: tuple[Verdict, ...] = (SUPPORTED, CONTRADICTED, NOT_CHECKABLE)

#: Reason given by every check that needs the chain table when none is available.
NO_CHAIN_DATA = "no chain data (use --data or hashpivot data update)"
#: Source named by those checks when no chain table is available (the attribution is shown with the data only).
NO_CHAIN_SOURCE = "the daily chain table (btc_daily.csv format), none available"

HASHPRICE_UNIT = "USD/(TH/s)/day"

# --- tolerance rules (stated in each verdict) -------------------------------------------------------

#: "About" in the article: our value within +-10 % of the article's. [fraction]
HASHPRICE_REL_TOL = 0.10
#: Window lengths tested for the hashprice claim: (days before, days from the halving). [days]
HASHPRICE_WINDOWS: tuple[tuple[int, int], ...] = ((365, 60), (30, 30))
#: The halving of the claim (n = 4: block 840,000, April 2024).
HALVING_N = 4
#: Company-disclosed contract value vs the article's. [fraction]
CONTRACT_REL_TOL = 0.02
#: Rate of the first contract vs the rate of the whole 500 MW programme. [fraction]
RATE_CONSISTENCY_REL_TOL = 0.05
#: Our IREN-like per-MW model's margins vs the article's. [fraction points]
IREN_MODEL_ABS_TOL = 0.03
#: Slack around IREN's reported monthly range. [fraction points]
IREN_RANGE_SLACK = 0.01
#: Changes smaller than this (either way) are within the noise of 30-day means. [fraction]
COST_CHANGE_MIN_FRAC = 0.05
#: Length of the two windows compared for the hashrate claim and of the "latest" hashprice. [days]
RECENT_DAYS = 30
#: Fleet size used for the cost per BTC; it cancels (cost per BTC does not depend on it). [EH/s]
FLEET_EHS = 1.0


# --- the claims as data -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """A labelled number with its unit (``fraction`` values are shares: 0.98 = 98 %)."""

    label: str
    value: float
    unit: str

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "value": _json_number(self.value), "unit": self.unit}


@dataclass(frozen=True)
class Claim:
    """One quantitative claim of the article: ``id``, the claim in words, the article's figures (empty for a
    qualitative claim) and the unit our main figure is given in."""

    id: str
    text: str
    article: tuple[Figure, ...]
    unit: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "text": self.text, "unit": self.unit,
                "article": [f.to_dict() for f in self.article]}


@dataclass(frozen=True)
class ClaimCheck:
    """A claim beside our figures: how they were computed, their source, the verdict, the rule that gave it
    (``tolerance``) and the reason (which figures decided it, or why it is not checkable)."""

    claim: Claim
    ours: tuple[Figure, ...]
    how: str
    source: str
    verdict: Verdict
    tolerance: str
    reason: str
    uses_chain_data: bool = False

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise InputError("verdict", self.verdict, f"one of {', '.join(VERDICTS)}")

    def figure(self, label: str) -> float:
        """Our figure with this label (KeyError if absent)."""
        for f in self.ours:
            if f.label == label:
                return f.value
        raise KeyError(label)

    def to_dict(self) -> dict[str, Any]:
        return {**self.claim.to_dict(), "ours": [f.to_dict() for f in self.ours], "how": self.how,
                "source": self.source, "verdict": self.verdict, "tolerance": self.tolerance,
                "reason": self.reason, "uses_chain_data": self.uses_chain_data}


HASHPRICE_CLAIM = Claim(
    "hashprice_halving",
    "With the April 2024 halving, hashprice fell from about 0.08 to about 0.055 USD per TH/s per day.",
    (Figure("before the halving", 0.08, HASHPRICE_UNIT), Figure("after the halving", 0.055, HASHPRICE_UNIT)),
    HASHPRICE_UNIT,
)
MARATHON_CLAIM = Claim(
    "marathon_btc_held",
    "Marathon (MARA) held more than 49,000 BTC by May 2025.",
    (Figure("BTC held by May 2025, more than", 49_000.0, "BTC"),),
    "BTC",
)
CORE_SCIENTIFIC_CLAIM = Claim(
    "core_scientific_lease",
    "Core Scientific's hosting contract with CoreWeave is worth 3.5 B USD over 12 years.",
    (Figure("contract value", 3.5e9, "USD"), Figure("term", 12.0, "years")),
    "USD/kW-month",
)
IREN_CLAIM = Claim(
    "iren_margins",
    "IREN earns a 98 % hardware margin on its AI cloud against 75 % on Bitcoin mining.",
    (Figure("AI cloud hardware margin", 0.98, "fraction"), Figure("mining hardware margin", 0.75, "fraction")),
    "fraction",
)
AI_PER_MW_CLAIM = Claim(
    "ai_margin_per_mw",
    "A megawatt earns a higher margin in AI/HPC than in Bitcoin mining.",
    (),
    "USD/MW-day",
)
HASHRATE_CLAIM = Claim(
    "hashrate_costlier",
    "Rising network hashrate makes mining costlier.",
    (),
    "USD/BTC",
)

#: Every claim checked by :func:`check_all`, in the order printed.
CLAIMS: tuple[Claim, ...] = (HASHPRICE_CLAIM, MARATHON_CLAIM, CORE_SCIENTIFIC_CLAIM, IREN_CLAIM,
                             AI_PER_MW_CLAIM, HASHRATE_CLAIM)


# --- sourced facts (domain/facts/claims.toml) ------------------------------------------------------------


class MarathonFacts(Model):
    btc_held: float | None = Field(default=None, ge=0, description="BTC held at btc_held_date. [BTC]")
    btc_held_date: dt.date | None = Field(default=None, description="Date of btc_held. [date]")
    btc_held_month_before: float | None = Field(default=None, ge=0, description="BTC held a month earlier. [BTC]")
    btc_held_month_before_date: dt.date | None = Field(default=None, description="Its date. [date]")


class CoreScientificFacts(Model):
    contract_value_usd: float | None = Field(default=None, gt=0, description="First CoreWeave contract value. [USD]")
    contract_it_load_mw: float | None = Field(default=None, gt=0, description="Its critical IT load. [MW]")
    contract_term_years: float | None = Field(default=None, gt=0, description="Its term. [years]")
    total_contract_value_usd: float | None = Field(default=None, gt=0, description="All CoreWeave contracts. [USD]")
    total_it_load_mw: float | None = Field(default=None, gt=0, description="Their critical IT load. [MW]")


class IrenMonth(Model):
    month: str = Field(pattern=r"^\d{4}-\d{2}$", description="Calendar month, YYYY-MM. [month]")
    mining_margin_frac: float = Field(ge=-10, le=1, description="Mining hardware profit margin. [fraction]")
    ai_margin_frac: float = Field(ge=-10, le=1, description="AI cloud hardware profit margin. [fraction]")


class ClaimFacts(Model):
    marathon: MarathonFacts = MarathonFacts()
    core_scientific: CoreScientificFacts = CoreScientificFacts()
    iren_monthly: tuple[IrenMonth, ...] = ()


def claim_facts() -> ClaimFacts:
    """The sourced facts of ``domain/facts/claims.toml`` (every value with its ``# source:``)."""
    text = resources.files("hashpivot.domain.facts").joinpath("claims.toml").read_text(encoding="utf-8")
    return ClaimFacts.model_validate(tomllib.loads(text))


_FACTS_FILE = "domain/facts/claims.toml"
_MARA_SOURCE = (
    "MARA Holdings, Bitcoin production update for May 2025 (early June 2025): 49,179 BTC at 2025-05-31; "
    "reproduced at ccn.com/news/crypto/bitcoin-mining-surges-may-mara-riot-record-output/; "
    f"April 2025 update (benzinga.com/25/05/45193859, 2025-05-05). Table: {_FACTS_FILE} [marathon]"
)
_CORZ_SOURCE = (
    "Core Scientific June 2024 update: 200 MW, 3.5 B USD, 12 years (investing.com/news/company-news/"
    "core-scientific-secures-47-billion-in-hpc-hosting-deals-93CH-3509041); press release 2024-10-22: "
    "500 MW, 8.7 B USD (sec.gov/Archives/edgar/data/1839341/000162828024043341/"
    f"corescientifichpcoption3re.htm). Table: {_FACTS_FILE} [core_scientific]; formulas.ai"
)
_IREN_SOURCE = (
    "IREN monthly updates (GlobeNewswire) 2025-03-06, 2025-06-05, 2025-09-08: hardware profit margins "
    f"Dec 2024-Aug 2025 ({_FACTS_FILE} [[iren_monthly]]); IREN-like per-MW inputs: "
    "domain/facts/iren_per_mw.toml via analysis.per_mw"
)


# --- verdict helpers -----------------------------------------------------------------------------------


def within_rel(ours: float, article: float, rel_tol: float) -> bool:
    """True when ``|ours / article - 1| <= rel_tol`` (bound included); False for NaN or a zero article value.

    >>> within_rel(0.0582, 0.055, 0.10), within_rel(0.1068, 0.08, 0.10)
    (True, False)
    """
    if not (math.isfinite(ours) and math.isfinite(article)) or article == 0:
        return False
    return abs(ours - article) <= rel_tol * abs(article) * (1 + 1e-12)


def within_abs(ours: float, article: float, abs_tol: float) -> bool:
    """True when ``|ours - article| <= abs_tol`` (bound included, to 1e-12); False for NaN.

    >>> within_abs(0.97, 0.98, 0.03), within_abs(0.94, 0.98, 0.03)
    (True, False)
    """
    if not (math.isfinite(ours) and math.isfinite(article)):
        return False
    return abs(ours - article) <= abs_tol + 1e-12


def change_verdict(changes: dict[str, float], min_frac: float = COST_CHANGE_MIN_FRAC) -> tuple[Verdict, str]:
    """Verdict for a claim that every quantity in ``changes`` rose (relative changes, 0.1 = +10 %).

    supported when each rose by more than ``min_frac``; contradicted when any fell by more than ``min_frac``;
    else not checkable (a change within +-``min_frac`` is within the noise). NaN: not checkable.
    """
    text = ", ".join(f"{name} {value:+.1%}" for name, value in changes.items())
    if any(not math.isfinite(v) for v in changes.values()):
        return NOT_CHECKABLE, f"a change could not be computed ({text})"
    if any(v < -min_frac for v in changes.values()):
        return CONTRADICTED, f"{text}: a quantity fell by more than {min_frac:.0%}"
    if all(v > min_frac for v in changes.values()):
        return SUPPORTED, f"{text}: each rose by more than {min_frac:.0%}"
    return NOT_CHECKABLE, f"{text}: a change is within +-{min_frac:.0%}, the noise of 30-day means"


# --- 1. hashprice around the 2024 halving ----------------------------------------------------------------


def check_hashprice_halving(history: pd.DataFrame | None) -> ClaimCheck:
    """Hashprice before/after halving 4 in the windows of :data:`HASHPRICE_WINDOWS`, mean of daily values.

    Supported when at least one window gives both the before and the after value within +-10 % of the
    article's (0.08 and 0.055); the reason names the windows that match and those that do not.
    """
    claim = HASHPRICE_CLAIM
    windows = " and ".join(f"{a}/{b}" for a, b in HASHPRICE_WINDOWS)
    tolerance = (f"supported when, in at least one window ({windows} days before/from the halving), both our "
                 f"before and after means are within +-{HASHPRICE_REL_TOL:.0%} of the article's 0.08 and 0.055 "
                 "('about'); contradicted when no available window does")
    how = ("hashpivot.analysis.hashprice.halving_window on the chain table, halving 4 (block 840,000): mean of "
           "daily hashprice over the A days before the halving day and the B days from it (halving day included)")
    if history is None:
        return ClaimCheck(claim, (), how, NO_CHAIN_SOURCE, NOT_CHECKABLE, tolerance, NO_CHAIN_DATA)
    article_before, article_after = (f.value for f in claim.article)
    ours: list[Figure] = []
    matched: list[str] = []
    missed: list[str] = []
    unavailable: list[str] = []
    for before_days, after_days in HASHPRICE_WINDOWS:
        name = f"{before_days}/{after_days}"
        try:
            w = halving_window(history, HALVING_N, before_days, after_days)
        except (DataError, InputError) as exc:
            unavailable.append(f"{name}: {exc}")
            continue
        before = w.before.mean_daily_hashprice_usd_per_th_day
        after = w.after.mean_daily_hashprice_usd_per_th_day
        ours += [Figure(f"{before_days} days before {w.halving.date:%Y-%m-%d}", before, HASHPRICE_UNIT),
                 Figure(f"{after_days} days from {w.halving.date:%Y-%m-%d}", after, HASHPRICE_UNIT)]
        text = f"{name} window {before:.4f} -> {after:.4f}"
        if within_rel(before, article_before, HASHPRICE_REL_TOL) and within_rel(after, article_after,
                                                                                HASHPRICE_REL_TOL):
            matched.append(text)
        else:
            missed.append(text)
    parts = []
    if matched:
        parts.append("matches the article: " + "; ".join(matched))
    if missed:
        parts.append("does not match: " + "; ".join(missed))
    if unavailable:
        parts.append("not in the data: " + "; ".join(unavailable))
    reason = ". ".join(parts)
    if matched:
        verdict: Verdict = SUPPORTED
    elif missed:
        verdict = CONTRADICTED
    else:
        verdict = NOT_CHECKABLE
    return ClaimCheck(claim, tuple(ours), how, CHAIN_TABLE_ATTRIBUTION, verdict, tolerance, reason,
                      uses_chain_data=True)


# --- 2. Marathon's BTC holdings -------------------------------------------------------------------------


def check_marathon_holdings(facts: ClaimFacts) -> ClaimCheck:
    """MARA's reported BTC holdings at the end of May 2025 against the article's "more than 49,000"."""
    claim = MARATHON_CLAIM
    threshold = claim.article[0].value
    tolerance = (f"supported when MARA's own reported holdings at the end of May 2025 are above "
                 f"{threshold:,.0f} BTC; contradicted when at or below; no tolerance (a reported count)")
    how = "reported by the company (not in the chain table); the article's threshold compared directly"
    m = facts.marathon
    if m.btc_held is None or m.btc_held_date is None:
        return ClaimCheck(claim, (), how, _MARA_SOURCE, NOT_CHECKABLE, tolerance,
                          "no sourced figure for MARA's holdings in May 2025")
    if (m.btc_held_date.year, m.btc_held_date.month) != (2025, 5):
        return ClaimCheck(claim, (), how, _MARA_SOURCE, NOT_CHECKABLE, tolerance,
                          f"the sourced holdings are dated {m.btc_held_date:%Y-%m-%d}, not May 2025")
    ours = [Figure(f"BTC held at {m.btc_held_date:%Y-%m-%d}", m.btc_held, "BTC")]
    if m.btc_held_month_before is not None and m.btc_held_month_before_date is not None:
        ours.append(Figure(f"BTC held at {m.btc_held_month_before_date:%Y-%m-%d}", m.btc_held_month_before, "BTC"))
    above = m.btc_held > threshold
    verdict: Verdict = SUPPORTED if above else CONTRADICTED
    reason = (f"{m.btc_held:,.0f} BTC at {m.btc_held_date:%Y-%m-%d} is "
              f"{'above' if above else 'not above'} {threshold:,.0f}")
    if len(ours) == 2:
        reason += f" ({m.btc_held_month_before:,.0f} a month earlier)"
    return ClaimCheck(claim, tuple(ours), how, _MARA_SOURCE, verdict, tolerance, reason)


# --- 3. Core Scientific's contract as a lease rate --------------------------------------------------------


def rate_usd_per_kw_month(contract_value_usd: float, it_load_mw: float, term_years: float) -> float:
    """Flat lease rate that earns a contract's value over its term, as a float: the formula is
    :func:`hashpivot.formulas.ai.contract_rate_usd_per_kw_month` (``hashpivot deal``). [USD/kW-month]"""
    from hashpivot.formulas.ai import contract_rate_usd_per_kw_month

    return float(contract_rate_usd_per_kw_month(contract_value_usd, it_load_mw, term_years))


def check_core_scientific_rate(facts: ClaimFacts) -> ClaimCheck:
    """The article's 3.5 B USD over 12 years as USD/kW-month, checked against Core Scientific's disclosures
    and round-tripped through :func:`hashpivot.formulas.ai.lease_total_value_usd`."""
    claim = CORE_SCIENTIFIC_CLAIM
    article_value, article_years = (f.value for f in claim.article)
    tolerance = (f"supported when Core Scientific's disclosed contract value is within +-{CONTRACT_REL_TOL:.0%} "
                 f"of the article's over the same term, and the rate it implies is within "
                 f"+-{RATE_CONSISTENCY_REL_TOL:.0%} of the rate of the whole CoreWeave programme "
                 "(8.7 B USD, 500 MW); contradicted otherwise")
    how = ("rate = value / (IT load in kW x 12 months x term), no escalator; checked by "
           "formulas.ai.lease_total_value_usd(IT MW, rate, term) = value and lease_revenue_usd_per_mw_day(rate)")
    c = facts.core_scientific
    if c.contract_value_usd is None or c.contract_it_load_mw is None or c.contract_term_years is None:
        return ClaimCheck(claim, (), how, _CORZ_SOURCE, NOT_CHECKABLE, tolerance,
                          "no sourced IT load, value or term for the contract: the rate per kW cannot be formed")
    rate = rate_usd_per_kw_month(c.contract_value_usd, c.contract_it_load_mw, c.contract_term_years)
    round_trip = float(ai.lease_total_value_usd(c.contract_it_load_mw, rate, c.contract_term_years))
    ours = [
        Figure("contract value (Core Scientific)", c.contract_value_usd, "USD"),
        Figure("critical IT load", c.contract_it_load_mw, "MW"),
        Figure("term", c.contract_term_years, "years"),
        Figure("lease rate", rate, "USD/kW-month"),
        Figure("lease revenue per IT MW-day", float(ai.lease_revenue_usd_per_mw_day(rate)), "USD/MW-day"),
        Figure("lease_total_value_usd at that rate", round_trip, "USD"),
    ]
    value_ok = (within_rel(c.contract_value_usd, article_value, CONTRACT_REL_TOL)
                and c.contract_term_years == article_years)
    reason = (f"disclosed {c.contract_value_usd / 1e9:.2f} B USD over {c.contract_term_years:g} years "
              f"{'matches' if value_ok else 'does not match'} the article's {article_value / 1e9:.2f} B over "
              f"{article_years:g}; {c.contract_value_usd / 1e9:.2f} B / ({c.contract_it_load_mw * KW_PER_MW:,.0f} kW x "
              f"{c.contract_term_years * MONTHS_PER_YEAR:.0f} months) = {rate:.2f} USD/kW-month")
    rate_ok = True
    if c.total_contract_value_usd is not None and c.total_it_load_mw is not None:
        total_rate = rate_usd_per_kw_month(c.total_contract_value_usd, c.total_it_load_mw, c.contract_term_years)
        ours.append(Figure("lease rate, all CoreWeave contracts", total_rate, "USD/kW-month"))
        rate_ok = within_rel(rate, total_rate, RATE_CONSISTENCY_REL_TOL)
        reason += (f"; the whole programme's {total_rate:.2f} USD/kW-month "
                   f"{'agrees' if rate_ok else 'disagrees'} within +-{RATE_CONSISTENCY_REL_TOL:.0%}")
    else:
        reason += "; no sourced total programme to cross-check the rate"
    verdict: Verdict = SUPPORTED if value_ok and rate_ok else CONTRADICTED
    return ClaimCheck(claim, tuple(ours), how, _CORZ_SOURCE, verdict, tolerance, reason)


# --- 4. IREN's hardware margins ---------------------------------------------------------------------------


def check_iren_margins(facts: ClaimFacts, inputs: PerMwInputs | None = None) -> ClaimCheck:
    """IREN's 98 % (AI) vs 75 % (mining) against our IREN-like per-MW model and IREN's reported months."""
    claim = IREN_CLAIM
    inputs = iren_like() if inputs is None else inputs
    article_ai, article_mining = (f.value for f in claim.article)
    tolerance = (f"supported when our IREN-like per-MW margins are each within +-{IREN_MODEL_ABS_TOL * 100:.0f} "
                 "percentage points of the article's, and each of the article's margins lies within the range "
                 f"of IREN's reported monthly hardware margins widened by {IREN_RANGE_SLACK * 100:.0f} point; "
                 "contradicted when either test fails")
    how = ("analysis.per_mw.per_mw_table(IREN-like FY2025 inputs): margin = (revenue - electricity) / revenue "
           "per MW (mining at the FY2025 hashprice from the chain table, 15 J/TH, 33 USD/MWh; GPU cloud at "
           "1.686 USD per installed GPU-hour); beside IREN's reported monthly margins")
    table = per_mw_table(inputs)
    model_ai = float(table.at["gpu_cloud", "margin_frac"])
    model_mining = float(table.at["mining", "margin_frac"])
    ours = [Figure("AI cloud hardware margin, IREN-like model", model_ai, "fraction"),
            Figure("mining hardware margin, IREN-like model", model_mining, "fraction")]
    model_ok = (within_abs(model_ai, article_ai, IREN_MODEL_ABS_TOL)
                and within_abs(model_mining, article_mining, IREN_MODEL_ABS_TOL))
    reason = (f"model {model_ai:.1%} (AI) and {model_mining:.1%} (mining) "
              f"{'are' if model_ok else 'are not both'} within {IREN_MODEL_ABS_TOL * 100:.0f} points of "
              f"{article_ai:.0%} and {article_mining:.0%}")
    reported_ok = True
    months = facts.iren_monthly
    if months:
        ai_vals = [m.ai_margin_frac for m in months]
        mining_vals = [m.mining_margin_frac for m in months]
        span = f"{months[0].month}..{months[-1].month}"
        ours += [Figure(f"AI cloud hardware margin reported, lowest {span}", min(ai_vals), "fraction"),
                 Figure(f"AI cloud hardware margin reported, highest {span}", max(ai_vals), "fraction"),
                 Figure(f"mining hardware margin reported, lowest {span}", min(mining_vals), "fraction"),
                 Figure(f"mining hardware margin reported, highest {span}", max(mining_vals), "fraction")]
        reported_ok = (min(ai_vals) - IREN_RANGE_SLACK - 1e-12 <= article_ai <= max(ai_vals) + IREN_RANGE_SLACK + 1e-12
                       and min(mining_vals) - IREN_RANGE_SLACK - 1e-12 <= article_mining
                       <= max(mining_vals) + IREN_RANGE_SLACK + 1e-12)
        exact = [m.month for m in months
                 if within_abs(m.ai_margin_frac, article_ai, 0.005) and within_abs(m.mining_margin_frac,
                                                                                   article_mining, 0.005)]
        reason += (f"; IREN reported {min(ai_vals):.0%}-{max(ai_vals):.0%} (AI) and {min(mining_vals):.0%}-"
                   f"{max(mining_vals):.0%} (mining) over {len(months)} months {span}, which "
                   f"{'contain' if reported_ok else 'do not contain'} the article's figures")
        reason += (f" (exactly both in {', '.join(exact)})" if exact else
                   " (no single month has both figures exactly)")
    else:
        reason += "; no sourced monthly figures of IREN: verdict from the model alone"
    verdict: Verdict = SUPPORTED if model_ok and reported_ok else CONTRADICTED
    return ClaimCheck(claim, tuple(ours), how, _IREN_SOURCE, verdict, tolerance, reason)


# --- 5. margin per MW: AI vs mining -----------------------------------------------------------------------


def check_ai_margin_per_mw(facts: ClaimFacts, inputs: PerMwInputs | None = None,
                           history: pd.DataFrame | None = None) -> ClaimCheck:
    """Margin per MW-day of AI (IREN-like GPU cloud; Core Scientific's lease rate) vs mining (IREN-like,
    at the FY2025 hashprice and, with chain data, at the hashprice of the data's last 30 days)."""
    claim = AI_PER_MW_CLAIM
    inputs = iren_like() if inputs is None else inputs
    tolerance = ("supported when every AI case's margin per MW-day is above every mining case's (ratio of the "
                 "lowest AI to the highest mining margin > 1); contradicted otherwise")
    how = ("margin per MW-day = revenue - electricity per MW for a day. Mining: formulas.mining."
           "mining_margin_usd_per_mw_day per MW of miners (IREN-like 15 J/TH, 33 USD/MWh); GPU cloud: "
           "formulas.ai.gpu_margin_usd_per_mw_day per grid MW (PUE 1.2); colocation lease: formulas.ai."
           "lease_revenue_usd_per_mw_day at Core Scientific's rate per MW of critical IT load (tenant pays power)")
    table = per_mw_table(inputs)
    ai_cases = {"GPU cloud, IREN-like": float(table.at["gpu_cloud", "margin_usd_per_mw_day"])}
    c = facts.core_scientific
    if c.contract_value_usd is not None and c.contract_it_load_mw is not None and c.contract_term_years is not None:
        rate = rate_usd_per_kw_month(c.contract_value_usd, c.contract_it_load_mw, c.contract_term_years)
        ai_cases[f"colocation lease at {rate:.1f} USD/kW-month"] = float(ai.lease_revenue_usd_per_mw_day(rate))
    m = inputs.mining
    mining_cases = {f"mining at {m.hashprice_usd_per_th_day:.4f} (FY2025)":
                    float(table.at["mining", "margin_usd_per_mw_day"])}
    uses_chain = False
    source = f"{_IREN_SOURCE}; {_CORZ_SOURCE}"
    if history is not None and len(history) > 0:
        recent = period_stats(history.iloc[-RECENT_DAYS:])
        hp = recent.pooled_hashprice_usd_per_th_day
        mining_cases[f"mining at {hp:.4f} ({recent.start:%Y-%m-%d}..{recent.end:%Y-%m-%d})"] = float(
            mining.mining_margin_usd_per_mw_day(hp, m.efficiency_j_per_th, m.power_price_usd_per_mwh,
                                                1.0, m.pool_fee_frac))
        uses_chain = True
        source += f"; {CHAIN_TABLE_ATTRIBUTION}"
    ours = [Figure(name, value, "USD/MW-day") for name, value in {**ai_cases, **mining_cases}.items()]
    lowest_ai = min(ai_cases.values())
    highest_mining = max(mining_cases.values())
    ratio = lowest_ai / highest_mining if highest_mining > 0 else math.inf
    ours.append(Figure("lowest AI / highest mining margin", ratio, "ratio"))
    verdict: Verdict = SUPPORTED if lowest_ai > highest_mining else CONTRADICTED
    reason = (f"lowest AI margin {lowest_ai:,.0f} vs highest mining margin {highest_mining:,.0f} USD/MW-day "
              f"(ratio {ratio:.2f})")
    if history is None:
        reason += "; mining at the latest hashprice not shown: " + NO_CHAIN_DATA
    return ClaimCheck(claim, tuple(ours), how, source, verdict, tolerance, reason, uses_chain_data=uses_chain)


# --- 6. rising hashrate makes mining costlier -------------------------------------------------------------


@dataclass(frozen=True)
class CostWindow:
    """Network and fixed-fleet figures over a run of days (pooled over the days)."""

    start: dt.date
    end: dt.date
    network_hashrate_ehs: float  # mean [EH/s]
    difficulty: float  # mean difficulty [dimensionless]
    blocks_per_day: float  # [blocks/day]
    subsidy_btc_per_block: float  # [BTC/block]
    fees_btc_per_block: float  # [BTC/block]
    energy_mwh_per_btc: float  # [MWh/BTC] for the fixed fleet
    cost_usd_per_btc: float  # [USD/BTC] electricity per BTC mined by the fixed fleet


def cost_window(rows: pd.DataFrame, efficiency_j_per_th: float, power_price_usd_per_mwh: float) -> CostWindow:
    """Energy and electricity cost per BTC mined by a fixed fleet over ``rows`` (consecutive chain-table days).

    Network inputs are pooled: mean hash rate, blocks per day = blocks / days, subsidy and fees per block =
    sums / blocks; so BTC per day = issuance + fees per day and cost per BTC = 24 x hash rate x J/TH x price /
    BTC per day, computed with :func:`hashpivot.formulas.mining.breakeven_btc_price_usd` (no fixed opex).
    """
    if rows.empty:
        raise DataError("no day of the chain history to compute a cost per BTC over")
    n_days = len(rows)
    blocks = float(rows["block_count"].sum())
    if blocks <= 0:
        raise DataError(f"no block in the chain history from {rows.index[0]:%Y-%m-%d} to {rows.index[-1]:%Y-%m-%d}")
    hashrate = float(rows["hashrate_ehs"].mean())
    subsidy = float(rows["issuance_btc"].sum()) / blocks
    fees = float(rows["fees_btc"].sum()) / blocks
    args = (FLEET_EHS, efficiency_j_per_th)
    net = (hashrate, subsidy, fees, blocks / n_days)
    energy = float(mining.breakeven_btc_price_usd(*args, 1.0, *net))  # at 1 USD/MWh: MWh per BTC
    cost = float(mining.breakeven_btc_price_usd(*args, power_price_usd_per_mwh, *net))
    return CostWindow(rows.index[0].date(), rows.index[-1].date(), hashrate, float(rows["difficulty_mean"].mean()),
                      blocks / n_days, subsidy, fees, energy, cost)


def check_hashrate_costlier(history: pd.DataFrame | None, inputs: PerMwInputs | None = None) -> ClaimCheck:
    """Network hash rate, difficulty and a fixed fleet's electricity cost per BTC: the 30 days from the 2024
    halving against the data's last 30 days."""
    claim = HASHRATE_CLAIM
    inputs = iren_like() if inputs is None else inputs
    e, price = inputs.mining.efficiency_j_per_th, inputs.mining.power_price_usd_per_mwh
    tolerance = (f"'costlier' = electricity cost per BTC mined by a fixed fleet ({e:g} J/TH at {price:g} USD/MWh). "
                 f"Supported when the {RECENT_DAYS}-day mean network hash rate and that cost both rose by more "
                 f"than {COST_CHANGE_MIN_FRAC:.0%} from the {RECENT_DAYS} days from the 2024 halving to the "
                 f"data's last {RECENT_DAYS} days; contradicted when either fell by more than "
                 f"{COST_CHANGE_MIN_FRAC:.0%}; not checkable within +-{COST_CHANGE_MIN_FRAC:.0%}")
    how = ("energy per BTC = 24 h x network hash rate x J/TH / BTC paid to miners per day (subsidy + fees), "
           "cost per BTC = energy x power price, both via formulas.mining.breakeven_btc_price_usd on pooled "
           f"{RECENT_DAYS}-day network figures; fleet inputs from domain/facts/iren_per_mw.toml")
    if history is None:
        return ClaimCheck(claim, (), how, NO_CHAIN_SOURCE, NOT_CHECKABLE, tolerance, NO_CHAIN_DATA)
    halvings = {h.n: h for h in find_halvings(history)}
    if HALVING_N not in halvings:
        return ClaimCheck(claim, (), how, CHAIN_TABLE_ATTRIBUTION, NOT_CHECKABLE, tolerance,
                          "the chain table does not contain the 2024 halving", uses_chain_data=True)
    day = pd.Timestamp(halvings[HALVING_N].date)
    first = history.loc[day: day + pd.Timedelta(days=RECENT_DAYS - 1)]
    last = history.iloc[-RECENT_DAYS:]
    if len(first) < RECENT_DAYS or last.index[0] <= first.index[-1]:
        return ClaimCheck(claim, (), how, CHAIN_TABLE_ATTRIBUTION, NOT_CHECKABLE, tolerance,
                          f"the chain table ends {history.index[-1]:%Y-%m-%d}, too soon after the halving "
                          f"({day:%Y-%m-%d}) for two separate {RECENT_DAYS}-day windows", uses_chain_data=True)
    a = cost_window(first, e, price)
    b = cost_window(last, e, price)
    span_a = f"{a.start:%Y-%m-%d}..{a.end:%Y-%m-%d}"
    span_b = f"{b.start:%Y-%m-%d}..{b.end:%Y-%m-%d}"
    revenue_factor = (a.blocks_per_day * (a.subsidy_btc_per_block + a.fees_btc_per_block)) / (
        b.blocks_per_day * (b.subsidy_btc_per_block + b.fees_btc_per_block))
    ours = (
        Figure(f"network hash rate {span_a}", a.network_hashrate_ehs, "EH/s"),
        Figure(f"network hash rate {span_b}", b.network_hashrate_ehs, "EH/s"),
        Figure(f"difficulty {span_a}", a.difficulty, "dimensionless"),
        Figure(f"difficulty {span_b}", b.difficulty, "dimensionless"),
        Figure(f"fees per block {span_a}", a.fees_btc_per_block, "BTC/block"),
        Figure(f"fees per block {span_b}", b.fees_btc_per_block, "BTC/block"),
        Figure(f"energy per BTC {span_a}", a.energy_mwh_per_btc, "MWh/BTC"),
        Figure(f"energy per BTC {span_b}", b.energy_mwh_per_btc, "MWh/BTC"),
        Figure(f"electricity cost per BTC {span_a}", a.cost_usd_per_btc, "USD/BTC"),
        Figure(f"electricity cost per BTC {span_b}", b.cost_usd_per_btc, "USD/BTC"),
        Figure("of the cost change: network hash rate factor", b.network_hashrate_ehs / a.network_hashrate_ehs,
               "ratio"),
        Figure("of the cost change: BTC paid to miners per day, then / now", revenue_factor, "ratio"),
    )
    changes = {"network hash rate": b.network_hashrate_ehs / a.network_hashrate_ehs - 1.0,
               "cost per BTC": b.cost_usd_per_btc / a.cost_usd_per_btc - 1.0}
    verdict, reason = change_verdict(changes)
    reason += f"; difficulty {b.difficulty / a.difficulty - 1.0:+.1%}"
    return ClaimCheck(claim, ours, how, CHAIN_TABLE_ATTRIBUTION, verdict, tolerance, reason, uses_chain_data=True)


# --- all claims ----------------------------------------------------------------------------------------


def check_all(history: pd.DataFrame | None, facts: ClaimFacts | None = None,
              inputs: PerMwInputs | None = None) -> tuple[ClaimCheck, ...]:
    """Every claim of :data:`CLAIMS`, in order. ``history`` None: the claims that need the chain table are
    'not checkable' with :data:`NO_CHAIN_DATA` as the reason."""
    facts = claim_facts() if facts is None else facts
    inputs = iren_like() if inputs is None else inputs
    return (
        check_hashprice_halving(history),
        check_marathon_holdings(facts),
        check_core_scientific_rate(facts),
        check_iren_margins(facts, inputs),
        check_ai_margin_per_mw(facts, inputs, history),
        check_hashrate_costlier(history, inputs),
    )


def _json_number(value: float) -> float | None:
    value = float(np.float64(value))
    return value if math.isfinite(value) else None
