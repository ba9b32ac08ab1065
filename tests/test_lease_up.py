"""Lease-up and vacancy of AI/HPC leases (issue 13, point 5): a lease's share let ramps from its initial to its
stabilised occupancy, a tenant that does not renew leaves the hall idle for the downtime and then re-let on a new
ramp, and contracted value counts only contracted occupancy. One deterministic path (``tests.test_capacity.base``:
flat price, hashrate, fees and GPU rent, so a re-let is at the contract rate); every figure is summed day by day
here from the lease's terms."""

from __future__ import annotations

import numpy as np
import pytest

from hashpivot.engine.run import simulate
from hashpivot.processes.random import path_generator
from hashpivot.scenarios.toml import from_dict
from tests.test_capacity import N_DAYS, base
from tests.test_contracted_value import RATE, pv_by_day, rent_per_day

MW = 100.0  # every mining MW of the base company (5 EH/s x 20 J/TH), leased at PUE 1 [MW]
RATE_USD_PER_KW_MONTH = 100.0
RENT_USD_PER_DAY = MW * 1000 * RATE_USD_PER_KW_MONTH * 12 / 365  # the whole hall let [USD/day]


def lease(**project) -> dict:
    return {"kind": "colocation_lease", "rate_usd_per_kw_month": RATE_USD_PER_KW_MONTH, "opex_frac_of_revenue": 0.1,
            "capex_usd_per_mw": 0.0, **project}


def scenario(project: dict, horizon_days: int = N_DAYS, day: int = 1, **run) -> dict:
    data = base(horizon_days=horizon_days)
    data["run"].update(run)
    data["policy"]["capacity"] = {"kind": "convert_on_day", "day": day, "mw": MW, "project": project}
    return data


def simulate_all(data: dict, nav_basis: str = "with_contracts"):
    data["company"]["nav_basis"] = nav_basis
    return simulate(from_dict(data, "lease-up test"), check_invariants=True).dataset.isel(policy=0)


def ramp(initial: float, stabilised: float, ramp_days: int, days_since_let: int) -> float:
    """Share let ``days_since_let`` days into a letting: linear from ``initial`` to ``stabilised`` over
    ``ramp_days``, then flat."""
    if days_since_let >= ramp_days:
        return stabilised
    return initial + (stabilised - initial) * days_since_let / ramp_days


def test_rent_on_each_day_of_the_ramp_is_the_rent_times_the_share_let():
    """Let on day 1 at 40 %, stabilised at 90 % 60 days later: day d pays the full rent x (0.4 + 0.5 x (d - 1) / 60)
    until day 60, then 0.9 x; opex is 10 % of that rent, and MW-days count the whole built hall every day."""
    project = lease(initial_occupancy_frac=0.4, stabilised_occupancy_frac=0.9, lease_up_days=60)
    revenue = {d: RENT_USD_PER_DAY * ramp(0.4, 0.9, 60, d - 1) for d in range(1, N_DAYS + 1)}
    ds = simulate_all(scenario(project)).isel(path=0)
    assert float(ds["colocation_lease_revenue_usd"]) == pytest.approx(sum(revenue.values()), rel=1e-12)
    assert float(ds["colocation_lease_opex_usd"]) == pytest.approx(0.1 * sum(revenue.values()), rel=1e-12)
    assert float(ds["colocation_lease_mw_days"]) == pytest.approx(MW * N_DAYS, rel=1e-12)
    # one day of the ramp alone: day 31 is the difference of two horizons, 0.4 + 0.5 x 30 / 60 = 0.65 of the rent
    day_30 = simulate_all(scenario(project, horizon_days=30)).isel(path=0)
    day_31 = simulate_all(scenario(project, horizon_days=31)).isel(path=0)
    one_day = float(day_31["colocation_lease_revenue_usd"] - day_30["colocation_lease_revenue_usd"])
    assert one_day == pytest.approx(0.65 * RENT_USD_PER_DAY, rel=1e-9)


def test_the_defaults_let_the_whole_hall_from_the_earn_day():
    """Without a lease-up every day pays the full rent, as before the feature."""
    ds = simulate_all(scenario(lease())).isel(path=0)
    assert float(ds["colocation_lease_revenue_usd"]) == pytest.approx(N_DAYS * RENT_USD_PER_DAY, rel=1e-12)


def test_a_tenant_that_never_renews_leaves_the_hall_idle_then_it_ramps_again():
    """A 30-day term (days 1..30) that never renews (renewal_prob 0), 20 days of downtime and a 10-day lease-up from
    50 %: let days 1..30 (ramping on days 1..10), idle days 31..50, re-let days 51..80 at the contract rate (flat GPU
    rent), idle 81..100, re-let again from day 101 to the horizon (day 120). MW-days still count every day."""
    project = lease(term_years=30 / 365, renewal_prob=0.0, downtime_days=20, initial_occupancy_frac=0.5,
                    lease_up_days=10)
    let_from = {d: start for start, end in ((1, 30), (51, 80), (101, 120)) for d in range(start, end + 1)}
    revenue = sum(RENT_USD_PER_DAY * ramp(0.5, 1.0, 10, d - start) for d, start in let_from.items())
    ds = simulate_all(scenario(project)).isel(path=0)
    assert float(ds["colocation_lease_revenue_usd"]) == pytest.approx(revenue, rel=1e-12)
    assert float(ds["colocation_lease_mw_days"]) == pytest.approx(MW * N_DAYS, rel=1e-12)
    # the re-let's own lease-up: 30 days instead of 10
    slow = simulate_all(scenario({**project, "relet_lease_up_days": 30})).isel(path=0)
    slow_revenue = sum(RENT_USD_PER_DAY * (ramp(0.5, 1.0, 10, d - 1) if start == 1 else ramp(0.5, 1.0, 30, d - start))
                       for d, start in let_from.items())
    assert float(slow["colocation_lease_revenue_usd"]) == pytest.approx(slow_revenue, rel=1e-12)
    # renewal_prob 1 (the default): the term renews at the market (the same flat rate) and the hall stays let
    renewed = simulate_all(scenario({**project, "renewal_prob": 1.0})).isel(path=0)
    assert float(renewed["colocation_lease_revenue_usd"]) == pytest.approx(
        sum(RENT_USD_PER_DAY * ramp(0.5, 1.0, 10, d - 1) for d in range(1, N_DAYS + 1)), rel=1e-12)


def test_a_default_re_lets_on_the_re_lets_lease_up():
    """A tenant that defaults with certainty (probability 1 a year: a daily hazard of 1) and no downtime: every day
    the hall is re-let at once and the re-let's lease-up (30 days from 25 %) restarts, so each day lets only the
    initial 25 %; with a first lease-up of 30 days and no default the ramp would have run its course."""
    project = lease(tenant_default_prob_per_year=1.0, downtime_days=0, initial_occupancy_frac=0.25,
                    lease_up_days=30)
    ds = simulate_all(scenario(project)).isel(path=0)
    assert float(ds["colocation_lease_revenue_usd"]) == pytest.approx(0.25 * N_DAYS * RENT_USD_PER_DAY, rel=1e-12)
    no_default = simulate_all(scenario({**project, "tenant_default_prob_per_year": 0.0})).isel(path=0)
    assert float(no_default["colocation_lease_revenue_usd"]) == pytest.approx(
        sum(RENT_USD_PER_DAY * ramp(0.25, 1.0, 30, d - 1) for d in range(1, N_DAYS + 1)), rel=1e-12)


def test_each_paths_renewal_is_its_own_first_renewal_uniform_and_ignores_the_chunking():
    """renewal_prob 0.5, a 30-day term (days 1..30) and 40 days of downtime, horizon 50: path p renews on day 31 iff
    the first uniform of its ``renewal`` stream (seed 1) is below 0.5, then earns on days 31..50; else it earns
    nothing after day 30. Chunks of 2 or 5 paths give the same paths."""
    project = lease(term_years=30 / 365, renewal_prob=0.5, downtime_days=40)
    n_paths = 10
    expected = []
    for p in range(n_paths):
        renews = path_generator(1, p, "renewal").random() < 0.5
        expected.append(RENT_USD_PER_DAY * (50 if renews else 30))
    assert 0 < sum(e > 31 * RENT_USD_PER_DAY for e in expected) < n_paths, "every path alike; pick another seed"
    for chunk in (2, 5):
        ds = simulate_all(scenario(project, horizon_days=50, n_paths=n_paths, chunk_paths=chunk))
        np.testing.assert_allclose(ds["colocation_lease_revenue_usd"].values, expected, rtol=1e-12)


def test_speculative_lease_up_counts_only_the_share_let_at_the_nav_date():
    """A one-year lease (days 1..365) let at 40 % on day 1 ramping to 100 % over 200 days: at the 120-day horizon
    0.4 + 0.6 x 119 / 200 of the hall is let; only that share of the rest of the term (days 121..365) counts, net of
    the 10 % operating share, discounted at the contract rate."""
    project = lease(term_years=1.0, initial_occupancy_frac=0.4, lease_up_days=200)
    share_let = 0.4 + 0.6 * 119 / 200
    flows = {d: share_let * rent_per_day(MW, RATE_USD_PER_KW_MONTH) * 0.9 for d in range(1, 366)}
    ds = simulate_all(scenario(project)).isel(path=0)
    assert float(ds["contracted_value_usd"]) == pytest.approx(pv_by_day(flows, N_DAYS, RATE), rel=1e-9)


def test_a_signed_lease_up_schedule_counts_each_days_occupancy():
    """The same lease with its ramp contracted (lease_up_contracted): day d of 121..200 counts at
    0.4 + 0.6 x (d - 1) / 200 of the rent, days 201..365 at the whole rent."""
    project = lease(term_years=1.0, initial_occupancy_frac=0.4, lease_up_days=200, lease_up_contracted=True)
    flows = {d: ramp(0.4, 1.0, 200, d - 1) * rent_per_day(MW, RATE_USD_PER_KW_MONTH) * 0.9 for d in range(1, 366)}
    ds = simulate_all(scenario(project)).isel(path=0)
    assert float(ds["contracted_value_usd"]) == pytest.approx(pv_by_day(flows, N_DAYS, RATE), rel=1e-9)


def test_a_lease_still_being_built_counts_its_initial_share_unless_the_ramp_is_signed():
    """Build started on day 50 for 200 days (no capex): the term runs days 250..614. At the horizon (day 120) a
    speculative lease-up counts the 40 % pre-let on the earn day over the whole term; a signed one its ramp from
    day 250 (0.4 + 0.6 x (d - 250) / 100 until day 349, then the whole rent)."""
    for contracted in (False, True):
        project = lease(term_years=1.0, initial_occupancy_frac=0.4, lease_up_days=100, build_days=200,
                        lease_up_contracted=contracted)
        share = {d: ramp(0.4, 1.0, 100, d - 250) if contracted else 0.4 for d in range(250, 615)}
        flows = {d: share[d] * rent_per_day(MW, RATE_USD_PER_KW_MONTH) * 0.9 for d in range(250, 615)}
        ds = simulate_all(scenario(project, day=50)).isel(path=0)
        assert float(ds["contracted_value_usd"]) == pytest.approx(pv_by_day(flows, N_DAYS, RATE), rel=1e-9)


def test_idle_after_a_non_renewal_the_hall_has_no_contracted_value():
    """A 100-day term (days 1..100) that does not renew and 60 days of downtime: on day 120 the hall is idle and
    nothing is contracted (a re-let is not yet signed)."""
    project = lease(term_years=100 / 365, renewal_prob=0.0, downtime_days=60)
    ds = simulate_all(scenario(project)).isel(path=0)
    assert float(ds["colocation_lease_revenue_usd"]) == pytest.approx(100 * RENT_USD_PER_DAY, rel=1e-12)
    assert float(ds["contracted_value_usd"]) == 0.0


@pytest.mark.parametrize("field, value, words", [
    ("initial_occupancy_frac", 0.0, ("initial_occupancy_frac", "0.0", "greater than 0")),
    ("stabilised_occupancy_frac", 1.5, ("stabilised_occupancy_frac", "1.5", "less than or equal to 1")),
    ("lease_up_days", -5, ("lease_up_days", "-5", "greater than or equal to 0")),
    ("relet_lease_up_days", -1, ("relet_lease_up_days", "-1", "greater than or equal to 0")),
    ("renewal_prob", 1.2, ("renewal_prob", "1.2", "less than or equal to 1")),
])
def test_bad_lease_up_inputs_name_the_field_value_and_range(field, value, words):
    from hashpivot.errors import ScenarioError

    with pytest.raises(ScenarioError) as err:
        from_dict(scenario(lease(**{field: value})), "bad lease-up")
    for word in words:
        assert word in str(err.value)


def test_an_initial_occupancy_above_the_stabilised_one_is_refused():
    from hashpivot.errors import ScenarioError

    with pytest.raises(ScenarioError) as err:
        from_dict(scenario(lease(initial_occupancy_frac=0.9, stabilised_occupancy_frac=0.6)), "bad lease-up")
    for word in ("initial_occupancy_frac=0.9", "stabilised_occupancy_frac=0.6", "allowed"):
        assert word in str(err.value)
