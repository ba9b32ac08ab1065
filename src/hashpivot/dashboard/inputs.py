"""The dashboard's inputs and how they change a scenario. Pure: no Streamlit, no disk, no network.

The app reads each widget's default from :func:`defaults_from`, keeps only what the user changed
(:func:`changed_inputs`) and builds the scenario it runs with :func:`apply_inputs`, which edits the
scenario's plain data (``model_dump``) and validates it again (``from_dict``): a value out of range is
the same :class:`~hashpivot.errors.ScenarioError` as in a TOML file, naming the field, the value and
the limit. An input left at ``None`` leaves the scenario as it is.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, fields
from typing import Any

from hashpivot.errors import ScenarioError
from hashpivot.units import DAYS_PER_YEAR
from hashpivot.scenarios.schema import Scenario

#: Largest scenario file the dashboard accepts (1 MB as Streamlit counts it, 2^20 bytes). [bytes]
MAX_UPLOAD_BYTES = 1 << 20
#: Most paths the dashboard runs: it runs in the page's process while the user waits (10,000 paths of the default
#: scenario for 10 years take 1.5-1.9 s for one policy and 5.3 s for all ten: README, Speed); more belongs to
#: ``hashpivot run`` or a Dask cluster (``--workers``), whatever an uploaded scenario asks for. [paths]
DASHBOARD_MAX_PATHS = 10_000
#: Lease rate offered when the user converts MW of a scenario that mines with all its MW; RM1's rate
#: (src/hashpivot/scenarios/presets/rm1.toml). [USD/kW-month]
DEFAULT_LEASE_RATE_USD_PER_KW_MONTH = 140.0
#: Conversion day offered when the scenario converts nothing; RM1's T (one year in). [day]
DEFAULT_CONVERT_DAY = 365
#: Where the inputs land in the scenario, for messages.
SOURCE = "dashboard inputs"


@dataclass(frozen=True)
class DashboardInputs:
    """Values of the dashboard's key inputs; ``None`` = leave the scenario's value (or: not available)."""

    btc_price_start_usd: float | None = None
    """BTC price on day 0, any price process (``market.btc_price.start_usd``). [USD]"""
    btc_drift_per_day: float | None = None
    """GBM drift of the BTC price (``market.btc_price.drift_per_day``). [1/day]"""
    btc_vol_per_sqrt_day: float | None = None
    """GBM volatility of the BTC price (``market.btc_price.vol_per_sqrt_day``). [1/sqrt(day)]"""
    power_price_usd_per_mwh: float | None = None
    """Contract power price of every site (``company.sites[*].power_price_usd_per_mwh``). [USD/MWh]"""
    fleet_efficiency_j_per_th: float | None = None
    """Hashrate-weighted mean efficiency of the fleets (= their MW / their EH/s, before PUE). Changing it scales every
    fleet's J/TH by the same factor at the same power: the sites' MW are what a miner has, so better machines in the
    same racks hash more (hashrate x old / new). [J/TH]"""
    hashrate_growth_per_day: float | None = None
    """Log growth of network hashrate (``market.network_hashrate.growth_per_day``). [1/day]"""
    convert_mw: float | None = None
    """Grid MW the main capacity plan moves from mining to its AI project; 0 = all mining. [MW]"""
    convert_day: int | None = None
    """Day the main plan's conversion starts (``convert_on_day``). [day]"""
    lease_rate_usd_per_kw_month: float | None = None
    """Rent of the main plan's lease project. [USD/kW-month]"""
    n_paths: int | None = None
    """Monte Carlo paths (``run.n_paths``). [paths]"""
    compare_all_mining: bool = False
    """When the main plan converts MW, also run an ``all_mining`` plan (if the scenario has none). [flag]"""
    reference_hedges: bool = False
    """Add issue 18's two reference hedges (:func:`reference_hedges`) to the scenario's. [flag]"""


def defaults_from(scenario: Scenario) -> DashboardInputs:
    """The scenario's value of each input; ``None`` where the scenario has no such single value
    (a non-GBM price process, a ``hybrid`` capacity plan, a project without a lease rate)."""
    price = scenario.market.btc_price
    is_gbm = price.kind == "gbm"
    cap = scenario.policy.capacity
    mw: float | None
    day: int | None
    rate: float | None
    if cap.kind == "all_mining":
        mw = 0.0
        day = min(DEFAULT_CONVERT_DAY, scenario.run.horizon_days)
        rate = DEFAULT_LEASE_RATE_USD_PER_KW_MONTH
    elif cap.kind == "hybrid":
        mw = day = rate = None
    else:
        mw = float(cap.mw)
        day = getattr(cap, "day", None)
        rate = getattr(cap.project, "rate_usd_per_kw_month", None)
    return DashboardInputs(
        btc_price_start_usd=float(price.start_usd),
        btc_drift_per_day=float(price.drift_per_day) if is_gbm else None,
        btc_vol_per_sqrt_day=float(price.vol_per_sqrt_day) if is_gbm else None,
        power_price_usd_per_mwh=float(scenario.company.sites[0].power_price_usd_per_mwh),
        fleet_efficiency_j_per_th=fleet_efficiency_j_per_th(scenario),
        hashrate_growth_per_day=float(scenario.market.network_hashrate.growth_per_day),
        convert_mw=mw,
        convert_day=day,
        lease_rate_usd_per_kw_month=None if rate is None else float(rate),
        n_paths=int(scenario.run.n_paths),
    )


def fleet_efficiency_j_per_th(scenario: Scenario) -> float:
    """The fleets' hashrate-weighted mean stock efficiency: sum(EH/s x J/TH) / sum(EH/s). [J/TH]

    >>> from hashpivot.scenarios.toml import load_preset
    >>> round(fleet_efficiency_j_per_th(load_preset("default")), 3)  # (15 x 17.5 + 10 x 21.5 + 4 x 30.5) / 29
    20.672
    """
    fleets = scenario.company.fleets
    return sum(f.hashrate_ehs * f.efficiency_j_per_th for f in fleets) / sum(f.hashrate_ehs for f in fleets)


def changed_inputs(values: DashboardInputs, defaults: DashboardInputs) -> DashboardInputs:
    """``values`` with ``None`` wherever it equals ``defaults`` (so an untouched widget changes nothing:
    e.g. sites with different power prices keep them until the power price is moved)."""
    out = {}
    for f in fields(DashboardInputs):
        value, default = getattr(values, f.name), getattr(defaults, f.name)
        if f.name in ("compare_all_mining", "reference_hedges"):
            out[f.name] = value
        elif value is None or (default is not None and math.isclose(value, default, rel_tol=1e-12, abs_tol=1e-15)):
            out[f.name] = None
        else:
            out[f.name] = value
    return DashboardInputs(**out)


def apply_inputs(scenario: Scenario, inputs: DashboardInputs) -> Scenario:
    """A new, validated scenario: ``scenario`` with every input that is not ``None`` applied.

    Raises :class:`ScenarioError` when a value is out of range (naming the field, the value and the
    limit) or when the scenario has no place for it (e.g. a drift for a bootstrap price).

    >>> from hashpivot.scenarios.toml import load_preset
    >>> sc = apply_inputs(load_preset("default"), DashboardInputs(power_price_usd_per_mwh=60.0, n_paths=100))
    >>> [s.power_price_usd_per_mwh for s in sc.company.sites], sc.run.n_paths
    ([60.0], 100)
    """
    data = copy.deepcopy(scenario.model_dump(mode="python"))
    price = data["market"]["btc_price"]
    if inputs.btc_price_start_usd is not None:
        price["start_usd"] = float(inputs.btc_price_start_usd)
    for name, key in (("btc_drift_per_day", "drift_per_day"), ("btc_vol_per_sqrt_day", "vol_per_sqrt_day")):
        value = getattr(inputs, name)
        if value is None:
            continue
        if price["kind"] != "gbm":
            raise ScenarioError(
                f"{SOURCE}: market.btc_price.{key} = {value!r}: the price process is {price['kind']!r}; "
                "allowed: only with kind 'gbm' (edit the scenario TOML for other processes)"
            )
        price[key] = float(value)
    if inputs.power_price_usd_per_mwh is not None:
        for site in data["company"]["sites"]:
            site["power_price_usd_per_mwh"] = float(inputs.power_price_usd_per_mwh)
    if inputs.fleet_efficiency_j_per_th is not None:
        factor = float(inputs.fleet_efficiency_j_per_th) / fleet_efficiency_j_per_th(scenario)
        for fleet in data["company"]["fleets"]:  # same MW: J/TH x factor, hashrate / factor
            fleet["efficiency_j_per_th"] *= factor
            fleet["hashrate_ehs"] /= factor
    if inputs.hashrate_growth_per_day is not None:
        data["market"]["network_hashrate"]["growth_per_day"] = float(inputs.hashrate_growth_per_day)
    if inputs.n_paths is not None:
        data["run"]["n_paths"] = int(inputs.n_paths)
    _apply_capacity(data, inputs)
    if inputs.reference_hedges:
        data["hedges"] = [*data.get("hedges", []), *reference_hedges(scenario)]
    from hashpivot.scenarios.toml import from_dict

    return from_dict(data, SOURCE)


#: Tenor of the reference hedges: two years (issue 18's acceptance). [days]
REFERENCE_TENOR_DAYS = 730
#: Share of the fleets' hashrate the reference forward sells (issue 18: "a 50 % two-year hashprice forward"). [fraction]
REFERENCE_FORWARD_FRAC = 0.5
#: The reference put: struck 25 % out of the money (0.75 x spot) on half the treasury (issue 18). [ratio], [fraction]
REFERENCE_PUT_STRIKE_RATIO = 0.75
REFERENCE_PUT_TREASURY_FRAC = 0.5


def reference_hedges(scenario: Scenario) -> list[dict[str, Any]]:
    """Issue 18's two reference hedges as ``[[hedges]]`` tables, struck on day 1 for two years: a hashprice forward
    selling half the fleets' hashrate at the starting hashprice (``strike_usd_per_ph_day`` left to the engine), and
    a put struck at 75 % of spot on half the BTC held. Their premiums and strikes are the hedges' own defaults
    (implied volatility 0.60, rate 5 %: ``policies.hedges``). A scenario shorter than 731 days is refused by the
    scenario's own check (naming ``tenor_days``).

    >>> from hashpivot.scenarios.toml import load_preset
    >>> forward, put = reference_hedges(load_preset("default"))
    >>> forward["notional_phs"], put["put_strike_ratio"], put["treasury_frac"]  # (15 + 10 + 4) EH/s x 1,000 / 2
    (14500.0, 0.75, 0.5)
    """
    fleet_phs = sum(f.hashrate_ehs for f in scenario.company.fleets) * 1_000.0  # 1 EH/s = 1,000 PH/s
    source = "assumption: issue 18's reference hedge (dashboard)"
    return [
        {"kind": "hashprice_forward", "name": "forward 50 % x 2 y", "notional_phs": REFERENCE_FORWARD_FRAC * fleet_phs,
         "tenor_days": REFERENCE_TENOR_DAYS, "source": source},
        {"kind": "btc_put", "name": "put 25 % OTM x 2 y", "treasury_frac": REFERENCE_PUT_TREASURY_FRAC,
         "put_strike_ratio": REFERENCE_PUT_STRIKE_RATIO, "tenor_days": REFERENCE_TENOR_DAYS, "source": source},
    ]


def _apply_capacity(data: dict[str, Any], inputs: DashboardInputs) -> None:
    """Edit ``policy.capacity`` (the main plan) in ``data`` from the conversion inputs."""
    mw, day, rate = inputs.convert_mw, inputs.convert_day, inputs.lease_rate_usd_per_kw_month
    if mw is None and day is None and rate is None:
        return
    cap = data["policy"]["capacity"]
    kind = cap["kind"]
    if kind == "hybrid":
        raise ScenarioError(
            f"{SOURCE}: policy.capacity.kind = 'hybrid': a plan of several steps; allowed: the dashboard "
            "changes plans of one conversion (edit the scenario TOML for hybrid plans)"
        )
    total_mw = float(mw) if mw is not None else float(cap.get("mw", 0.0))
    if total_mw <= 0:
        data["policy"]["capacity"] = {"kind": "all_mining"}
        return
    if kind == "all_mining":
        new = {
            "kind": "convert_on_day",
            "day": int(day) if day is not None else DEFAULT_CONVERT_DAY,
            "mw": total_mw,
            "project": {
                "kind": "colocation_lease",
                "rate_usd_per_kw_month": float(rate) if rate is not None else DEFAULT_LEASE_RATE_USD_PER_KW_MONTH,
            },
        }
    else:
        new = dict(cap, mw=total_mw, project=dict(cap["project"]))
        if day is not None:
            if kind != "convert_on_day":
                raise ScenarioError(
                    f"{SOURCE}: policy.capacity.day = {day!r}: the plan is {kind!r} (it converts when "
                    "hashprice falls); allowed: a day only for 'convert_on_day'"
                )
            new["day"] = int(day)
        if rate is not None:
            if "rate_usd_per_kw_month" not in new["project"]:
                raise ScenarioError(
                    f"{SOURCE}: policy.capacity.project.rate_usd_per_kw_month = {rate!r}: the project is "
                    f"{new['project']['kind']!r}; allowed: a lease rate only for 'colocation_lease' or 'site_lease'"
                )
            new["project"]["rate_usd_per_kw_month"] = float(rate)
    data["policy"]["capacity"] = new
    if inputs.compare_all_mining:
        plans = data.setdefault("compare_capacity", [])
        if not any(p["kind"] == "all_mining" for p in plans):
            plans.insert(0, {"kind": "all_mining"})


def within_dashboard_paths(scenario: Scenario) -> tuple[Scenario, int | None]:
    """``scenario`` with at most :data:`DASHBOARD_MAX_PATHS` paths, and the paths it asked for when that was more
    (None when it was not): the page says so, rather than widening its slider to an uploaded file's count.

    >>> from hashpivot.scenarios.toml import load_preset
    >>> big = load_preset("default").replace("run.n_paths", 100_000_000)
    >>> small, asked = within_dashboard_paths(big)
    >>> small.run.n_paths, asked
    (10000, 100000000)
    """
    if scenario.run.n_paths <= DASHBOARD_MAX_PATHS:
        return scenario, None
    return scenario.replace("run.n_paths", DASHBOARD_MAX_PATHS), scenario.run.n_paths


def scenario_from_upload(content: bytes, file_name: str) -> Scenario:
    """Validate an uploaded scenario file: at most :data:`MAX_UPLOAD_BYTES`, UTF-8 TOML, a valid
    scenario. Errors are :class:`ScenarioError` naming the file."""
    from hashpivot.scenarios.toml import from_toml

    if len(content) > MAX_UPLOAD_BYTES:
        raise ScenarioError(
            f"{file_name}: the file has {len(content):,} bytes; allowed: at most 1 MB ({MAX_UPLOAD_BYTES:,} bytes)"
        )
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"{file_name}: not UTF-8 text ({exc.reason} at byte {exc.start}); allowed: a TOML file") from None
    return from_toml(text, file_name)


# --- the units a user states (the dashboard's sliders) and the model's ---------------------------------
# A user states a trend as a change per year in % and a volatility as an annual % (as exchanges and desks quote
# them); the model takes rates per day. These convert both ways, exactly inverse, so an untouched slider maps back
# to the scenario's own value (``changed_inputs`` then leaves it alone).


def pct_per_year_from_log_per_day(rate_per_day: float) -> float:
    """A continuously compounded rate per day as the change it makes in a year: exp(365 r) - 1. [%/year]

    >>> round(pct_per_year_from_log_per_day(0.0005), 1)  # GBM drift 0.0005/day: the mean price +20 % a year
    20.0
    """
    return math.expm1(DAYS_PER_YEAR * rate_per_day) * 100.0


def log_per_day_from_pct_per_year(pct_per_year: float) -> float:
    """The inverse of :func:`pct_per_year_from_log_per_day`: log(1 + p / 100) / 365. [1/day]

    >>> round(log_per_day_from_pct_per_year(pct_per_year_from_log_per_day(0.0007)), 12)
    0.0007
    """
    return math.log1p(pct_per_year / 100.0) / DAYS_PER_YEAR


def annual_vol_pct_from_per_sqrt_day(vol_per_sqrt_day: float) -> float:
    """A daily log-return volatility as an annual one: sigma x sqrt(365). [%/sqrt(year)]

    >>> round(annual_vol_pct_from_per_sqrt_day(0.0325), 1)  # 2020-2024 BTC history: about 62 % a year
    62.1
    """
    return vol_per_sqrt_day * math.sqrt(DAYS_PER_YEAR) * 100.0


def per_sqrt_day_from_annual_vol_pct(vol_pct: float) -> float:
    """The inverse of :func:`annual_vol_pct_from_per_sqrt_day`. [1/sqrt(day)]

    >>> round(per_sqrt_day_from_annual_vol_pct(annual_vol_pct_from_per_sqrt_day(0.0325)), 12)
    0.0325
    """
    return vol_pct / 100.0 / math.sqrt(DAYS_PER_YEAR)


def median_pct_per_year(drift_per_day: float, vol_per_sqrt_day: float) -> float:
    """The change a year of a GBM's median path, exp(365 (mu - sigma^2 / 2)) - 1 (``GbmPrice``): what a "flat"
    median looks like when the mean grows. [%/year]

    >>> round(median_pct_per_year(0.0005, 0.0325), 1)  # mean +20 % a year, median about -1 % a year
    -1.0
    """
    return pct_per_year_from_log_per_day(drift_per_day - 0.5 * vol_per_sqrt_day**2)


def policy_options(scenario: Scenario) -> list[str]:
    """Treasury policies the user may pick: the scenario's (by label), then every kind the scenario
    does not already use under that label (run with its default parameters; see ``api.select_policies``)."""
    from hashpivot.policies.treasury import TREASURY_KINDS

    labels = [p.label for p in scenario.treasury_policies()]
    return labels + [kind for kind in TREASURY_KINDS if kind not in labels]


def slider_bounds(default: float, low: float, high: float) -> tuple[float, float]:
    """A slider's ``(min, max)``: ``(low, high)`` widened to hold ``default`` (an uploaded scenario may
    sit outside the usual range)."""
    return (min(low, default), max(high, default))


__all__ = [
    "DEFAULT_CONVERT_DAY", "DEFAULT_LEASE_RATE_USD_PER_KW_MONTH", "DashboardInputs", "MAX_UPLOAD_BYTES",
    "annual_vol_pct_from_per_sqrt_day", "apply_inputs", "changed_inputs", "defaults_from",
    "fleet_efficiency_j_per_th",
    "log_per_day_from_pct_per_year", "reference_hedges", "median_pct_per_year", "pct_per_year_from_log_per_day",
    "per_sqrt_day_from_annual_vol_pct", "policy_options", "scenario_from_upload", "slider_bounds",
    "within_dashboard_paths", "DASHBOARD_MAX_PATHS",
]
