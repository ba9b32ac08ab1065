"""The answer at a glance (issue 16, point 1): what a CFO reads in ten seconds at the top of the report, of
``hashpivot compare`` and of a notebook's result.

From a ``SimResult`` (duck-typed: its ``dataset``, ``summary`` and ``scenario``), :func:`glance` finds

- what a MW earns under the one definition (:func:`hashpivot.analysis.per_mw.run_margins`: the median over paths
  of the horizon's margin per MW-day, and per MW-year), mining and each AI segment the run holds;
- the best treasury policy (or capacity plan x policy) among those whose probability of insolvency is at most a
  stated limit (:data:`INSOLVENCY_LIMIT_FRAC` unless told), by paired win rate on terminal NAV per share (the
  share of paths on which it beats each rival on the same random numbers), with the sign test that says whether
  its lead over the runner-up is more than noise;
- why the paths that fail fail: when, and what the mining margin of failing paths was against the overheads it
  had to pay, beside surviving paths, and where the BTC price stood when they failed (on the stored paths);
- the three assumptions the answer hangs on, as the run drew them: the BTC price path, the network hashrate
  path and the power price.

Pure: numpy, pandas and the result's arrays; the text is built with :mod:`hashpivot.format`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from hashpivot.analysis.per_mw import SEGMENT_LABELS, run_margins
from hashpivot.analysis.summary import beats, win_share
from hashpivot.format import MARGIN_STAT_WORD, fmt_number, fmt_pct, fmt_usd
from hashpivot.units import DAYS_PER_YEAR

#: Default insolvency limit: a policy is a candidate when at most this share of paths runs out of cash and BTC
#: over the horizon. An assumption (docs/assumptions.md): a 1-in-20 chance, the tail that a 95 % value-at-risk
#: ignores; ``hashpivot compare --insolvency-limit`` and ``glance(..., insolvency_limit_frac=)`` change it.
#: [fraction]
INSOLVENCY_LIMIT_FRAC = 0.05
#: A lead is "more than noise" when the paired sign test's z = (wins - losses) / sqrt(wins + losses) is at least
#: this many standard errors (two: about 95 % two-sided under the null of equal chances). [standard errors]
NOISE_Z = 2.0


@dataclass(frozen=True)
class Lead:
    """The best candidate's paired record against the runner-up, on common random numbers: paths it ends
    ahead on NAV per share (``wins``), behind (``losses``), the share of paths it wins [fraction] and the sign
    test's ``z`` [standard errors]."""

    runner_up: str
    wins: int
    losses: int
    win_frac: float
    z: float

    @property
    def within_noise(self) -> bool:
        return not abs(self.z) >= NOISE_Z


@dataclass(frozen=True)
class Failure:
    """Why one policy's failing paths fail: share of paths insolvent [fraction], median insolvency day [day],
    median mining margin of failing and of surviving paths [USD/MW-day], the overheads per mining MW-day it had
    to cover [USD/MW-day], and the median BTC price at failure relative to day 0 on the stored failing paths
    [fraction, NaN when none is stored]."""

    policy: str
    insolvent_frac: float
    median_day: float
    margin_failing_usd_per_mw_day: float
    margin_surviving_usd_per_mw_day: float
    overheads_usd_per_mw_day: float
    btc_price_change_at_failure_frac: float


@dataclass(frozen=True)
class Assumptions:
    """The three market inputs the answer hangs on, as the run drew them (its stored paths): the BTC price and the
    network hashrate on day 0 and, at the last month end, their median and p5/p95 over the stored paths, their
    median growth per year [fraction/year], the years between [years], and the MW-weighted contract power price
    of the company's sites [USD/MWh]."""

    years: float
    btc_price_start_usd: float
    btc_price_end_p5_usd: float
    btc_price_end_median_usd: float
    btc_price_end_p95_usd: float
    hashrate_start_ehs: float
    hashrate_end_median_ehs: float
    power_price_usd_per_mwh: float

    def _change(self, start: float, end: float, per_year: bool) -> float:
        """The median path's change from ``start`` to ``end``: a year's, compounded, or over the whole horizon."""
        if not start > 0 or (per_year and not self.years > 0):
            return float("nan")
        return (end / start) ** (1.0 / self.years if per_year else 1.0) - 1.0

    @property
    def btc_price_growth_frac_per_year(self) -> float:
        return self._change(self.btc_price_start_usd, self.btc_price_end_median_usd, per_year=True)

    @property
    def hashrate_growth_frac_per_year(self) -> float:
        return self._change(self.hashrate_start_ehs, self.hashrate_end_median_ehs, per_year=True)

    def line(self) -> str:
        # Under a year a rate a year would compound a few days' move into an absurd one (+5,000 % a year from
        # a day's +1 %): the change over the horizon instead.
        per_year = self.years >= 1.0
        days = round(self.years * DAYS_PER_YEAR)
        span = f"in {self.years:.1f} years" if per_year else f"in {days:,} day{'' if days == 1 else 's'}"
        over = "a year" if per_year else "over them"
        price = fmt_pct(self._change(self.btc_price_start_usd, self.btc_price_end_median_usd, per_year), signed=True)
        hashrate = fmt_pct(self._change(self.hashrate_start_ehs, self.hashrate_end_median_ehs, per_year), signed=True)
        return (f"It hangs on: the BTC price (median path {fmt_usd(self.btc_price_start_usd)} to "
                f"{fmt_usd(self.btc_price_end_median_usd)} USD {span}, {price} {over}; p5-p95 at the end "
                f"{fmt_usd(self.btc_price_end_p5_usd)} to {fmt_usd(self.btc_price_end_p95_usd)}), the network "
                f"hashrate (median {fmt_number(self.hashrate_start_ehs)} to {fmt_number(self.hashrate_end_median_ehs)} "
                f"EH/s, {hashrate} {over}) and power at "
                f"{fmt_number(self.power_price_usd_per_mwh)} USD/MWh (the sites' contracts, MW-weighted).")


def assumptions(ds, scenario) -> Assumptions | None:
    """What the run assumed of the BTC price, the network hashrate and power (:class:`Assumptions`); None when it
    stored no paths to read them from."""
    if "monthly_btc_price_usd" not in ds or not ds.sizes.get("sample", 0) or ds.sizes.get("date", 0) < 2:
        return None
    price = ds["monthly_btc_price_usd"].values  # (sample, month)
    hashrate = ds["monthly_network_hashrate_ehs"].values
    years = float(ds["day"].values[-1] - ds["day"].values[0]) / DAYS_PER_YEAR
    p5, p50, p95 = np.quantile(price[:, -1], [0.05, 0.5, 0.95])
    sites = scenario.company.sites
    mw = sum(site.power_mw for site in sites)
    power = sum(site.power_mw * site.power_price_usd_per_mwh for site in sites) / mw
    return Assumptions(years, float(np.median(price[:, 0])), float(p5), float(p50), float(p95),
                       float(np.median(hashrate[:, 0])), float(np.median(hashrate[:, -1])), float(power))


@dataclass(frozen=True)
class Glance:
    """The summary of a run a CFO reads first. ``best`` is None when no policy meets the insolvency limit
    (``least_insolvent`` then names the closest); ``margins`` are :func:`run_margins` rows of ``margin_policy``."""

    n_paths: int
    insolvency_limit_frac: float
    insolvent_frac: dict[str, float]
    best: str | None
    least_insolvent: str
    lead: Lead | None
    margin_policy: str
    margins: pd.DataFrame
    failure: Failure | None
    candidates: list[str] = field(default_factory=list)
    assumptions: Assumptions | None = None

    def lines(self) -> list[str]:
        """The summary as plain sentences (what a MW earns, the best policy and its evidence, why paths fail, what it
        hangs on), each
        opening with its topic and a colon (a page may set the topic in bold)."""
        return [self.margin_line(), self.best_line(), *([self.failure_line()] if self.failure else []),
                *([self.assumptions.line()] if self.assumptions else [])]

    def margin_line(self) -> str:
        parts = []
        for row in self.margins.itertuples(index=False):
            under = "" if row.policy == self.margin_policy else f" under {row.policy}"
            parts.append(f"{SEGMENT_LABELS[row.segment]}{under} {fmt_number(row.usd_per_mw_day)} USD/MW-day "
                         f"({fmt_usd(row.usd_per_mw_year)} USD/MW-year; p5-p95 {fmt_number(row.p5)} to "
                         f"{fmt_number(row.p95)})")
        earned = "; ".join(parts) if parts else "nothing: no capacity ran"
        paths = "1 path" if self.n_paths == 1 else f"{self.n_paths:,} paths"
        return (f"What a MW earns: {earned}; the {MARGIN_STAT_WORD} over {paths} of the horizon's margin per MW-day "
                f"before overheads, under {self.margin_policy}.")

    def best_line(self) -> str:
        limit = fmt_pct(self.insolvency_limit_frac)
        if len(self.insolvent_frac) == 1:  # nothing to rank it against: say where it stands against the limit
            (only, frac), = self.insolvent_frac.items()
            where = "within" if self.best == only else "above"
            return (f"Policy: {only} (P(insolvent) {fmt_pct(frac)}), {where} the insolvency limit of {limit}; the "
                    "only policy of this run, so nothing is ranked (compare it with others to rank it)."
                    + self.near_limit(only))
        if self.best is None:
            worst_ok = self.least_insolvent
            return (f"Best policy: none keeps the chance of insolvency at or below {limit}; the least insolvent is "
                    f"{worst_ok} at {fmt_pct(self.insolvent_frac[worst_ok])}, so no recommendation under this limit."
                    + self.near_limit(worst_ok))
        head = (f"Best policy under an insolvency limit of {limit}: {self.best} "
                f"(P(insolvent) {fmt_pct(self.insolvent_frac[self.best])}")
        if self.lead is None:
            return head + "; the only policy within the limit)." + self.near_limit(self.best)
        lead = self.lead
        evidence = (f"beats {lead.runner_up} on {fmt_pct(lead.win_frac)} of paths in NAV per share "
                    f"({lead.wins:,} ahead, {lead.losses:,} behind, z = {lead.z:.1f})")
        verdict = "within noise of the runner-up" if lead.within_noise else "a lead beyond noise"
        return f"{head}); it {evidence}: {verdict}." + self.near_limit(self.best)

    def near_limit(self, policy: str) -> str:
        """A sentence (with a leading space) when ``policy``'s share of insolvent paths p lies within two standard
        errors of the limit, ``|p - limit| < 2 sqrt(p (1 - p) / n)`` (the binomial standard error of a share of n
        paths), so that which side of the limit it lies on is not settled by this run; else ''."""
        p = self.insolvent_frac[policy]
        se = math.sqrt(p * (1.0 - p) / self.n_paths)
        if not abs(p - self.insolvency_limit_frac) < 2.0 * se:
            return ""
        return (f" Its {fmt_pct(p)} lies within 2 standard errors ({fmt_pct(se)} each, on {self.n_paths:,} paths) "
                "of the limit: more paths would settle which side of it the policy is on.")

    def failure_line(self) -> str:
        f = self.failure
        year = math.floor(f.median_day / DAYS_PER_YEAR) + 1
        text = (f"Why paths fail: under {f.policy}, {fmt_pct(f.insolvent_frac)} run out of cash and BTC, half of them by "
                f"day {f.median_day:,.0f} (year {year}); their mining earned a median "
                f"{fmt_number(f.margin_failing_usd_per_mw_day)} USD/MW-day against overheads of "
                f"{fmt_number(f.overheads_usd_per_mw_day)} USD/MW-day (surviving paths: "
                f"{fmt_number(f.margin_surviving_usd_per_mw_day)})")
        if math.isfinite(f.btc_price_change_at_failure_frac):
            text += (f"; the BTC price when they failed stood a median "
                     f"{fmt_pct(f.btc_price_change_at_failure_frac, signed=True)} from day 0")
        return text + "."


def _score(ds, label: str) -> np.ndarray:
    sub = ds.sel(policy=label)
    return sub["nav_usd"].values / sub["shares"].values


def paired_lead(ds, best: str, rival: str) -> Lead:
    """``best``'s paired record against ``rival`` on terminal NAV per share, path by path (ties, such as two
    policies insolvent on the same path with nothing left, or equal up to rounding, count for neither:
    :func:`hashpivot.analysis.summary.beats`)."""
    a, b = _score(ds, best), _score(ds, rival)
    wins, losses = int(np.sum(beats(a, b))), int(np.sum(beats(b, a)))
    n = wins + losses
    z = (wins - losses) / math.sqrt(n) if n else 0.0
    return Lead(rival, wins, losses, wins / a.size, z)


def _failure(ds, scenario, policy: str) -> Failure | None:
    sub = ds.sel(policy=policy)
    days = sub["insolvent_day"].values
    failing = days >= 0
    if not failing.any():
        return None
    per_path = sub["mining_margin_usd_per_mw_day"].values  # NaN on a path with no mining MW-days

    def median(x: np.ndarray) -> float:
        x = x[np.isfinite(x)]
        return float(np.median(x)) if x.size else float("nan")

    company = scenario.company
    mw = company.mining_mw
    overheads = ((company.fixed_opex_usd_per_day + company.debt_usd * company.debt_rate_per_year / DAYS_PER_YEAR)
                 / mw if mw > 0 else float("nan"))
    change = float("nan")
    if "monthly_btc_price_usd" in ds and ds.sizes.get("sample", 0):
        prices = ds["monthly_btc_price_usd"].values  # (sample, month)
        month_days = ds["day"].values
        stored = days[: prices.shape[0]]
        # a price stored as 0 (below float32's range) has no change to report: the path is left out
        at_fail = [prices[i, min(np.searchsorted(month_days, d), prices.shape[1] - 1)] / prices[i, 0] - 1.0
                   for i, d in enumerate(stored) if d >= 0 and prices[i, 0] > 0]
        change = median(np.asarray(at_fail, dtype=float)) if at_fail else float("nan")
    return Failure(policy, float(failing.mean()), float(np.median(days[failing])), median(per_path[failing]),
                   median(per_path[~failing]), overheads, change)


def _margins_of(margins: pd.DataFrame, chosen: str, policies: list[str]) -> pd.DataFrame:
    """One :func:`run_margins` row per segment of the run: the ``chosen`` policy's, else (a segment it does not
    run, such as the AI option of another capacity plan) the first policy's in run order that runs it."""
    rows = []
    for segment in dict.fromkeys(margins["segment"]):
        sub = margins[(margins["segment"] == segment) & np.isfinite(margins["usd_per_mw_day"])]
        order = sorted(sub.index, key=lambda i: (sub.at[i, "policy"] != chosen, policies.index(sub.at[i, "policy"])))
        rows.append(sub.loc[order[0]])
    return pd.DataFrame(rows, columns=margins.columns).reset_index(drop=True)


def glance(result, insolvency_limit_frac: float = INSOLVENCY_LIMIT_FRAC) -> Glance:
    """The summary of ``result`` (a ``SimResult``) under an insolvency limit [fraction of paths].

    The candidates are the policies with P(insolvent) <= the limit; the best is the candidate with the highest
    mean paired win rate against the other candidates (ties: the higher median NAV per share); its lead is its
    record against the candidate it beats least often. What a MW earns is read under the best policy (else the
    least insolvent), since insolvent paths stop earning. Why paths fail is told for the same policy.
    """
    ds, summary = result.dataset, result.summary
    policies = [str(p) for p in ds["policy"].values]
    rows = summary[(summary["metric"] == "insolvency") & (summary["stat"] == "probability")]
    insolvent = {str(p): float(v) for p, v in zip(rows["policy"], rows["value"], strict=True)}
    candidates = [p for p in policies if insolvent[p] <= insolvency_limit_frac]
    least = min(policies, key=lambda p: (insolvent[p], policies.index(p)))
    best, lead = None, None
    if candidates:
        def rank(p: str) -> tuple[float, float]:
            rivals = [r for r in candidates if r != p]
            mean_win = float(np.mean([win_share(_score(ds, p), _score(ds, r)) for r in rivals])) if rivals else 1.0
            return mean_win, float(np.nanmedian(_score(ds, p)))

        best = max(candidates, key=rank)
        rivals = [r for r in candidates if r != best]
        if rivals:
            lead = min((paired_lead(ds, best, r) for r in rivals), key=lambda x: x.wins - x.losses)
    chosen = best or least
    return Glance(n_paths=int(ds.sizes["path"]), insolvency_limit_frac=insolvency_limit_frac, insolvent_frac=insolvent,
                  best=best, least_insolvent=least, lead=lead, margin_policy=chosen,
                  margins=_margins_of(run_margins(summary), chosen, policies),
                  failure=_failure(ds, result.scenario, chosen), candidates=candidates,
                  assumptions=assumptions(ds, result.scenario))
