"""Spin-offs and stakes (issue 13, point 4): per policy and entity, the entity's NAV, the company's share of it and its
stake at the spin-off's valuation, beside the consolidated and attributable NAV (medians over paths).

The per-path figures are the result's ``entity_*`` variables (``engine.result.entity_metrics``); the schema's
``SpinOff`` states what the entity owns and the assumptions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Columns of :func:`spin_off_frame`, with their units.
SPIN_OFF_COLUMNS = {
    "policy": "label", "entity": "name", "retained_frac": "fraction", "valuation": "kind",
    "entity_nav_usd_p50": "USD", "entity_fleet_value_usd_p50": "USD", "entity_contracted_value_usd_p50": "USD",
    "entity_retained_nav_usd_p50": "USD", "entity_stake_usd_p50": "USD",
    "nav_usd_p50": "USD", "attributable_nav_usd_p50": "USD",
}


def spin_off_frame(result) -> pd.DataFrame | None:
    """One row per (policy, entity) of ``result`` (a ``SimResult`` that kept its per-path values), medians over paths;
    None for a company without spin-offs. Columns :data:`SPIN_OFF_COLUMNS`."""
    spins = result.scenario.company.spin_offs
    ds = result.dataset
    if not spins or "entity_nav_usd" not in ds:
        return None
    rows = []
    for policy in result.policies:
        sel = ds.sel(policy=policy)
        for x in spins:
            entity = sel.sel(entity=x.name)
            rows.append({
                "policy": policy, "entity": x.name, "retained_frac": x.retained_frac, "valuation": x.valuation,
                **{f"{name}_p50": float(np.median(entity[name].values))
                   for name in ("entity_nav_usd", "entity_fleet_value_usd", "entity_contracted_value_usd",
                                "entity_retained_nav_usd", "entity_stake_usd")},
                "nav_usd_p50": float(np.median(sel["nav_usd"].values)),
                "attributable_nav_usd_p50": float(np.median(sel["attributable_nav_usd"].values)),
            })
    return pd.DataFrame(rows, columns=list(SPIN_OFF_COLUMNS))
