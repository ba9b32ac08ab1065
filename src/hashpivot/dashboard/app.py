"""hashpivot dashboard (Streamlit): pick or upload a scenario, adjust the key inputs, run, compare.

Started by ``hashpivot dashboard``. The page lays out widgets and calls the library; it computes
nothing itself: the scenario is built by :func:`hashpivot.dashboard.inputs.apply_inputs`, the run by
:func:`hashpivot.api.run`, the table by :func:`hashpivot.analysis.compare.comparison_cells`, the figures
by :mod:`hashpivot.report.figures` and the report by :func:`hashpivot.report.sim_report.render_report`.
No network: Streamlit serves its own front end and plotly's JavaScript.

Inputs are in the units a user states: the BTC price in USD, its expected change and volatility and the network
hashrate's growth in % a year, the conversion as a date, power in USD/MWh. The first visit runs at once, so the
answer at a glance (``st-key-answer``) is on the first screen; runs are cached per scenario hash.

Widget keys (stable, for tests): ``preset``, ``upload``, ``btc_price``, ``btc_drift``, ``btc_vol``,
``hashrate_growth``, ``power_price``, ``convert_mw``, ``convert_day`` (a date), ``lease_rate``,
``compare_all_mining``, ``policies``, ``n_paths``, ``run``, ``download_report``, ``download_toml``,
``download_csv`` (and the Decide section's, :mod:`hashpivot.dashboard.decide`). Streamlit gives each element the CSS class ``st-key-<key>``; the answer sits in
``st-key-answer``, the comparison table in ``st-key-comparison``.
"""

from __future__ import annotations

import hashlib
import math
from datetime import timedelta

import pandas as pd
import streamlit as st

from hashpivot import api
from hashpivot.analysis.compare import comparison_cells, comparison_table
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
from hashpivot.errors import HashpivotError
from hashpivot.report.figures import (
    fan_figure,
    hashprice_history_figure,
    insolvency_figure,
    margin_figure,
    win_rate_figure,
)
from hashpivot.report.sim_report import render_report
from hashpivot.scenarios.toml import load_preset, preset_names, to_toml

#: Presets offered first when present.
PREFERRED_PRESET = "default"
#: Keys of the widgets that hold a scenario's values (reset when the scenario changes).
INPUT_KEYS = ("btc_price", "btc_drift", "btc_vol", "hashrate_growth", "power_price", "convert_mw", "convert_day",
              "lease_rate", "compare_all_mining", "policies", "n_paths")


# ------------------------------------------------------------------------------------------- scenario


def show_error(title: str, exc: Exception) -> None:
    """The title in a red box, the message (field, value, what is allowed) below it, lines wrapped."""
    with st.container(key="error"):
        st.error(title)
        st.code(str(exc), language=None, wrap_lines=True)


def base_scenario():
    """The scenario chosen in the sidebar (an upload wins over the preset) and an identity for it;
    stops the page with the error when the upload does not validate."""
    names = preset_names()
    index = names.index(PREFERRED_PRESET) if PREFERRED_PRESET in names else 0
    preset = st.sidebar.selectbox("Preset", names, index=index, key="preset",
                                  help="Company presets shipped with hashpivot.")
    upload = st.sidebar.file_uploader(
        "Or upload a scenario TOML (at most 1 MB)", type=["toml"], key="upload", max_upload_size=1,
        help="A scenario file in hashpivot's TOML format; it replaces the preset while it is uploaded.",
    )
    if upload is None:
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
        "convert_mw": defaults.convert_mw,
        "convert_day": None if defaults.convert_day is None else start + timedelta(days=defaults.convert_day),
        "lease_rate": defaults.lease_rate_usd_per_kw_month, "compare_all_mining": False,
        "policies": [p.label for p in scenario.treasury_policies()], "n_paths": defaults.n_paths,
    }
    for key in INPUT_KEYS:
        st.session_state.pop(key, None)
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
        hashrate_growth_per_day=None if growth is None else log_per_day_from_pct_per_year(growth),
        convert_mw=mw, convert_day=day, lease_rate_usd_per_kw_month=rate, n_paths=n_paths,
        compare_all_mining=compare_all,
    )
    return values, policies


# ------------------------------------------------------------------------------------------- results


def _markdown_topic_line(line: str) -> str:
    """A sentence of the answer as Markdown: its topic (before the first ': ') in bold, the rest escaped."""
    def escape(text: str) -> str:
        return "".join("\\" + c if c in "\\`*_[]<>#|~$" else c for c in text)

    head, sep, tail = line.partition(": ")
    return f"**{escape(head)}:** {escape(tail)}" if sep else escape(line)


def calculator_panel(scenario) -> None:
    """The calculator (``hashpivot calc``) for the scenario's fleets today, from the chain table; a note when no
    chain table is available."""
    from hashpivot.format import fmt_number, fmt_usd

    with st.expander("Calculator: this scenario's fleets at today's hashprice, and the hashprice history"):
        fleet = api.calc_fleet_of(scenario)
        try:
            r = api.calc(fleet, {"horizon_days": scenario.run.horizon_days})
        except HashpivotError as exc:
            st.caption(f"No chain table to read today's market from: {exc}")
            return
        t, m = r.today, r.market
        st.markdown(f"{fmt_number(fleet['hashrate_phs'])} PH/s at {fmt_number(fleet['efficiency_j_per_th'])} J/TH, "
                    f"{fmt_number(fleet['power_price_usd_per_mwh'])} USD/MWh; market on {m.date}: BTC "
                    f"{fmt_usd(m.btc_price_usd)} USD, difficulty {m.difficulty / 1e12:,.2f} T.")
        st.table({"figure": ["hashprice [USD/PH/day]", "hashprice [BTC/PH/day]", "revenue [USD/day]",
                             "power cost [USD/day]", "margin [USD/day]", "break-even power price [USD/MWh]",
                             "break-even hashprice [USD/PH/day]", "cost to mine 1 BTC [USD]"],
                  "today": [fmt_number(t.hashprice_usd_per_ph_day), fmt_number(t.hashprice_btc_per_ph_day),
                            fmt_usd(t.revenue_usd), fmt_usd(t.power_cost_usd), fmt_usd(t.margin_usd),
                            fmt_number(t.breakeven_power_price_usd_per_mwh),
                            fmt_number(t.breakeven_hashprice_usd_per_ph_day), fmt_usd(t.cost_to_mine_usd_per_btc)]})
        st.caption(f"Flat difficulty and price; the Monte Carlo run above takes the same fleets through "
                   f"{scenario.run.horizon_days:,} days of futures. source: {m.source}")
        history, attribution = api.chain_history()
        st.markdown("**Hashprice history** (daily, USD per PH/s per day, log scale; halvings marked)")
        st.plotly_chart(hashprice_history_figure(history, attribution), key="hashprice_history",
                        config={"displaylogo": False})


def show_results(run: dict) -> None:
    result = run["result"]
    n_paths = int(result.dataset.sizes["path"])
    st.subheader(f"Results: {run['name']}")
    st.caption(f"{n_paths:,} paths · seed {result.seed} · {len(result.policies)} policies on the same random "
               f"numbers · hashpivot {result.version}")
    with st.container(key="answer"):
        st.markdown("**The answer at a glance**")
        st.markdown("\n".join(f"- {_markdown_topic_line(line)}" for line in result.glance().lines()))
    shown = comparison_cells(result.summary)
    with st.container(key="comparison"):
        st.markdown("**Comparison at the end of the horizon** (rows: policies; all paths)")
        st.table(shown)
    downloads = st.columns(3)
    downloads[0].download_button("Download the HTML report", data=lambda: render_report(result),
                                 file_name=f"{run['name']}-report.html", mime="text/html", key="download_report",
                                 on_click="ignore")
    downloads[1].download_button("Download the scenario TOML", data=run["toml"], file_name=f"{run['name']}.toml",
                                 mime="application/toml", key="download_toml", on_click="ignore")
    downloads[2].download_button("Download the comparison (CSV)", key="download_csv", on_click="ignore",
                                 data=lambda: comparison_table(result.summary).T.rename_axis("policy").to_csv(),
                                 file_name=f"{run['name']}-comparison.csv", mime="text/csv")
    with st.expander("The scenario that ran (TOML)"):
        st.code(run["toml"], language="toml")
    st.markdown("**Net asset value over time** (median, p25–p75, p5–p95 of the stored paths; y axis opens on "
                "the p25–p75 band, double-click a panel to see it all)")
    st.plotly_chart(fan_figure(result, "nav_usd", "USD"), key="fan_nav", config={"displaylogo": False})
    st.markdown("**BTC held over time**")
    st.plotly_chart(fan_figure(result, "btc_held", "BTC"), key="fan_btc", config={"displaylogo": False})
    st.markdown("**Margin per MW-day by segment** (median over paths, bars p5–p95; before overheads)")
    st.plotly_chart(margin_figure(result), key="margin", config={"displaylogo": False})
    st.markdown("**Probability of insolvency over time** (share of all paths insolvent by each month end)")
    dates = [f"{d:%Y-%m-%d}" for d in pd.to_datetime(result.dataset["date"].values)]
    curves = insolvency_curve(result.dataset["insolvent_day"].values, result.dataset["day"].values)
    st.plotly_chart(insolvency_figure(curves, result.policies, dates), key="insolvency", config={"displaylogo": False})
    st.markdown("**Paired win rate** (share of paths on which the row policy ends with the higher NAV per share)")
    st.plotly_chart(win_rate_figure(result.win_rate, result.policies), key="win_rate", config={"displaylogo": False})


#: Results kept per session, by scenario hash: going back to earlier inputs shows their run again at once.
MAX_CACHED_RUNS = 8


def run_cached(scenario, policies: list[str]) -> dict | None:
    """The run of ``scenario`` under ``policies``, from this session's cache when the same scenario (by the
    SHA-256 of its TOML and the policies) ran before, else simulated with a progress bar; None (after showing the
    error) when the run fails."""
    toml = to_toml(scenario)
    key = hashlib.sha256("\n".join([toml, *policies]).encode("utf-8")).hexdigest()
    cache = st.session_state.setdefault("_runs", {})
    if key in cache:
        return cache[key]
    bar = st.progress(0.0, text="simulating…")
    try:
        result = api.run(scenario, policies=policies,
                         progress=lambda done, total: bar.progress(done / total, text=f"simulating: {done:,}/{total:,} paths"))
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
    while len(cache) >= MAX_CACHED_RUNS:
        cache.pop(next(iter(cache)))
    cache[key] = {"result": result, "toml": toml, "name": scenario.name, "policies": list(policies)}
    return cache[key]


def main() -> None:
    st.set_page_config(page_title="hashpivot dashboard", layout="wide")
    st.title("hashpivot: strategy lab for Bitcoin miners")
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
    try:
        modified = apply_inputs(scenario, changed_inputs(values, defaults))
    except HashpivotError as exc:
        show_error("These inputs do not make a valid scenario:", exc)
        return
    clicked = st.sidebar.button("Run simulation", key="run", type="primary", disabled=not policies)
    if not policies:
        st.sidebar.caption("Pick at least one treasury policy.")
    # The first visit runs at once (the answer is on the first screen); later runs wait for the button.
    if clicked or (st.session_state.get("last_run") is None and policies):
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
    calculator_panel(modified)
    decide_panel(modified)  # the tornado, the break-even map and the optimiser's answer (dashboard/decide.py)


if __name__ == "__main__":
    main()
