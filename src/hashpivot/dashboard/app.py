"""hashpivot dashboard (Streamlit): three pages, the simulation, the calculator and the hashprice history.

Started by ``hashpivot dashboard``. The pages lay out widgets and call the library; they compute nothing
themselves: the scenario is built by :func:`hashpivot.dashboard.inputs.apply_inputs` (or, from the calculator, by
:func:`hashpivot.analysis.calc.scenario_from_calc`), the run by :func:`hashpivot.api.run` (its twin with machines
always on by :func:`hashpivot.api.insolvency_always_on`, and for a hedged scenario its unhedged twins by
:func:`hashpivot.api.hedge_comparison`, shown by :mod:`hashpivot.report.hedges` as in the report), the tables by
:mod:`hashpivot.analysis.compare` and :func:`hashpivot.analysis.hashprice.yearly_hashprice`, the calculator by :func:`hashpivot.api.calc`, the figures by
:mod:`hashpivot.report.figures`, the report by :func:`hashpivot.report.sim_report.render_report`, every number's
text by :mod:`hashpivot.format`. No network: Streamlit serves its own front end and plotly's JavaScript.

Inputs are in the units a user states: the BTC price in USD, its expected change and volatility and the network
hashrate's growth in % a year, the fleet's efficiency in J/TH, the conversion as a date, power in USD/MWh. The first
visit runs at once, so the answer at a glance (``st-key-answer``) is on the first screen; runs are cached per
scenario hash (the SHA-256 of its TOML and the policies), shared by every session of the server. Tables are
sortable (``st.dataframe``: click a header; the text is the one formatter's, the sort is by the numbers) and each
has a CSV download of its numbers in the units its column names carry.

Pages (URL paths): ``/`` the simulation, ``/calculator``, ``/hashprice``. Widget keys (stable, for tests):
``preset``, ``upload``, ``btc_price``, ``btc_drift``, ``btc_vol``, ``hashrate_growth``, ``power_price``,
``fleet_efficiency``, ``convert_mw``, ``convert_day`` (a date), ``lease_rate``, ``compare_all_mining``, ``policies``,
``reference_hedges``, ``n_paths``, ``run``, ``download_report``, ``download_toml``, ``download_csv``; tables
``comparison``, ``insolvency_table``, ``projects_table``, ``win_rate_table``, ``hedge_table`` (each with
``download_<name>``) and ``hedge_terms``; charts ``fan_nav``, ``fan_btc``, ``market``, ``margin``, ``insolvency``,
``win_rate``, ``hedge_nav`` and ``hedge_payoff_<i>`` (the i-th hedge, from 0), all of the hedge section in
``hedges`` (shown when the scenario holds hedges). Calculator: ``calc_hashrate``,
``calc_efficiency``, ``calc_power_price``, ``calc_pool_fee``, ``calc_pue``, ``calc_btc_price``, ``calc_horizon``,
``calc_difficulty_growth``, ``calc_price_growth``, table ``calc_result``, button ``calc_to_monte_carlo``. Hashprice
page: chart ``hashprice_history``, table ``hashprice_years``. The simulation page ends with the Decide section
(:mod:`hashpivot.dashboard.decide`, its own keys). Streamlit gives each element the CSS class
``st-key-<key>``.
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import timedelta

import pandas as pd
import streamlit as st

from hashpivot import api
from hashpivot.analysis.compare import comparison_cells, comparison_table, insolvency_table, projects_table
from hashpivot.analysis.fan import insolvency_curve
from hashpivot.dashboard.decide import decide_panel
from hashpivot.dashboard.inputs import (
    DASHBOARD_MAX_PATHS,
    DashboardInputs,
    annual_vol_pct_from_per_sqrt_day,
    apply_inputs,
    changed_inputs,
    defaults_from,
    log_per_day_from_pct_per_year,
    median_pct_per_year,
    pct_per_year_from_log_per_day,
    per_sqrt_day_from_annual_vol_pct,
    policy_options,
    scenario_from_upload,
    slider_bounds,
    within_dashboard_paths,
)
from hashpivot.domain.sources import CHAIN_TABLE_ATTRIBUTION
from hashpivot.errors import HashpivotError
from hashpivot.format import MISSING, fmt_metric, fmt_number, fmt_pct, fmt_usd
from hashpivot.report.figures import (
    fan_figure,
    hashprice_history_figure,
    insolvency_figure,
    margin_figure,
    market_figure,
    win_rate_figure,
)
from hashpivot.report.sim_report import render_report
from hashpivot.scenarios.toml import load_preset, preset_names, to_toml

#: Presets offered first when present.
PREFERRED_PRESET = "default"
#: The entry of the preset list that stands for the scenario the calculator page sent (present once it sent one).
CALC_CHOICE = "calculator inputs"
#: Keys of the widgets that hold a scenario's values (reset when the scenario changes).
INPUT_KEYS = ("btc_price", "btc_drift", "btc_vol", "hashrate_growth", "power_price", "fleet_efficiency",
              "convert_mw", "convert_day", "lease_rate", "compare_all_mining", "reference_hedges", "policies",
              "n_paths")
#: Keys of the calculator's widgets.
CALC_KEYS = ("calc_hashrate", "calc_efficiency", "calc_power_price", "calc_pool_fee", "calc_pue", "calc_btc_price",
             "calc_horizon", "calc_difficulty_growth", "calc_price_growth")
PLOTLY_CONFIG = {"displaylogo": False}


# ------------------------------------------------------------------------------------------- helpers


def show_error(title: str, exc: Exception) -> None:
    """The title in a red box, the message (field, value, what is allowed) below it, lines wrapped."""
    with st.container(key="error"):
        st.error(title)
        st.code(str(exc), language=None, wrap_lines=True)


def keep_widgets(keys: tuple[str, ...]) -> None:
    """Copy the values of ``keys`` aside: Streamlit forgets a widget's value while its page is not shown."""
    kept = st.session_state.setdefault("_kept", {})
    kept.update({k: st.session_state[k] for k in keys if k in st.session_state})


def restore_widgets(keys: tuple[str, ...]) -> None:
    """Give back the values :func:`keep_widgets` kept, to widgets of a page shown again."""
    kept = st.session_state.get("_kept", {})
    for k in keys:
        if k not in st.session_state and k in kept:
            st.session_state[k] = kept[k]


def sortable_table(table: pd.DataFrame, formats: dict[str, Callable[[float], str]], key: str, file_name: str,
                   download_label: str, csv: pd.DataFrame | None = None) -> None:
    """``table`` as a sortable grid (its cells written by ``formats``, column -> formatter of :mod:`hashpivot.format`;
    sorting uses the numbers) and a button that downloads ``csv`` (default: ``table``) as CSV."""
    with st.container(key=key):  # the container carries the CSS class st-key-<key>
        # tall enough for every row: these tables are short, and a grid only draws the rows in view
        # the grid draws its own text for a missing value: the one placeholder (format.MISSING), as the report's
        st.dataframe(table.style.format(formats, na_rep=MISSING), width="content", height=35 * (len(table) + 1) + 3,
                     placeholder=MISSING)
    data = (table if csv is None else csv).to_csv()
    st.download_button(download_label, data=data, file_name=file_name, mime="text/csv", key=f"download_{key}",
                       on_click="ignore")


def _markdown_topic_line(line: str) -> str:
    """A sentence of the answer as Markdown: its topic (before the first ': ') in bold, the rest escaped."""
    def escape(text: str) -> str:
        return "".join("\\" + c if c in "\\`*_[]<>#|~$" else c for c in text)

    head, sep, tail = line.partition(": ")
    return f"**{escape(head)}:** {escape(tail)}" if sep else escape(line)


# ------------------------------------------------------------------------------------------- scenario


def base_scenario():
    """The scenario chosen in the sidebar (an upload wins over the preset; the calculator's inputs are one more
    choice once the calculator page sent them) and an identity for it; stops the page with the error when the
    upload does not validate."""
    names = preset_names()
    calc = st.session_state.get("calc_scenario")
    if calc is not None:
        names = [CALC_CHOICE, *names]
    if st.session_state.get("preset") not in names:  # first visit (or a choice no longer offered)
        st.session_state["preset"] = PREFERRED_PRESET if PREFERRED_PRESET in names else names[0]
    preset = st.sidebar.selectbox("Preset", names, key="preset",
                                  help="Company presets shipped with hashpivot, and the calculator's inputs once "
                                       "its page sent them.")
    upload = st.sidebar.file_uploader(
        "Or upload a scenario TOML (at most 1 MB)", type=["toml"], key="upload", max_upload_size=1,
        help="A scenario file in hashpivot's TOML format; it replaces the preset while it is uploaded.",
    )
    if upload is None:
        if preset == CALC_CHOICE:
            return calc, ("calculator", to_toml(calc))
        return load_preset(preset), ("preset", preset)
    content = upload.getvalue()
    try:
        scenario = scenario_from_upload(content, upload.name)
    except HashpivotError as exc:
        show_error("The uploaded scenario cannot be used:", exc)
        st.stop()
    return scenario, ("upload", upload.name, hashlib.sha256(content).hexdigest())


def reset_widgets(scenario, defaults: DashboardInputs) -> None:
    """Put the scenario's values into the input widgets (on the first run and when the scenario changes)."""
    def user(convert, value):
        return None if value is None else convert(value)

    start = scenario.run.start_date
    values = {  # sliders hold what a user states: changes and volatility in % a year, dates
        "btc_price": defaults.btc_price_start_usd,
        "btc_drift": user(pct_per_year_from_log_per_day, defaults.btc_drift_per_day),
        "btc_vol": user(annual_vol_pct_from_per_sqrt_day, defaults.btc_vol_per_sqrt_day),
        "hashrate_growth": user(pct_per_year_from_log_per_day, defaults.hashrate_growth_per_day),
        "power_price": defaults.power_price_usd_per_mwh,
        "fleet_efficiency": defaults.fleet_efficiency_j_per_th,
        "convert_mw": defaults.convert_mw,
        "convert_day": None if defaults.convert_day is None else start + timedelta(days=defaults.convert_day),
        "lease_rate": defaults.lease_rate_usd_per_kw_month, "compare_all_mining": False, "reference_hedges": False,
        "policies": [p.label for p in scenario.treasury_policies()], "n_paths": defaults.n_paths,
    }
    kept = st.session_state.get("_kept", {})
    for key in INPUT_KEYS:
        st.session_state.pop(key, None)
        kept.pop(key, None)
        if values[key] is not None:
            st.session_state[key] = values[key]


# ------------------------------------------------------------------------------------------- inputs


def _slider(label: str, key: str, default, low, high, step, fmt: str, help_text: str, unavailable: str = ""):
    """A slider holding ``default`` (range widened if needed), or a note when the input does not apply."""
    if default is None:
        st.caption(f"{label}: {unavailable}")
        return None
    lo, hi = slider_bounds(default, low, high)
    return st.slider(label, min_value=type(step)(lo), max_value=type(step)(hi), step=step, format=fmt,
                     key=key, help=help_text)


def _conversion_day(scenario, default_day: int | None) -> int | None:
    """The main plan's conversion as a calendar date (a user plans by dates), returned as the day index the
    scenario takes (days after ``run.start_date``); a note when the plan converts on a trigger instead."""
    if default_day is None:
        st.caption("Conversion date: the plan converts on a hashprice trigger")
        return None
    start = scenario.run.start_date
    picked = st.date_input("Conversion date", key="convert_day", min_value=start + timedelta(days=1),
                           max_value=start + timedelta(days=scenario.run.horizon_days),
                           help="The day the main plan's MW start converting to AI/HPC.")
    return (picked - start).days


def input_panel(scenario, defaults: DashboardInputs) -> tuple[DashboardInputs, list[str]]:
    """Widgets in the sidebar; returns the values and the treasury policies chosen."""
    sb = st.sidebar
    price_kind = scenario.market.btc_price.kind
    with sb:
        st.subheader("Market")
        as_user = (lambda convert, value: None if value is None else convert(value))
        btc_price = st.number_input("BTC price on day 0 [USD]", min_value=1.0, max_value=1e7, step=1000.0,
                                    format="%.0f", key="btc_price",
                                    help=f"The BTC price on {scenario.run.start_date:%Y-%m-%d}, where every path starts.")
        drift = _slider("BTC price, expected change [%/year]", "btc_drift",
                        as_user(pct_per_year_from_log_per_day, defaults.btc_drift_per_day), -60.0, 150.0, 1.0,
                        "%.1f", "Change a year of the mean price (GBM drift); the median path grows less, by half "
                        "the variance.", f"set in the TOML (price process '{price_kind}')")
        vol = _slider("BTC price volatility [%/year]", "btc_vol",
                      as_user(annual_vol_pct_from_per_sqrt_day, defaults.btc_vol_per_sqrt_day), 0.0, 150.0, 1.0,
                      "%.1f", "Annual volatility of log returns; about 62 %/year in 2020-2024 history.",
                      f"set in the TOML (price process '{price_kind}')")
        if drift is not None and vol is not None:
            median = median_pct_per_year(log_per_day_from_pct_per_year(drift), per_sqrt_day_from_annual_vol_pct(vol))
            st.caption(f"Median BTC price path: {median:+.1f} % a year.")
        growth = _slider("Network hashrate growth, median path [%/year]", "hashrate_growth",
                         as_user(pct_per_year_from_log_per_day, defaults.hashrate_growth_per_day), -50.0, 150.0,
                         1.0, "%.1f", "Growth a year of network hashrate (endogenous networks add a response to "
                         "hashprice on top).")
        st.subheader("Company")
        power = _slider("Power price, site contract [USD/MWh]", "power_price", defaults.power_price_usd_per_mwh,
                        0.0, 150.0, 1.0, "%.0f", "Contract power price of every site.")
        efficiency = _slider("Fleet efficiency [J/TH]", "fleet_efficiency", defaults.fleet_efficiency_j_per_th,
                             10.0, 40.0, 0.1, "%.1f",
                             "Hashrate-weighted mean J/TH of the fleets. Moving it scales every fleet's J/TH at the "
                             "same MW: better machines in the same racks hash more (hashrate x old / new J/TH).")
        st.subheader("Capacity: main plan")
        mining_mw = float(scenario.company.mining_mw)
        mw = _slider("MW converted to AI/HPC [MW]", "convert_mw", defaults.convert_mw, 0.0,
                     math.floor(mining_mw / 5.0) * 5.0, 5.0, "%.0f",
                     "Grid MW moved from mining to the plan's AI project; 0 = keep every MW mining.",
                     "the main plan is hybrid: edit it in the TOML")
        day = _conversion_day(scenario, defaults.convert_day)
        rate = _slider("Colocation lease rate [USD/kW-month]", "lease_rate", defaults.lease_rate_usd_per_kw_month,
                       10.0, 300.0, 0.5, "%.1f", "Rent per kW of critical IT load leased to the AI tenant.",
                       "the plan's project is not a lease")
        compare_all = st.checkbox("Also run an all-mining plan", key="compare_all_mining",
                                  help="When the main plan converts MW, compare it with keeping every MW mining.")
        st.subheader("Hedges")
        if scenario.hedges:
            n_hedges = len(scenario.hedges)
            st.caption(f"The scenario holds {n_hedges} hedge{'' if n_hedges == 1 else 's'}: see the Hedges section of "
                       "the results.")
        hedge = st.checkbox("Add the reference hedges", key="reference_hedges",
                            help="Issue 18's two: a hashprice forward selling half the fleets' hashrate for two years "
                                 "at the starting hashprice, and a two-year put struck 25 % below spot on half the BTC "
                                 "held. The results then show each beside the same plan unhedged, on the same paths.")
        st.subheader("Treasury and run")
        policies = st.multiselect("Treasury policies to compare", policy_options(scenario), key="policies",
                                  help="The scenario's policies, or any kind with its default parameters.")
        n_paths = _slider("Monte Carlo paths", "n_paths", defaults.n_paths, 100, DASHBOARD_MAX_PATHS, 100, "%d",
                          "More paths: smoother fans, longer runs.")
    values = DashboardInputs(
        btc_price_start_usd=btc_price,
        btc_drift_per_day=None if drift is None else log_per_day_from_pct_per_year(drift),
        btc_vol_per_sqrt_day=None if vol is None else per_sqrt_day_from_annual_vol_pct(vol),
        power_price_usd_per_mwh=power,
        fleet_efficiency_j_per_th=efficiency,
        hashrate_growth_per_day=None if growth is None else log_per_day_from_pct_per_year(growth),
        convert_mw=mw, convert_day=day, lease_rate_usd_per_kw_month=rate, n_paths=n_paths,
        compare_all_mining=compare_all, reference_hedges=hedge,
    )
    return values, policies


# ------------------------------------------------------------------------------------------- results


def show_results(run: dict) -> None:
    result = run["result"]
    n_paths = int(result.dataset.sizes["path"])
    st.subheader(f"Results: {run['name']}")
    st.caption(f"{n_paths:,} paths · seed {result.seed} · {len(result.policies)} policies on the same random "
               f"numbers · hashpivot {result.version}")
    with st.container(key="answer"):
        st.markdown("**The answer at a glance**")
        st.markdown("\n".join(f"- {_markdown_topic_line(line)}" for line in result.glance().lines()))

    st.markdown("**Comparison at the end of the horizon** (rows: policies; all paths; click a header to sort)")
    numbers = comparison_table(result.summary).T.rename_axis("policy")
    shown = comparison_cells(result.summary)  # the labels the one formatter writes (BTC per share in sats)
    table = numbers.set_axis(list(shown.columns), axis=1)
    sortable_table(table, {label: (lambda v, _l=label: fmt_metric(_l, v)) for label in table.columns},
                   "comparison", f"{run['name']}-comparison.csv", "Download the comparison (CSV)", csv=numbers)
    downloads = st.columns(2)
    downloads[0].download_button("Download the HTML report",
                                 data=lambda: render_report(result, None, run["always_on"], run.get("hedges")),
                                 file_name=f"{run['name']}-report.html", mime="text/html", key="download_report",
                                 on_click="ignore")
    downloads[1].download_button("Download the scenario TOML", data=run["toml"], file_name=f"{run['name']}.toml",
                                 mime="application/toml", key="download_toml", on_click="ignore")
    with st.expander("The scenario that ran (TOML)"):
        st.code(run["toml"], language="toml")
        st.caption(f"Market facts of the presets (prices, hashrate, fees, volatilities): {CHAIN_TABLE_ATTRIBUTION}.")

    st.markdown("**Net asset value over time** (median, p25–p75, p5–p95 of the stored paths; y axis opens on "
                "the p25–p75 band, double-click a panel to see it all)")
    st.plotly_chart(fan_figure(result, "nav_usd", "USD"), key="fan_nav", config=PLOTLY_CONFIG)
    st.markdown("**BTC held over time**")
    st.plotly_chart(fan_figure(result, "btc_held", "BTC"), key="fan_btc", config=PLOTLY_CONFIG)
    dates = [f"{d:%Y-%m-%d}" for d in pd.to_datetime(result.dataset["date"].values)]
    st.markdown("**Market: hashprice, BTC price and network hashrate** (the same paths for every policy; median, "
                "p25–p75, p5–p95 of the stored paths, log scale)")
    st.plotly_chart(market_figure(result.dataset, dates), key="market", config=PLOTLY_CONFIG)

    st.markdown("**Margin per MW-day by segment** (median over paths, bars p5–p95; before overheads)")
    st.plotly_chart(margin_figure(result.summary), key="margin", config=PLOTLY_CONFIG)
    projects = projects_table(result.summary)
    if not projects.empty:
        st.markdown("**AI projects: IRR and payback** (monthly net cash flows of each project on the stored paths, "
                    "from its conversion day; p5, median, p95)")
        labels = {"policy": "plan / policy", "project": "project", "capex_usd_per_mw": "capex [USD/IT MW]",
                  "irr_frac_per_year_p5": "IRR p5 [%/year]", "irr_frac_per_year_p50": "IRR median [%/year]",
                  "irr_frac_per_year_p95": "IRR p95 [%/year]", "payback_years_p5": "payback p5 [years]",
                  "payback_years_p50": "payback median [years]", "payback_years_p95": "payback p95 [years]",
                  "paid_back_frac": "paths paid back [%]"}
        shown_projects = projects.rename(columns=labels).set_index(["plan / policy", "project"])
        formats = {c: (fmt_usd if "USD" in c else fmt_pct if "%" in c else fmt_number) for c in shown_projects.columns}
        sortable_table(shown_projects, formats, "projects_table", f"{run['name']}-projects.csv",
                       "Download the AI projects (CSV)", csv=projects.set_index(["policy", "project"]))

    show_value(run)

    st.markdown("**Probability of insolvency over time** (share of all paths insolvent by each month end)")
    curves = insolvency_curve(result.dataset["insolvent_day"].values, result.dataset["day"].values)
    st.plotly_chart(insolvency_figure(curves, result.policies, dates), key="insolvency", config=PLOTLY_CONFIG)
    insolvency = insolvency_table(result.summary, run["always_on"]).set_index("policy")
    if run["always_on"] is None:
        st.caption("No site of this scenario switches machines off at a loss, so there is no always-on twin.")
        insolvency = insolvency.drop(columns="insolvency_always_on_frac")
    else:
        st.caption("Beside each policy: the same plans and policies on the same random numbers with every machine "
                   "running every day (api.insolvency_always_on), the assumption before economic shutdown became the "
                   "default.")
    shown_insolvency = insolvency.rename(columns={"insolvency_frac": "P(insolvency), economic shutdown [%]",
                                                  "insolvency_always_on_frac": "P(insolvency), machines always on [%]"})
    sortable_table(shown_insolvency, dict.fromkeys(shown_insolvency.columns, fmt_pct), "insolvency_table",
                   f"{run['name']}-insolvency.csv", "Download the insolvency table (CSV)", csv=insolvency)

    st.markdown("**Paired win rate** (share of paths on which the row policy ends with the higher NAV per share)")
    st.plotly_chart(win_rate_figure(result.win_rate, result.policies), key="win_rate", config=PLOTLY_CONFIG)
    win = result.win_rate.reindex(index=result.policies, columns=result.policies)
    sortable_table(win, dict.fromkeys(win.columns, fmt_pct), "win_rate_table", f"{run['name']}-win-rate.csv",
                   "Download the win rates (CSV)")
    show_hedges(run)


def show_value(run: dict) -> None:
    """The value on day 0 (the report's section: ``analysis.valuation``, the DCF per policy beside the peers' stated
    multiples), then the figures by site of a company of several sites and its spin-offs (``analysis.sites``,
    ``analysis.spin_offs``)."""
    from hashpivot.analysis.sites import site_frame
    from hashpivot.analysis.spin_offs import spin_off_frame
    from hashpivot.analysis.valuation import peers_frame, valuation_frame

    result = run["result"]
    frame = valuation_frame(result)
    rate = float(frame["equity_discount_rate_per_year"].iloc[0])
    with st.container(key="value"):
        st.markdown(f"**Value on day 0**: each path's free cash flow to equity discounted at {fmt_pct(rate)}/year, "
                    "plus what contracts still pay less the debt owed at the horizon (mining after it counts nothing: "
                    "a floor); EV per EH/s of day 0's self-mining hashrate beside what the market pays per EH/s")
        labels = {"dcf_equity_usd_p50": "equity p50 [USD]", "dcf_equity_usd_p5": "equity p5 [USD]",
                  "dcf_per_share_usd_p50": "per share p50 [USD]", "ev_usd_mean": "EV mean [USD]",
                  "ev_usd_per_ehs": "EV per EH/s [USD]", "dcf_equity_usd_per_mw": "equity p50 per MW [USD]"}
        shown = frame.set_index("policy")[list(labels)].rename(columns=labels)
        formats = {c: (fmt_number if "share" in c else fmt_usd) for c in shown.columns}
        sortable_table(shown, formats, "value_table", f"{run['name']}-value.csv", "Download the value table (CSV)",
                       csv=frame.set_index("policy"))
        peers = peers_frame().rename(columns={"low_usd": "low [USD]", "high_usd": "high [USD]"}).set_index("name")
        st.caption("Peers' stated multiples (domain/facts/peer_multiples.csv): market capitalisation per EH/s of "
                   "listed miners, and J.P. Morgan's equity value per MW of AI/HPC colocation.")
        st.dataframe(peers, width="content", placeholder=MISSING)
    sites = site_frame(result) if "site_mining_revenue_usd" in result.dataset else None
    if sites is not None and sites["site"].nunique() > 1:
        st.markdown("**By site** (path means; margin = revenue - opex, before overheads and capex)")
        st.dataframe(sites.set_index(["policy", "site"]), width="content", placeholder=MISSING)
    spin_offs = spin_off_frame(result)
    if spin_offs is not None:
        st.markdown("**Spin-offs** (medians; attributable NAV takes the other holders' share of each entity's NAV off)")
        st.dataframe(spin_offs.set_index(["policy", "entity"]), width="content", placeholder=MISSING)


def show_hedges(run: dict) -> None:
    """The hedge section (the report's, :mod:`hashpivot.report.hedges`): the hedges' terms, each plan and policy
    hedged beside the same unhedged on the same random numbers, the terminal NAV before and after, and each forward's
    and option's payoff diagram; nothing when the scenario holds no hedges."""
    table = run.get("hedges")
    if table is None:
        return
    from hashpivot.analysis.hedges import hedge_terms_frame
    from hashpivot.policies.hedges import hedge_label
    from hashpivot.report import hedges as report_hedges

    scenario = run["result"].scenario
    with st.container(key="hedges"):
        st.subheader("Hedges: what they cost in the mean and buy in the tail")
        st.markdown("**Terms**")
        st.caption(report_hedges.TERMS_NOTE)
        headers, rows = report_hedges.terms_cells(hedge_terms_frame(scenario))
        with st.container(key="hedge_terms"):
            st.dataframe(pd.DataFrame(rows, columns=headers).set_index("hedge"), width="content", placeholder=MISSING)
        st.markdown("**Hedged against unhedged** (terminal NAV; click a header to sort)")
        st.caption(report_hedges.COMPARISON_NOTE)
        shown, formats = report_hedges.hedge_frame(table)
        sortable_table(shown, formats, "hedge_table", f"{run['name']}-hedges.csv",
                       "Download the hedge comparison (CSV)", csv=table.set_index(["policy", "hedges"]))
        st.markdown("**Terminal NAV, hedged and unhedged**")
        st.caption(report_hedges.SPREAD_NOTE)
        st.plotly_chart(report_hedges.distribution_figure(table), key="hedge_nav", config=PLOTLY_CONFIG)
        for i, hedge in enumerate(scenario.hedges):
            fig = report_hedges.payoff_figure(scenario, only=i)
            if fig is None:
                continue
            st.markdown(f"**Payoff at settlement: {hedge_label(hedge, i)}** ({hedge.kind})")
            st.caption(report_hedges.PAYOFF_NOTE)
            st.plotly_chart(fig, key=f"hedge_payoff_{i}", config=PLOTLY_CONFIG)


#: Runs kept by the server, by scenario hash, for every session: going back to earlier inputs (or a second
#: visitor asking for the same scenario) shows their run again at once.
MAX_CACHED_RUNS = 8


@st.cache_resource
def _shared_runs() -> tuple[OrderedDict, threading.Lock]:
    """The server's run cache (oldest first) and the lock that guards it."""
    return OrderedDict(), threading.Lock()


def run_key(toml: str, policies: list[str]) -> str:
    """The scenario hash a run is cached under: SHA-256 of the scenario's TOML and the policies run."""
    return hashlib.sha256("\n".join([toml, *policies]).encode("utf-8")).hexdigest()


def run_cached(scenario, policies: list[str]) -> dict | None:
    """The run of ``scenario`` under ``policies`` and its insolvency with machines always on, from the server's
    cache when the same scenario hash ran before, else simulated with a progress bar; None (after showing the
    error) when the run fails."""
    toml = to_toml(scenario)
    key = run_key(toml, policies)
    cache, lock = _shared_runs()
    with lock:
        if key in cache:
            cache.move_to_end(key)
            return cache[key]
    bar = st.progress(0.0, text="simulating…")
    try:
        result = api.run(scenario, policies=policies,
                         progress=lambda done, total: bar.progress(done / total, text=f"simulating: {done:,}/{total:,} paths"))
        bar.progress(1.0, text="the same paths with machines always on…")
        always_on = api.insolvency_always_on(result)
        if scenario.hedges:
            bar.progress(1.0, text="the same paths without the hedges…")
        hedges = api.hedge_comparison(result)
    except HashpivotError as exc:
        bar.empty()
        show_error("The run failed:", exc)
        return None
    except Exception as exc:  # noqa: BLE001 - one sentence on the page, the traceback folded away
        bar.empty()
        st.error(f"The run failed unexpectedly: {type(exc).__name__}: {exc}")
        with st.expander("Traceback"):
            st.exception(exc)
        return None
    bar.empty()
    run = {"result": result, "always_on": always_on, "hedges": hedges, "toml": toml, "name": scenario.name,
           "policies": list(policies)}
    with lock:
        cache[key] = run
        while len(cache) > MAX_CACHED_RUNS:
            cache.popitem(last=False)
    return run


# ------------------------------------------------------------------------------------------- pages


def simulation_page() -> None:
    st.title("hashpivot: strategy lab for Bitcoin miners")
    restore_widgets(("preset", *INPUT_KEYS))
    scenario, identity = base_scenario()
    scenario, asked = within_dashboard_paths(scenario)
    if asked is not None:
        st.info(f"This scenario asks for {asked:,} paths; the dashboard runs at most {DASHBOARD_MAX_PATHS:,} while "
                "you wait. For more, run it with `hashpivot run` (or on a Dask cluster with --workers).")
    defaults = defaults_from(scenario)
    if st.session_state.get("_base") != identity:
        reset_widgets(scenario, defaults)
        st.session_state["_base"] = identity
    st.caption(scenario.description or scenario.name)
    values, policies = input_panel(scenario, defaults)
    keep_widgets(("preset", *INPUT_KEYS))
    try:
        modified = apply_inputs(scenario, changed_inputs(values, defaults))
    except HashpivotError as exc:
        show_error("These inputs do not make a valid scenario:", exc)
        return
    clicked = st.sidebar.button("Run simulation", key="run", type="primary", disabled=not policies)
    if not policies:
        st.sidebar.caption("Pick at least one treasury policy.")
    # The first visit runs at once (the answer is on the first screen), and so does a scenario the calculator sent;
    # later runs wait for the button.
    sent = st.session_state.pop("_run_now", False)
    if clicked or sent or (st.session_state.get("last_run") is None and policies):
        run = run_cached(modified, list(policies))
        if run is None:
            return
        st.session_state["last_run"] = run
    run = st.session_state.get("last_run")
    if run is None:
        st.info("Pick at least one treasury policy in the sidebar to run.")
        return
    if run["toml"] != to_toml(modified) or run["policies"] != list(policies):
        st.warning("The inputs changed since this run: press **Run simulation** to update the results.")
    show_results(run)
    decide_panel(modified)  # the tornado, the break-even map and the optimiser's answer (dashboard/decide.py)


@st.cache_data(show_spinner=False)
def _market_today() -> dict:
    """Today's market from the chain table (:func:`hashpivot.api.calc_market`), read once per server."""
    return api.calc_market({})


@st.cache_data(show_spinner=False)
def _chain_history():
    return api.chain_history()


def _calc_defaults(market: dict) -> dict:
    """The calculator's first values: the default preset's fleets as one (``api.calc_fleet_of``), today's BTC price,
    one year, flat difficulty and price."""
    fleet = api.calc_fleet_of(PREFERRED_PRESET)
    return {"calc_hashrate": round(fleet["hashrate_phs"], 1), "calc_efficiency": round(fleet["efficiency_j_per_th"], 2),
            "calc_power_price": float(fleet["power_price_usd_per_mwh"]),
            "calc_pool_fee": round(fleet["pool_fee_frac"] * 100.0, 2), "calc_pue": float(fleet["pue_ratio"]),
            "calc_btc_price": round(float(market["btc_price_usd"]), 2), "calc_horizon": 365,
            "calc_difficulty_growth": 0.0, "calc_price_growth": 0.0}


def calculator_page() -> None:
    """The mining calculator (``hashpivot calc``) in a page, and its inputs sent to a Monte Carlo run with one click."""
    st.title("Mining calculator")
    try:
        market = _market_today()
    except HashpivotError as exc:
        show_error("No chain table to read today's market from:", exc)
        return
    restore_widgets(CALC_KEYS)
    for key, value in _calc_defaults(market).items():
        st.session_state.setdefault(key, value)
    st.caption(f"Market on {market['date']}: difficulty {market['difficulty'] / 1e12:,.2f} T, fees "
               f"{fmt_number(market['fees_btc_per_block'])} BTC a block (30-day mean), block {market['height']:,}. "
               f"Source: {market['source']}.")
    left, middle, right = st.columns(3)
    hashrate = left.number_input("Fleet hashrate [PH/s]", min_value=0.001, max_value=1e7, step=100.0, format="%.3f",
                                 key="calc_hashrate")
    efficiency = left.number_input("Efficiency [J/TH]", min_value=1.0, max_value=500.0, step=0.5, format="%.2f",
                                   key="calc_efficiency")
    power = left.number_input("Power price [USD/MWh]", min_value=0.0, max_value=1000.0, step=1.0, format="%.2f",
                              key="calc_power_price")
    pool_fee = middle.number_input("Pool fee [%]", min_value=0.0, max_value=99.0, step=0.5, format="%.2f",
                                   key="calc_pool_fee")
    pue = middle.number_input("PUE [ratio]", min_value=1.0, max_value=3.0, step=0.01, format="%.2f", key="calc_pue",
                              help="Facility power / miners' power (cooling, losses).")
    btc_price = middle.number_input("BTC price today [USD]", min_value=1.0, max_value=1e8, step=1000.0,
                                    format="%.2f", key="calc_btc_price")
    horizon = right.number_input("Horizon [days]", min_value=1, max_value=3650, step=30, key="calc_horizon")
    difficulty_growth = right.number_input("Difficulty change per retarget [%]", min_value=-75.0, max_value=300.0,
                                           step=0.5, format="%.2f", key="calc_difficulty_growth",
                                           help="Every 2,016 blocks (about 14 days).")
    price_growth = right.number_input("BTC price change [%/year]", min_value=-99.0, max_value=10_000.0, step=5.0,
                                      format="%.1f", key="calc_price_growth")
    keep_widgets(CALC_KEYS)
    try:
        result = api.calc({"hashrate_phs": hashrate, "efficiency_j_per_th": efficiency,
                           "power_price_usd_per_mwh": power, "pool_fee_frac": pool_fee / 100.0, "pue_ratio": pue},
                          {"horizon_days": int(horizon), "difficulty_growth_frac": difficulty_growth / 100.0,
                           "btc_price_growth_frac_per_year": price_growth / 100.0},
                          market={**market, "btc_price_usd": btc_price,  # the table's day and source stay
                                  "source": market["source"] + ("" if btc_price == market["btc_price_usd"]
                                                                else "; BTC price given")})
    except (HashpivotError, ValueError) as exc:
        show_error("These inputs cannot be calculated:", exc)
        return
    t, h = result.today, result.horizon
    rows = [("hashprice [USD/PH/day]", t.hashprice_usd_per_ph_day, h.hashprice_usd_per_ph_day, fmt_number),
            ("hashprice [BTC/PH/day]", t.hashprice_btc_per_ph_day, h.hashprice_btc_per_ph_day, fmt_number),
            ("revenue [USD]", t.revenue_usd, h.revenue_usd, fmt_usd),
            ("power cost [USD]", t.power_cost_usd, h.power_cost_usd, fmt_usd),
            ("margin [USD]", t.margin_usd, h.margin_usd, fmt_usd),
            ("BTC mined [BTC]", t.btc_mined, h.btc_mined, fmt_number),
            ("break-even power price [USD/MWh]", t.breakeven_power_price_usd_per_mwh,
             h.breakeven_power_price_usd_per_mwh, fmt_number),
            ("break-even hashprice [USD/PH/day]", t.breakeven_hashprice_usd_per_ph_day,
             h.breakeven_hashprice_usd_per_ph_day, fmt_number),
            ("cost to mine 1 BTC [USD]", t.cost_to_mine_usd_per_btc, h.cost_to_mine_usd_per_btc, fmt_usd)]
    over = f"over {int(horizon):,} days"
    numbers = pd.DataFrame([(r[0], r[1], r[2]) for r in rows], columns=["figure", "today", over]).set_index("figure")
    # numbers in the grid (right-aligned, as figures are read), each row written by its formatter
    styler = numbers.style
    for label, _, _, fmt in rows:
        styler = styler.format(fmt, subset=pd.IndexSlice[[label], :], na_rep=MISSING)
    with st.container(key="calc_result"):
        st.dataframe(styler, width="content", placeholder=MISSING)
    st.download_button("Download the calculator (CSV)", data=numbers.to_csv(), file_name="calculator.csv",
                       mime="text/csv", key="download_calc_table", on_click="ignore")
    loss = ("the margin stays positive over the horizon" if result.first_loss_day is None
            else f"the margin turns negative on day {result.first_loss_day:,}")
    st.caption(f"Today: one day at today's market; over the horizon: totals, and the break-evens and cost to mine "
               f"total over total. Deterministic: 144 blocks a day, fees per block at today's; {loss}.")
    st.markdown("**The same inputs in a Monte Carlo run**: the default preset's random BTC price, network hashrate "
                "and fees around these paths (the mean BTC price path and the median difficulty path are the "
                "calculator's), this fleet alone with no balance sheet or overheads, machines switched off on days "
                "they lose money; sell every BTC mined, and hold every BTC mined.")
    if st.button("Run a Monte Carlo simulation on these inputs", key="calc_to_monte_carlo", type="primary"):
        try:
            scenario = api.calc_scenario(result, PREFERRED_PRESET)
        except HashpivotError as exc:
            show_error("These inputs do not make a valid scenario:", exc)
            return
        st.session_state["calc_scenario"] = scenario
        st.session_state["preset"] = CALC_CHOICE
        st.session_state.setdefault("_kept", {})["preset"] = CALC_CHOICE
        st.session_state["_run_now"] = True
        st.switch_page(PAGES["simulation"])


def hashprice_page() -> None:
    """The chain table's hashprice: daily with its 30-day mean and the halvings, and a table by year."""
    from hashpivot.analysis.hashprice import yearly_hashprice

    st.title("Hashprice history")
    try:
        history, attribution = _chain_history()
    except HashpivotError as exc:
        show_error("No chain table to draw the history from:", exc)
        return
    st.markdown(f"**Daily hashprice** (USD per PH/s per day, log scale; halvings marked), "
                f"{history.index[0]:%Y-%m-%d} to {history.index[-1]:%Y-%m-%d}")
    st.plotly_chart(hashprice_history_figure(history, attribution), key="hashprice_history", config=PLOTLY_CONFIG)
    st.markdown("**By year**")
    years = yearly_hashprice(history)
    labels = {"hashprice_mean_usd_per_ph_day": "hashprice mean [USD/PH/day]",
              "hashprice_low_usd_per_ph_day": "lowest day [USD/PH/day]",
              "hashprice_high_usd_per_ph_day": "highest day [USD/PH/day]", "btc_price_mean_usd": "BTC price mean [USD]",
              "network_hashrate_mean_ehs": "network hashrate mean [EH/s]", "days": "days"}
    shown = years.rename(columns=labels)
    formats = {c: (fmt_usd if c.endswith("[USD]") else fmt_number) for c in shown.columns}
    sortable_table(shown, formats, "hashprice_years", "hashprice-by-year.csv", "Download the years (CSV)", csv=years)
    st.caption(attribution)


#: The pages, by name (filled by :func:`main`; the calculator switches to the simulation).
PAGES: dict = {}


def main() -> None:
    st.set_page_config(page_title="hashpivot dashboard", layout="wide")
    PAGES.update(
        simulation=st.Page(simulation_page, title="Simulation", default=True),
        calculator=st.Page(calculator_page, title="Calculator", url_path="calculator"),
        hashprice=st.Page(hashprice_page, title="Hashprice history", url_path="hashprice"),
    )
    st.navigation(list(PAGES.values())).run()


if __name__ == "__main__":
    main()
