"""Hypothesis strategies for valid scenarios of the engine (tiny: tens of paths, a few hundred days).

Every strategy draws plain dicts in the shape ``hashpivot.scenarios.toml.from_dict`` reads, so a test can
edit one field (a site's power price, the chunk size) and validate again. Parameter ranges are sane, not
extreme: prices and hashrates stay far from overflow and underflow over the horizons drawn here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import strategies as st

from hashpivot.domain.heights import estimated_date
from hashpivot.scenarios.schema import Scenario
from hashpivot.scenarios.toml import from_dict

Dict = dict[str, Any]

TREASURY_KINDS = (
    "sell_all", "hold_all", "sell_fraction", "sell_to_cover_costs", "sell_above_average",
    "buy_with_cash", "buy_with_equity", "buy_with_convertible", "min_cash_runway",
)


def floats(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


# ---------------------------------------------------------------------------------------------- market

def gbm_price() -> st.SearchStrategy[Dict]:
    return st.fixed_dictionaries({
        "kind": st.just("gbm"),
        "start_usd": floats(1_000.0, 200_000.0),
        "drift_per_day": floats(-0.003, 0.003),
        "vol_per_sqrt_day": floats(0.0, 0.08),
    })


def regime_price() -> st.SearchStrategy[Dict]:
    return st.fixed_dictionaries({
        "kind": st.just("regime"),
        "start_usd": floats(1_000.0, 200_000.0),
        "bull_drift_per_day": floats(-0.002, 0.006),
        "bull_vol_per_sqrt_day": floats(0.0, 0.06),
        "bear_drift_per_day": floats(-0.006, 0.002),
        "bear_vol_per_sqrt_day": floats(0.0, 0.08),
        "bull_to_bear_prob_per_day": floats(0.0, 0.2),
        "bear_to_bull_prob_per_day": floats(0.0, 0.2),
        "start_bull_frac": floats(0.0, 1.0),
        "jump_prob_per_day": floats(0.0, 0.05),
        "jump_mean_log": floats(-0.3, 0.3),
        "jump_vol_log": floats(0.0, 0.3),
    })


def price_process() -> st.SearchStrategy[Dict]:
    return st.one_of(gbm_price(), regime_price())


def lognormal_hashrate() -> st.SearchStrategy[Dict]:
    return st.fixed_dictionaries({
        "kind": st.just("lognormal"),
        "start_ehs": floats(50.0, 1_500.0),
        "growth_per_day": floats(-0.002, 0.004),
        "vol_per_sqrt_day": floats(0.0, 0.05),
    })


def endogenous_hashrate() -> st.SearchStrategy[Dict]:
    return st.fixed_dictionaries({
        "kind": st.just("endogenous"),
        "start_ehs": floats(50.0, 1_500.0),
        "growth_per_day": floats(-0.002, 0.004),
        "vol_per_sqrt_day": floats(0.0, 0.05),
        "response_per_day": floats(0.0, 0.01),
        "lag_days": st.integers(1, 200),
        "median_efficiency_j_per_th": floats(12.0, 60.0),
        "efficiency_vol_log": floats(0.1, 1.0),
        "efficiency_gain_per_year": floats(0.0, 0.3),
        "power_price_usd_per_mwh": floats(15.0, 150.0),
    })


def hashrate_process() -> st.SearchStrategy[Dict]:
    return st.one_of(lognormal_hashrate(), endogenous_hashrate())


def fees_process() -> st.SearchStrategy[Dict]:
    return st.fixed_dictionaries({
        "kind": st.just("lognormal"),
        "median_btc_per_block": floats(0.0, 1.0),
        "vol_log": floats(0.0, 1.5),
        "spike_prob_per_day": floats(0.0, 0.05),
        "spike_ratio": floats(1.0, 20.0),
    })


def power_process() -> st.SearchStrategy[Dict]:
    flat = st.just({"kind": "flat"})
    seasonal = st.fixed_dictionaries({
        "kind": st.just("seasonal"),
        "amplitude_frac": floats(0.0, 0.9),
        "peak_day_of_year": st.integers(1, 366),
        "vol_per_sqrt_day": st.one_of(st.just(0.0), floats(0.0, 0.3)),
    })
    return st.one_of(flat, seasonal)


@st.composite
def market(draw: st.DrawFn) -> Dict:
    hashrate = draw(hashrate_process())
    difficulty: Dict = {}
    if draw(st.booleans()):
        difficulty["start_ehs"] = hashrate["start_ehs"] * draw(floats(0.5, 2.0))
    if draw(st.booleans()):
        difficulty["phase_blocks"] = draw(st.integers(0, 2015))
    return {
        "btc_price": draw(price_process()),
        "network_hashrate": hashrate,
        "fees": draw(fees_process()),
        "power_price": draw(power_process()),
        "difficulty": difficulty,
        "n_halvings_max": draw(st.sampled_from([64, 64, 64, 4, 5])),
    }


# --------------------------------------------------------------------------------------------- company

@st.composite
def company(draw: st.DrawFn) -> Dict:
    """1-3 sites, 1-4 fleets; every site has at least the MW its fleets draw (at most 4,800 MW)."""
    n_sites = draw(st.integers(1, 3))
    site_names = [f"site{i}" for i in range(n_sites)]
    n_fleets = draw(st.integers(1, 4))
    fleets = []
    for i in range(n_fleets):
        fleets.append({
            "name": f"fleet{i}",
            "site": draw(st.sampled_from(site_names)),
            "hashrate_ehs": draw(floats(0.5, 30.0)),
            "efficiency_j_per_th": draw(floats(12.0, 40.0)),
            "uptime_frac": draw(floats(0.5, 1.0)),
            "pool_fee_frac": draw(floats(0.0, 0.05)),
        })
    sites = []
    for name in site_names:
        load = sum(f["hashrate_ehs"] * f["efficiency_j_per_th"] for f in fleets if f["site"] == name)
        power_mw = min(10_000.0, max(load, 1.0) * draw(floats(1.0, 1.5)))
        sites.append({
            "name": name,
            "power_mw": power_mw,
            "power_price_usd_per_mwh": draw(floats(0.0, 120.0)),
            # Always on, economic shutdown (the default) or a share of the load that switches off.
            "curtailable_frac": draw(st.one_of(st.just(0.0), st.just(1.0), floats(0.0, 1.0))),
        })
    return {
        "name": "Hypothesis miner",
        "sites": sites,
        "fleets": fleets,
        "btc_held": draw(st.one_of(st.just(0.0), floats(0.0, 50_000.0))),  # subnormals included
        "cash_usd": draw(st.one_of(st.just(0.0), floats(0.0, 1e9))),
        "debt_usd": draw(st.one_of(st.just(0.0), floats(0.0, 1e9))),
        "debt_rate_per_year": draw(floats(0.0, 0.15)),
        "shares_outstanding": draw(floats(1e6, 1e9)),
        "fixed_opex_usd_per_day": draw(floats(0.0, 1e6)),
    }


def mining_mw(company_dict: Dict) -> float:
    return sum(f["hashrate_ehs"] * f["efficiency_j_per_th"] for f in company_dict["fleets"])


# -------------------------------------------------------------------------------------------- policies

def _floor(allow_floor: bool) -> st.SearchStrategy[float]:
    return st.one_of(st.just(0.0), floats(0.0, 24.0)) if allow_floor else st.just(0.0)


@st.composite
def treasury_policy(
    draw: st.DrawFn, kinds: tuple[str, ...] = TREASURY_KINDS, allow_floor: bool = True, horizon_days: int = 400
) -> Dict:
    """One treasury policy of a kind drawn from ``kinds``, with random parameters."""
    kind = draw(st.sampled_from(kinds))
    p: Dict = {"kind": kind}
    if kind != "min_cash_runway":
        p["floor_runway_months"] = draw(_floor(allow_floor))
    if kind == "sell_fraction":
        p["sell_frac"] = draw(floats(0.0, 1.0))
    elif kind == "sell_above_average":
        p["threshold_ratio"] = draw(floats(0.5, 2.0))
        p["window_days"] = draw(st.integers(0, 400))
        p["sell_production_frac"] = draw(floats(0.0, 1.0))
        p["sell_holdings_frac_per_day"] = draw(st.one_of(st.just(0.0), floats(0.0, 0.05)))
    elif kind == "buy_with_cash":
        p["cash_floor_usd"] = draw(floats(0.0, 5e8))
        p["max_buy_usd_per_day"] = draw(floats(0.0, 2e7))
    elif kind == "buy_with_equity":
        p["issue_usd_per_day"] = draw(floats(0.0, 2e7))
        p["mnav_ratio"] = draw(floats(0.3, 5.0))
        p["max_dilution_ratio"] = draw(floats(0.0, 3.0))
    elif kind == "buy_with_convertible":
        p["principal_usd"] = draw(floats(1e6, 2e9))
        p["coupon_rate_per_year"] = draw(floats(0.0, 0.1))
        p["issue_day"] = draw(st.integers(1, horizon_days))  # a later one is refused (schema)
        p["term_days"] = draw(st.integers(1, horizon_days))
        p["conversion_price_usd_per_share"] = draw(floats(0.1, 100.0))
        p["mnav_ratio"] = draw(floats(0.3, 5.0))
    elif kind == "min_cash_runway":
        p["floor_runway_months"] = draw(floats(0.0, 24.0))
    return p


def with_unique_names(policies: list[Dict]) -> list[Dict]:
    """Name every policy ``p0``, ``p1``... so that labels never repeat."""
    return [{**p, "name": f"p{i}"} for i, p in enumerate(policies)]


@st.composite
def capacity_policy(draw: st.DrawFn, company_dict: Dict, horizon_days: int) -> Dict:
    """``all_mining`` or ``convert_on_day`` of a share of the mining MW on a day of the horizon; the lease may ramp
    (lease-up), default, not renew at a term end and re-let on its own ramp."""
    if draw(st.booleans()):
        return {"kind": "all_mining"}
    stabilised = draw(floats(0.05, 1.0))
    return {
        "kind": "convert_on_day",
        "day": draw(st.integers(1, horizon_days)),
        "mw": mining_mw(company_dict) * draw(floats(0.01, 1.0)),
        "project": {
            "kind": "colocation_lease",
            "rate_usd_per_kw_month": draw(floats(20.0, 300.0)),
            "opex_frac_of_revenue": draw(floats(0.0, 1.0)),
            "capex_usd_per_mw": draw(floats(0.0, 5e6)),
            "term_years": draw(floats(1 / 365, 2.0)),
            "tenant_default_prob_per_year": draw(st.sampled_from((0.0, 0.0, 0.5))),
            "downtime_days": draw(st.integers(0, horizon_days)),
            "stabilised_occupancy_frac": stabilised,
            "initial_occupancy_frac": stabilised * draw(floats(0.01, 1.0)),
            "lease_up_days": draw(st.integers(0, horizon_days)),
            "relet_lease_up_days": draw(st.none() | st.integers(0, horizon_days)),
            "renewal_prob": draw(floats(0.0, 1.0)),
            "lease_up_contracted": draw(st.booleans()),
        },
    }


# -------------------------------------------------------------------------------------------- scenario

@st.composite
def hedges(draw: st.DrawFn, horizon: int, sites: list[str]) -> list[Dict]:
    """Up to three ``[[hedges]]`` of any kind that end by the horizon (names unique by kind and row)."""
    out = []
    for _ in range(draw(st.integers(0, 3))):
        start = draw(st.integers(1, max(1, horizon // 2)))
        n_rolls = draw(st.integers(0, 2))
        tenor = draw(st.integers(1, max(1, (horizon - start) // (1 + n_rolls))))
        if start + tenor * (1 + n_rolls) > horizon:
            continue
        kind = draw(st.sampled_from(("hashprice_forward", "btc_put", "btc_collar", "btc_backed_loan", "fixed_power")))
        base: Dict = {"kind": kind, "start_day": start, "tenor_days": tenor}
        if kind == "hashprice_forward":
            out.append({**base, "notional_phs": draw(floats(1.0, 50_000.0)),
                        **draw(st.one_of(st.just({}), st.fixed_dictionaries(
                            {"strike_usd_per_ph_day": floats(1.0, 200.0)})))})
        elif kind == "fixed_power":
            out.append({**base, "site": draw(st.sampled_from(sites)), "load_frac": draw(floats(0.05, 1.0)),
                        "price_usd_per_mwh": draw(floats(0.0, 200.0))})
        elif kind == "btc_backed_loan":
            ltv0 = draw(floats(0.2, 0.7))
            out.append({**base, "principal_usd": draw(floats(1e5, 1e9)), "rate_per_year": draw(floats(0.0, 0.2)),
                        "initial_ltv_frac": ltv0, "margin_call_ltv_frac": draw(floats(ltv0 + 0.05, 0.95)),
                        **draw(st.one_of(st.just({}), st.fixed_dictionaries(
                            {"release_ltv_frac": floats(0.05, ltv0 - 0.05)})))})
        else:
            size = draw(st.one_of(st.fixed_dictionaries({"notional_btc": floats(0.1, 20_000.0)}),
                                  st.fixed_dictionaries({"treasury_frac": floats(0.05, 1.0)})))
            option = {**base, **size, "n_rolls": n_rolls, "put_strike_ratio": draw(floats(0.5, 1.2)),
                      "implied_vol_per_sqrt_year": draw(floats(0.2, 1.2)), "rate_per_year": draw(floats(0.0, 0.1))}
            if kind == "btc_collar" and draw(st.booleans()):
                option["call_strike_ratio"] = option["put_strike_ratio"] + draw(floats(0.05, 1.0))
            out.append(option)
    return out


@st.composite
def debt_and_covenants(draw: st.DrawFn, start: dt.date, horizon: int) -> Dict:
    """Up to three ``[[company.debt]]`` tranches of either kind, maturing from day 1 to past the horizon (some
    refinanceable, some refinancing first), and up to two covenants of either metric (some accelerating)."""
    tranches = []
    for i in range(draw(st.integers(0, 3))):
        kind = draw(st.sampled_from(("term_loan", "note")))
        tranche: Dict = {"name": f"tranche{i}", "kind": kind, "principal_usd": draw(floats(0.0, 1e9)),
                         "rate_per_year": draw(floats(0.0, 0.2)),
                         "maturity_date": start + dt.timedelta(days=draw(st.integers(1, horizon + 50)))}
        if kind == "term_loan" and draw(st.booleans()):
            tranche["amortization_frac_per_year"] = draw(floats(0.0, 1.0))
        if draw(st.booleans()):
            tranche["refinance_spread_per_year"] = draw(floats(0.0, 0.1))
            tranche["refinance_term_days"] = draw(st.integers(1, 2 * horizon))
            tranche["on_maturity"] = draw(st.sampled_from(("repay", "refinance")))
        tranches.append(tranche)
    covenants = []
    for _ in range(draw(st.integers(0, 2))):
        metric = draw(st.sampled_from(("min_liquidity_usd", "max_leverage")))
        covenants.append({"metric": metric,
                          "threshold": draw(floats(0.0, 5e8)) if metric == "min_liquidity_usd" else draw(
                              floats(0.0, 20.0)),
                          "test_every_days": draw(st.integers(1, 120)),
                          "on_breach": draw(st.sampled_from(("block_refinancing", "accelerate")))})
    return {"debt": tranches, "covenants": covenants}


@st.composite
def growth(draw: st.DrawFn, comp: Dict, start: dt.date, horizon: int) -> tuple[list[Dict], Dict, Dict]:
    """(fleet additions, growth policy, retirement) that fit ``comp``'s sites: each addition takes at most the MW its
    site has left; the growth policy buys on one of the sites (a target at least the company's hashrate), or none;
    retirement after 1-60 days of losses, or never."""
    free = {s["name"]: s["power_mw"] - sum(f["hashrate_ehs"] * f["efficiency_j_per_th"] for f in comp["fleets"]
                                           if f["site"] == s["name"]) for s in comp["sites"]}
    additions = []
    for i in range(draw(st.integers(0, 2))):
        site = draw(st.sampled_from(sorted(free)))
        eff = draw(floats(10.0, 30.0))
        room_ehs = free[site] / eff
        if room_ehs <= 1e-3:
            continue
        ehs = room_ehs * draw(floats(0.01, 1.0))
        free[site] -= ehs * eff
        additions.append({
            "name": f"add{i}", "on_date": start + dt.timedelta(days=draw(st.integers(1, horizon))), "site": site,
            "hashrate_ehs": ehs, "efficiency_j_per_th": eff, "price_usd_per_th": draw(floats(0.0, 40.0)),
            "lead_time_days": draw(st.integers(0, 200)),
        })
    installed = sum(f["hashrate_ehs"] for f in comp["fleets"]) + sum(a["hashrate_ehs"] for a in additions)
    kind = draw(st.sampled_from(["none", "buy_toward_target", "fill_site"]))
    policy: Dict = {"kind": kind}
    if kind != "none":
        policy |= {"site": draw(st.sampled_from(sorted(free))), "efficiency_j_per_th": draw(floats(10.0, 30.0)),
                   "price_usd_per_th": draw(floats(1.0, 40.0)), "price_elasticity": draw(floats(0.0, 2.0)),
                   "payback_months": draw(floats(3.0, 60.0)), "check_every_days": draw(st.integers(1, 60)),
                   "max_ehs_per_check": draw(floats(0.1, 20.0)), "lead_time_days": draw(st.integers(0, 200)),
                   "funding": draw(st.sampled_from(["cash_then_btc", "equity"]))}
        if policy["funding"] == "equity":
            policy |= {"mnav_ratio": draw(floats(0.5, 3.0)), "premium_beta": draw(st.sampled_from([0.0, 1.25])),
                       "mnav_floor_ratio": draw(st.sampled_from([0.0, 0.8]))}
        if kind == "buy_toward_target":
            policy["target_ehs"] = installed * draw(floats(1.0, 3.0))
    retirement = {"retire_after_negative_days": draw(st.sampled_from([0, 1, 7, 60])),
                  "life_years": draw(floats(1.0, 8.0)), "price_elasticity": draw(floats(0.0, 2.0))}
    return additions, policy, retirement


@st.composite
def scenario_dicts(
    draw: st.DrawFn,
    kinds: tuple[str, ...] = TREASURY_KINDS,
    allow_floor: bool = True,
    max_compare: int = 3,
    min_paths: int = 20,
    max_paths: int = 60,
    min_days: int = 60,
    max_days: int = 400,
    with_hedges: bool = False,
    with_debt: bool = False,
    with_spin_offs: bool = False,
    with_growth: bool = False,
) -> Dict:
    """A valid scenario as a plain dict: random market, company, capacity policy, a main treasury policy
    and up to ``max_compare`` compared ones (labels unique); with ``with_hedges``, up to three hedges; with
    ``with_debt``, up to three debt tranches and two covenants; with ``with_spin_offs``, up to one spin-off of some
    of the sites (dated from before the start to the horizon); with ``with_growth``, fleet additions, a growth
    policy and retirement (``growth``)."""
    horizon = draw(st.integers(min_days, max_days))
    n_paths = draw(st.integers(min_paths, max_paths))
    comp = draw(company())
    policies = with_unique_names(
        draw(st.lists(treasury_policy(kinds, allow_floor, horizon), min_size=1, max_size=1 + max_compare))
    )
    # A height, half the time near the fifth halving (1,050,000) so runs cross it, and a start date the chain
    # reached it on, give or take 60 days (run.start_height must match run.start_date: domain.heights); heights up
    # to 1,300,000 start by 2033, which leaves room for additions dated within the horizon.
    start_height = draw(st.one_of(st.integers(0, 1_300_000), st.integers(1_040_000, 1_050_000)))
    start = max(dt.date(2009, 1, 3), estimated_date(start_height) + dt.timedelta(days=draw(st.integers(-60, 60))))
    policy = {"treasury": policies[0], "capacity": draw(capacity_policy(comp, horizon))}
    if with_growth:
        additions, policy["growth"], policy["retirement"] = draw(growth(comp, start, horizon))
        comp = {**comp, "fleet_additions": additions}
    if with_debt:
        comp = {**comp, **draw(debt_and_covenants(start, horizon))}
    if with_spin_offs and draw(st.booleans()):
        names = [site["name"] for site in comp["sites"]]
        sites = draw(st.lists(st.sampled_from(names), min_size=1, max_size=len(names), unique=True))
        comp = {**comp, "spin_offs": [{
            "name": "entity", "sites": sites, "retained_frac": draw(floats(0.01, 1.0)),
            "on_date": start + dt.timedelta(days=draw(st.integers(-100, horizon))),
        }]}
    return {
        "name": "hypothesis",
        "description": "drawn by hypothesis",
        "run": {
            "start_date": start,
            "start_height": start_height,
            "horizon_days": horizon,
            "n_paths": n_paths,
            "seed": draw(st.integers(0, 2**32 - 1)),
            "chunk_paths": draw(st.integers(1, n_paths)),
            "store_paths": draw(st.integers(0, n_paths)),
        },
        "market": draw(market()),
        "company": comp,
        "policy": policy,
        "compare": policies[1:],
        **({"hedges": draw(hedges(horizon, [site["name"] for site in comp["sites"]]))} if with_hedges else {}),
    }


def scenarios(**kwargs: Any) -> st.SearchStrategy[Scenario]:
    """Validated ``Scenario`` models (see ``scenario_dicts`` for the keyword arguments)."""
    return scenario_dicts(**kwargs).map(lambda d: from_dict(d, "hypothesis"))


#: Free text for names and descriptions: any printable characters, quotes and newlines included.
free_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
