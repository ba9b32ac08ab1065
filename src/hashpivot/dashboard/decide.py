"""The dashboard's "Decide" section: the tornado, the break-even map and the optimiser's answer for the scenario
on the page, each through :mod:`hashpivot.api` (one sweep each, on common random numbers) and drawn by
:mod:`hashpivot.report.decisions`; it computes nothing itself.

Widget keys (stable, for tests): ``decide_paths``, ``decide_run``; the results sit in ``st-key-decide_tornado``,
``st-key-decide_map`` and ``st-key-decide_answer``.
"""

from __future__ import annotations

import streamlit as st

from hashpivot import api
from hashpivot.errors import HashpivotError

#: Inputs the tornado moves -/+ 20 %, where the scenario sets them (the site and fleet by their first name).
TORNADO_INPUTS = ("market.btc_price.start_usd", "market.btc_price.drift_per_day", "market.btc_price.vol_per_sqrt_day",
                  "market.fees.median_btc_per_block", "company.sites.{site}.power_price_usd_per_mwh",
                  "company.fleets.{fleet}.uptime_frac", "company.btc_held", "company.fixed_opex_usd_per_day")
#: Treasury kinds the optimiser chooses between (their defaults).
TREASURY_CHOICES = ("sell_all", "hold_all", "sell_to_cover_costs", "min_cash_runway")
#: Points per axis of the break-even map.
MAP_POINTS = 7


def tornado_inputs(scenario) -> dict[str, None]:
    """The :data:`TORNADO_INPUTS` the scenario sets, each with its relative range."""
    from hashpivot.analysis.sensitivity import scenario_inputs

    names = {"site": scenario.company.sites[0].name, "fleet": scenario.company.fleets[0].name}
    given = set(scenario_inputs(scenario))
    return {p: None for p in (t.format(**names) for t in TORNADO_INPUTS) if p in given}


def decide_panel(scenario) -> None:
    """The Decide section, run on a press of ``decide_run``; its results stay until the scenario changes."""
    st.subheader("Decide")
    st.caption("Which input the answer hangs on, where it flips, and the best treasury policy: each a sweep of the "
               "scenario on the same random numbers, with its Monte Carlo error. The command line does more "
               "(hashpivot sensitivity / breakeven / optimize).")
    n_paths = st.slider("Paths per variant", 100, 2000, 300, 100, key="decide_paths")
    from hashpivot.scenarios.toml import to_toml

    identity = (to_toml(scenario), n_paths)
    if st.button("Run the decision tools", key="decide_run"):
        with st.spinner("running the tornado, the break-even map and the optimiser…"):
            st.session_state["_decide"] = (identity, _run(scenario, n_paths))
    stored = st.session_state.get("_decide")
    if stored is None:
        return
    if stored[0] != identity:
        st.warning("The scenario changed since these results: press **Run the decision tools** to update them.")
    _show(stored[1])


def _run(scenario, n_paths: int) -> dict:
    out: dict = {}
    main_policy = scenario.policy.treasury.label
    try:
        tables, _, left_out, sweep = api.sensitivity(scenario, inputs=tornado_inputs(scenario), n_paths=n_paths)
        out["tornado"] = (tables[0], sweep)
    except HashpivotError as exc:
        out["tornado_error"] = str(exc)
    site = scenario.company.sites[0]
    start = scenario.market.btc_price.start_usd
    against = "hold_all" if main_policy != "hold_all" else "sell_all"
    try:
        out["map"] = api.breakeven_map(
            scenario, x=("market.btc_price.start_usd", 0.5 * start, 1.5 * start, MAP_POINTS),
            y=(f"company.sites.{site.name}.power_price_usd_per_mwh", 20.0, 80.0, MAP_POINTS),
            metric="nav_usd:mean", against=against, n_paths=max(100, n_paths // 3))
    except HashpivotError as exc:
        out["map_error"] = str(exc)
    from hashpivot.analysis.optimize import Decision

    from hashpivot.analysis.optimize import Infeasible

    try:
        out["answer"] = api.optimize(scenario, decisions=[Decision("policy.treasury.kind", TREASURY_CHOICES)],
                                     objective="nav_usd:mean", constraints=["insolvency:probability<=0.05"],
                                     n_paths=n_paths)
    except Infeasible as exc:  # an answer too: no policy keeps insolvency under the limit
        out["answer_infeasible"] = str(exc)
    except HashpivotError as exc:
        out["answer_error"] = str(exc)
    return out


def _show(out: dict) -> None:
    from hashpivot.report.decisions import breakeven_figure, frontier_figure, tornado_figure

    config = {"displaylogo": False}
    sections = (
        ("tornado", "**Tornado** (each input -/+ 20 %, NAV mean at the horizon; bars ± their standard error)",
         lambda r: tornado_figure(r[0])),
        ("map", "**Break-even map** (NAV mean minus that of the other policy; the line is where they are equal)",
         lambda r: breakeven_figure(r[0])),
        ("answer", "**The optimiser's answer** (treasury policy, NAV mean, insolvency at most 5 %)", frontier_figure),
    )
    for name, title, figure in sections:
        with st.container(key=f"decide_{name}"):
            st.markdown(title)
            if name == "answer" and name in out:
                st.markdown("\n".join(f"- {line}" for line in out["answer"].lines()))
            if name in out:
                st.plotly_chart(figure(out[name]), key=f"decide_{name}_chart", config=config)
            elif name == "answer" and "answer_infeasible" in out:
                st.warning("No treasury policy keeps the insolvency probability at or under 5 %: "
                           f"{out['answer_infeasible']}")
            else:
                st.error(out[f"{name}_error"])
