"""Scale-out (issue 12): a run split into tasks, in-process or on a LocalCluster of 2 worker processes that the
tests start and stop, gives the in-process result bit for bit; a sweep equals its separate runs; a worker killed
mid-sweep is retried by Dask with the same result; bad sweep axes fail with exit 2 before any task runs."""

from __future__ import annotations

import os
import signal

import numpy as np
import pytest
from typer.testing import CliRunner

from cli_helpers import assert_bad_input
from hashpivot import api
from hashpivot.cli import app
from hashpivot.errors import ScenarioError
from hashpivot.parallel.tasks import split_paths
from hashpivot.scenarios.variants import coordinate_names, replace

N_PATHS = 200  # four blocks of 64 paths and a partial one
AXES = {"company.sites.texas.power_price_usd_per_mwh": [35.0, 45.0, 55.0], "policy.treasury.kind": ["sell_all",
                                                                                                   "hold_all"]}


def small(name: str = "default"):
    """A preset at N_PATHS paths and three years, so that tasks are quick."""
    sc = api.load(name, n_paths=N_PATHS)
    return replace(replace(sc, "run.horizon_days", 3 * 365), "run.store_paths", 70)


@pytest.fixture(scope="module")
def reference():
    return api.run(small())


def assert_same_result(got, want) -> None:
    assert got.policies == want.policies
    for name in want.dataset.data_vars:
        np.testing.assert_array_equal(got.dataset[name].values, want.dataset[name].values, err_msg=name)
    assert got.summary.equals(want.summary)
    assert got.win_rate.equals(want.win_rate)


def test_split_paths_covers_every_path_once_in_whole_blocks():
    for n, k in [(1, 1), (200, 7), (1000, 3), (64, 5), (10_000_000, 500)]:
        parts = split_paths(n, k)
        assert parts[0][0] == 0 and sum(c for _, c in parts) == n
        assert all(a + c == b for (a, c), (b, _) in zip(parts, parts[1:], strict=False))
        assert all(c % 64 == 0 for _, c in parts[:-1])


@pytest.mark.parametrize("n_tasks", [1, 2, 7])
def test_a_run_split_in_process_is_the_run(reference, n_tasks):
    assert_same_result(api.run(small(), n_tasks=n_tasks), reference)


def test_tasks_of_any_size_give_the_run(reference):
    assert_same_result(api.run(small(), task_paths=128), reference)  # two blocks of 64 paths a task


def assert_same_finals(got, want) -> None:
    """``got`` keeps only the summary's per-path inputs; they, the summary and the win rates are ``want``'s."""
    from hashpivot.engine.result import FINALS

    assert got.dataset.attrs["per_path"] == "finals" and want.dataset.attrs["per_path"] == "all"
    assert sorted(n for n, v in got.dataset.data_vars.items() if v.dims == ("policy", "path")) == sorted(FINALS)
    for name in got.dataset.data_vars:
        np.testing.assert_array_equal(got.dataset[name].values, want.dataset[name].values, err_msg=name)
    assert got.summary.equals(want.summary)
    assert got.win_rate.equals(want.win_rate)


@pytest.mark.parametrize("n_tasks", [1, 2, 7])
def test_a_run_that_keeps_only_the_finals_has_the_same_summary(reference, n_tasks):
    assert_same_finals(api.run(small(), n_tasks=n_tasks, kept="finals"), reference)


def test_the_run_command_says_when_only_the_finals_were_kept(monkeypatch):
    import json

    from hashpivot.engine.budget import MEMORY_LIMIT_ENV_VAR, client_bytes

    sc = api.load("rm1", n_paths=N_PATHS)
    full, finals = client_bytes(sc, 1, 1, "all"), client_bytes(sc, 1, 1, "finals")
    monkeypatch.setenv(MEMORY_LIMIT_ENV_VAR, str((full + finals) / 2))
    real_run = api.run  # split in-process into 2 tasks, as a cluster would split it
    monkeypatch.setattr(api, "run", lambda *a, **k: real_run(*a, **{**k, "n_tasks": 2}))
    result = CliRunner().invoke(app, ["run", "rm1", "--paths", str(N_PATHS), "--no-store", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["per_path"] == "finals"


def test_a_metric_with_one_value_on_every_path_travels_as_one_value():
    from hashpivot.engine.run import finals_of, simulate_paths
    from hashpivot.engine.state import TERMINAL_COLUMNS
    from hashpivot.scenarios.selection import select_capacity, select_policies

    sc = small("rm1")
    part = simulate_paths(sc, select_policies(sc, None), select_capacity(sc, None), 64, 64)
    finals = finals_of(sc, part)
    # RM1 runs a mining fleet and one colocation lease: the site lease's and the GPU cloud's margins are NaN on
    # every path (no MW-days), and the shares never change (no issuance): one value each.
    for name in ("site_lease_margin_usd_per_mw_day", "gpu_cloud_margin_frac", "shares"):
        assert finals.metrics[name].shape == (), name
    assert np.isnan(finals.metrics["gpu_cloud_margin_frac"])
    assert finals.metrics["shares"] == sc.company.shares_outstanding
    assert finals.metrics["nav_usd"].shape == (1, 64)
    assert finals.nbytes < part.terminal.nbytes + part.monthly.nbytes + part.market_monthly.nbytes + \
        part.project_flows.nbytes
    assert part.terminal.shape[-1] == len(TERMINAL_COLUMNS)


def test_the_merger_writes_out_a_metric_once_two_parts_bring_different_values():
    import dataclasses

    from hashpivot.engine.run import Merger, finals_of, simulate_paths
    from hashpivot.scenarios.selection import select_capacity, select_policies

    sc = replace(small("rm1"), "run.n_paths", 128)
    treasury, plans = select_policies(sc, None), select_capacity(sc, None)
    parts = [finals_of(sc, simulate_paths(sc, treasury, plans, first, 64)) for first in (64, 0)]
    # Each part's share count is one value, a different one in each part (as if one range had issued equity).
    parts = [dataclasses.replace(p, metrics={**p.metrics, "shares": np.array(float(k + 1))})
             for k, p in enumerate(parts)]
    merger = Merger(sc, treasury, plans, "finals")
    for part in parts:
        merger.add(part)
    shares = merger.result().dataset["shares"].values
    assert shares.strides != (0, 0)  # written out, not a broadcast
    np.testing.assert_array_equal(shares[0], [2.0] * 64 + [1.0] * 64)
    merger.add(parts[0])
    with pytest.raises(ValueError, match="not exactly once"):
        merger.result()


def test_a_split_run_keeps_every_value_when_the_client_can_hold_them_and_the_finals_when_not(monkeypatch):
    from hashpivot.engine.budget import MEMORY_LIMIT_ENV_VAR, WorkTooLargeError, client_bytes

    sc = small()
    n_pol = len(sc.treasury_policies())
    full, finals = client_bytes(sc, n_pol, 0, "all"), client_bytes(sc, n_pol, 0, "finals")
    assert finals < full
    assert api.run(sc, n_tasks=2).dataset.attrs["per_path"] == "all"
    monkeypatch.setenv(MEMORY_LIMIT_ENV_VAR, str((full + finals) / 2))
    assert api.run(sc, n_tasks=2).dataset.attrs["per_path"] == "finals"
    monkeypatch.setenv(MEMORY_LIMIT_ENV_VAR, str(finals / 2))
    with pytest.raises(WorkTooLargeError, match="run.n_paths=200 .* the client would hold"):
        api.run(sc, n_tasks=2)


@pytest.fixture(scope="module")
def cluster():
    from hashpivot.parallel.executor import connect

    with connect(workers=2) as client:
        yield client


@pytest.mark.slow
@pytest.mark.parametrize("n_tasks", [1, 2, 7])
def test_a_run_split_on_two_workers_is_the_run(reference, cluster, n_tasks):
    assert_same_result(api.run(small(), client=cluster, n_tasks=n_tasks), reference)


@pytest.mark.slow
def test_the_finals_of_a_run_on_two_workers_are_the_run(reference, cluster):
    assert_same_finals(api.run(small(), client=cluster, n_tasks=7, kept="finals"), reference)


@pytest.mark.slow
@pytest.mark.shared_data
def test_a_bootstrap_run_on_two_workers_is_the_run(cluster):
    # The price process resamples the real chain's history: the workers get it once (scattered), not per task.
    from conftest import SHARED_CSV

    sc = replace(replace(small(), "market.btc_price", {"kind": "bootstrap", "since": "2016-01-01",
                                                             "start_usd": 64_000.0}),
                 "run.horizon_days", 400)
    want = api.run(sc, data=SHARED_CSV)
    assert_same_result(api.run(sc, data=SHARED_CSV, client=cluster, n_tasks=4), want)


@pytest.mark.slow
def test_one_worker_gives_the_same_run(reference):
    from hashpivot.parallel.executor import connect

    with connect(workers=1) as client:
        assert_same_result(api.run(small(), client=client, n_tasks=3), reference)


def test_a_grid_sweep_equals_its_six_runs():
    base = small()
    result = api.sweep(base, axes=AXES)
    assert result.n_variants == 6
    names = coordinate_names(list(AXES))
    for i, (price, kind) in enumerate([(p, k) for p in AXES["company.sites.texas.power_price_usd_per_mwh"]
                                       for k in AXES["policy.treasury.kind"]]):
        one = replace(replace(base, "company.sites.texas.power_price_usd_per_mwh", price), "policy.treasury.kind", kind)
        separate = api.run(one, policies=[kind], capacity=[one.policy.capacity.name or one.policy.capacity.kind])
        rows = result.summary[result.summary["variant"] == i]
        assert list(rows[names["policy.treasury.kind"]].unique()) == [kind]
        assert rows[["policy", "metric", "stat", "value"]].reset_index(drop=True).equals(separate.summary)
        np.testing.assert_array_equal(result.dataset["nav_usd"].values[i, 0], separate.dataset["nav_usd"].values[0])


def assert_each_variant_is_its_own_run(result, base, axes: dict) -> None:
    """Each variant of a sweep over the start price x the texas site's power price has the NAV of its own run."""
    for i, (start, price) in enumerate([(s, p) for s in axes["market.btc_price.start_usd"]
                                        for p in axes["company.sites.texas.power_price_usd_per_mwh"]]):
        one = replace(replace(base, "market.btc_price.start_usd", start),
                      "company.sites.texas.power_price_usd_per_mwh", price)
        separate = api.run(one, policies=[one.policy.treasury.kind], capacity=[one.policy.capacity.kind])
        np.testing.assert_array_equal(result.dataset["nav_usd"].values[i, 0], separate.dataset["nav_usd"].values[0])


def test_variants_that_share_a_market_draw_it_once_and_give_their_separate_runs(monkeypatch):
    """In-process, a sweep runs the variants with one market together (engine.run.simulate_paths_many): a market
    axis crossed with a company axis makes two groups of three; cut into batches of two, the numbers are still each
    variant's own run, and scenarios with different markets are refused together."""
    from hashpivot.engine.run import simulate_paths_many
    from hashpivot.parallel import executor

    drawn = []
    real = executor.__dict__.get("GROUP_VARIANTS")
    monkeypatch.setattr(executor, "GROUP_VARIANTS", 2)
    import hashpivot.engine.run as engine_run

    build = engine_run.build_market
    monkeypatch.setattr(engine_run, "build_market", lambda sc, *a, **k: drawn.append(sc.market.btc_price.start_usd)
                        or build(sc, *a, **k))
    base = small()
    axes = {"market.btc_price.start_usd": [50_000.0, 70_000.0],
            "company.sites.texas.power_price_usd_per_mwh": [35.0, 45.0, 55.0]}
    result = api.sweep(base, axes=axes)
    chunks = -(-N_PATHS // base.run.chunk_paths)
    assert len(drawn) == 4 * chunks and real == 16  # 2 markets x 2 batches (2 + 1 variants), not 6 draws
    assert_each_variant_is_its_own_run(result, base, axes)
    other = replace(base, "market.btc_price.start_usd", 1.0)
    with pytest.raises(ValueError, match="markets differ"):
        simulate_paths_many([(base, base.treasury_policies()[:1], base.capacity_policies()[:1]),
                             (other, other.treasury_policies()[:1], other.capacity_policies()[:1])], 0, N_PATHS)


def test_split_tasks_carry_the_variants_of_one_market_together(monkeypatch):
    """Split into tasks (as on Dask), the variants that share a market travel in one task per range of paths: two
    markets x three power prices in batches of two make 2 x 2 task groups, each range's market is drawn once per
    group, and every variant still gets its own run's numbers."""
    import hashpivot.engine.run as engine_run
    from hashpivot.parallel import executor

    monkeypatch.setattr(executor, "GROUP_VARIANTS", 2)
    axes = {"market.btc_price.start_usd": [50_000.0, 70_000.0],
            "company.sites.texas.power_price_usd_per_mwh": [35.0, 45.0, 55.0]}
    base = small()
    variants = [executor.Variant(v.scenario, tuple(v.scenario.capacity_policies()[:1]),
                                 tuple(v.scenario.treasury_policies()[:1])) for v in api.sweep_variants(base, axes)[1]]
    tasks = executor.tasks_of(variants, n_tasks=2, first=4)
    # variant 4 (70,000 USD, 45 USD/MWh) first, with 3 then 5 of its market; then 0 and 1, then 2.
    assert [t.variants for t in tasks] == [(4, 3), (4, 3), (5,), (5,), (0, 1), (0, 1), (2,), (2,)]
    assert [(t.first_path, t.n_paths) for t in tasks[:2]] == [(0, 128), (128, N_PATHS - 128)]

    drawn = []
    build = engine_run.build_market
    monkeypatch.setattr(engine_run, "build_market", lambda sc, *a, **k: drawn.append(1) or build(sc, *a, **k))
    result = api.sweep(base, axes=axes, n_tasks=2)
    chunks_per_task = [-(-n // base.run.chunk_paths) for n in (128, N_PATHS - 128)]
    assert len(drawn) == 4 * sum(chunks_per_task)  # 4 task groups, not 6 variants
    monkeypatch.setattr(engine_run, "build_market", build)
    assert_each_variant_is_its_own_run(result, base, axes)


def test_a_sweep_without_per_path_finals_has_the_same_differences_in_any_arrival_order():
    from hashpivot.analysis.sweep import SweepCollector
    from hashpivot.scenarios.sweep import SweepSpec

    base = small().model_copy(update={"sweep": SweepSpec(axes=AXES, baseline_index=2)})
    kept = api.sweep(base)
    light = api.sweep(base, keep_paths=False)
    assert kept.dataset.attrs["per_path"] == "finals" and light.dataset.attrs["per_path"] == "none"
    assert "nav_usd" not in light.dataset and light.n_paths == N_PATHS
    assert light.differences.equals(kept.differences)
    assert light.summary.equals(kept.summary)
    np.testing.assert_array_equal(light.dataset["win_rate_vs_baseline"].values,
                                  kept.dataset["win_rate_vs_baseline"].values)
    # The win rate against the baseline, by hand from the kept finals: NAV per share above the baseline's.
    nps = kept.dataset["nav_per_share_usd"].values[:, 0, :]
    np.testing.assert_array_equal(kept.dataset["win_rate_vs_baseline"].values[:, 0], (nps > nps[2]).mean(axis=1))
    # Variants that arrive before the baseline wait for it; the table is the same.
    runs = [api.run(v.scenario, policies=[v.scenario.policy.treasury.label]) for v in api.sweep_variants(base)[1]]
    late = SweepCollector(coordinate_names(list(AXES)), [v.values for v in api.sweep_variants(base)[1]], 2, False)
    for i in reversed(range(len(runs))):
        late.add(i, runs[i])
    assert late.result(2, base, kept.seed, kept.version).differences.equals(kept.differences)
    stored = light.as_run()
    assert np.isnan(stored.win_rate.to_numpy()).sum() == stored.win_rate.size - (light.n_variants - 1)


def test_paired_differences_are_taken_path_by_path():
    result = api.sweep(small(), axes={"company.sites.texas.power_price_usd_per_mwh": [35.0, 55.0]})
    nav = result.dataset["nav_usd"].values[:, 0, :]
    d = nav[1] - nav[0]
    row = result.differences[(result.differences["variant"] == 1) & (result.differences["metric"] == "nav_usd")]
    assert float(row["mean_difference"].iloc[0]) == pytest.approx(d.mean(), rel=1e-12)
    assert float(row["standard_error"].iloc[0]) == pytest.approx(d.std(ddof=1) / np.sqrt(d.size), rel=1e-12)
    # Common random numbers: the paired error is far below that of two independent means.
    independent = np.sqrt(nav[0].var(ddof=1) / d.size + nav[1].var(ddof=1) / d.size)
    assert float(row["standard_error"].iloc[0]) < 0.5 * independent
    assert float(row["mean_difference"].iloc[0]) < 0  # dearer power never raises NAV


@pytest.mark.slow
def test_a_sweep_on_two_workers_survives_a_killed_worker(cluster):
    base = small()
    want = api.sweep(base, axes=AXES)
    killed = []

    def kill_one(done: int, total: int) -> None:
        if not killed:
            pid = next(iter(cluster.run(os.getpid).values()))
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

    got = api.sweep(base, axes=AXES, client=cluster, n_tasks=3, progress=kill_one)
    assert killed
    assert got.summary.equals(want.summary)
    assert got.differences.equals(want.differences)
    np.testing.assert_array_equal(got.dataset["nav_usd"].values, want.dataset["nav_usd"].values)


@pytest.mark.slow
def test_ctrl_c_during_a_sweep_on_the_cluster_cancels_every_pending_task(cluster):
    import time

    def interrupt(done, total):
        raise KeyboardInterrupt  # what Ctrl-C raises in the client's main thread, after the first task is in

    with pytest.raises(KeyboardInterrupt):
        api.sweep(small(), axes=AXES, client=cluster, n_tasks=3, progress=interrupt)
    left = None
    for _ in range(100):  # the scheduler forgets cancelled tasks within moments; allow 10 s on a loaded machine
        left = cluster.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks))
        if left == 0:
            break
        time.sleep(0.1)
    assert left == 0


@pytest.mark.parametrize(("axis", "words"), [
    ("company.sites.texsa.power_price_usd_per_mwh=35,45", ["company.sites.texsa", "texas"]),
    ("company.sites.texas.power_price_usd_per_mhw=35", ["power_price_usd_per_mhw", "power_price_usd_per_mwh"]),
    ("company.sites.texas.power_price_usd_per_mwh=35,cheap", ["cheap", "power_price_usd_per_mwh"]),
    ("company.sites.texas.power_price_usd_per_mwh=35,-5", ["-5", "power_price_usd_per_mwh"]),
    ("policy.treasury.kind=sell_all,sell_some", ["sell_some", "sell_all"]),
    ("run.n_paths", ["--set", "PATH=V1,V2"]),
    # the variants run on the same paths: one count for them all (a sweep over it broke on unequal arrays)
    ("run.n_paths=10,20", ["sweep axis run.n_paths", "same paths", "share one n_paths", "--paths N"]),
    ("run.seed=1,2", ["sweep axis run.seed", "same paths", "share one seed", "--seed S"]),
])
def test_bad_sweep_axes_exit_2_before_any_task(monkeypatch, axis, words):
    import hashpivot.parallel.executor as executor

    def no_task(*args, **kwargs):
        raise AssertionError("a task ran")

    monkeypatch.setattr(executor.Executor, "run_variants", no_task)
    result = CliRunner().invoke(app, ["sweep", "default", "--set", axis, "--paths", "64", "--no-store", "--workers",
                                      "2"])
    assert_bad_input(result, *words)


def test_a_zip_sweep_pairs_the_axes_and_rejects_unequal_lengths():
    result = api.sweep(small(), axes={"company.sites.texas.power_price_usd_per_mwh": [35.0, 45.0],
                                      "company.fixed_opex_usd_per_day": [1e5, 2e5]}, mode="zip")
    assert result.n_variants == 2
    with pytest.raises(ScenarioError, match="lengths"):
        api.sweep(small(), axes={"company.sites.texas.power_price_usd_per_mwh": [35.0, 45.0],
                                 "company.fixed_opex_usd_per_day": [1e5]}, mode="zip")


def test_a_sweep_table_in_the_scenario_samples_ranges():
    from hashpivot.scenarios.sweep import SweepSpec

    base = small().model_copy(update={"sweep": SweepSpec(ranges={"company.sites.texas.power_price_usd_per_mwh":
                                                                 (30.0, 60.0)}, n_samples=4, method="lhs")})
    spec, variants = api.sweep_variants(base)
    prices = [v.values["company.sites.texas.power_price_usd_per_mwh"] for v in variants]
    assert len(prices) == 4 and all(30.0 <= p <= 60.0 for p in prices)
    # Latin hypercube: one sample in each quarter of the range.
    assert sorted(int((p - 30.0) // 7.5) for p in prices) == [0, 1, 2, 3]


def test_the_sweep_command_prints_records_and_shows_a_run(tmp_path):
    store = tmp_path / "runs.duckdb"
    runner = CliRunner()
    out = runner.invoke(app, ["sweep", "rm1", "--set", "company.sites.main.power_price_usd_per_mwh=40,50",
                              "--paths", "64", "--store", str(store), "--json"])
    assert out.exit_code == 0, out.output
    import json

    payload = json.loads(out.stdout)
    assert [v["company.sites.main.power_price_usd_per_mwh"] for v in payload["variants"]] == [40, 50]
    shown = runner.invoke(app, ["runs", "show", str(payload["run_id"]), "--store", str(store)])
    assert shown.exit_code == 0, shown.output
    assert "v1: power_price_usd_per_mwh=50" in shown.stdout.replace("\n", "")
