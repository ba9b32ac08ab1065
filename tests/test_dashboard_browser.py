"""The dashboard in a real browser: `hashpivot dashboard` on a free localhost port, driven by Playwright in
Debian's headless Chromium (/usr/bin/chromium; never a downloaded browser).

Finds the answer at a glance on arrival (no press), moves the paths and power-price sliders, runs, reads the new
answer, and checks that the sortable comparison, insolvency (with its machines-always-on twin) and win-rate tables hold
the preset's policies and that plotly drew every chart (the market fan among them) with traces; on the calculator
page reads the hashprice and, after a power-price change, the break-even hashprice against hand calculations from the
chain table, then sends the inputs to a Monte Carlo run with one click; on the hashprice page checks the chart and
2024's mean hashprice by hand. Saves screenshots in the test's tmp folder.
Skipped, with the reason, only where Chromium or the playwright package is missing and CI is not set;
under CI a missing browser fails the test.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from hashpivot.scenarios.toml import load_preset, to_toml

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
#: Flags this machine's Chromium needs (no sandbox as root, no GPU, no background network traffic).
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]
STARTUP_TIMEOUT_S = 45
RUN_TIMEOUT_MS = 60_000
#: A copy of the last screenshot, for people looking at it by hand.
SCREENSHOT_COPY = Path(tempfile.gettempdir()) / "dashboard.png"


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _require_browser(chromium: Path = CHROMIUM):
    """The playwright sync API, or a skip (locally) / failure (CI) saying what is missing."""
    missing = []
    if not (chromium.is_file() and os.access(chromium, os.X_OK)):
        missing.append(f"Chromium is not installed at {chromium} (apt-get install -y chromium; `make test` tries)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing.append("the playwright package is not installed (pip install -e '.[dev]')")
        sync_playwright = None
    if missing:
        reason = "browser test needs a browser: " + "; ".join(missing)
        if _in_ci():
            pytest.fail(reason + " (CI is set, so this is a failure, not a skip)")
        pytest.skip(reason)
    return sync_playwright


def test_a_missing_browser_skips_locally_and_fails_under_ci(monkeypatch, tmp_path):
    absent = tmp_path / "no-chromium"
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=f"Chromium is not installed at {absent}"):
        _require_browser(absent)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI is set, so this is a failure, not a skip"):
        _require_browser(absent)


@pytest.fixture(scope="module")
def playwright_api():
    """Checked before the server starts, so a missing browser costs nothing."""
    return _require_browser()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_healthy(url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the dashboard exited with code {server.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    pytest.fail(f"the dashboard did not answer within {STARTUP_TIMEOUT_S} s:\n{log.read_text()}")


@pytest.fixture(scope="module")
def dashboard_url(playwright_api, tmp_path_factory):
    """`hashpivot dashboard --port N` in a subprocess; its URL once it answers. Stopped afterwards."""
    folder = tmp_path_factory.mktemp("dashboard")
    port = _free_port()
    log = folder / "dashboard.log"
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "HOME": str(folder)}  # no ~/.streamlit of the user
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-c", "from hashpivot.cli import main; main()", "dashboard", "--port", str(port)],
            stdout=out, stderr=subprocess.STDOUT, env=env, cwd=folder, start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, server, log)
        yield url
    finally:
        # the command and the Streamlit server it started share a new session: stop the whole group
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


@pytest.fixture
def page(playwright_api, dashboard_url, tmp_path):
    """A page of a fresh headless Chromium (new, empty --user-data-dir: a new dashboard session), open
    on the dashboard and ready to use."""
    with _fresh_page(playwright_api, tmp_path) as page:
        page.goto(dashboard_url)
        page.get_by_role("button", name="Run simulation").wait_for(timeout=RUN_TIMEOUT_MS)
        yield page


@contextlib.contextmanager
def _fresh_page(playwright_api, tmp_path, height: int = 1000):
    """A page of a fresh headless Chromium with a new, empty --user-data-dir (a new dashboard session)."""
    with playwright_api() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"), executable_path=str(CHROMIUM), headless=True,
            args=CHROMIUM_FLAGS, viewport={"width": 1600, "height": height},
        )
        try:
            yield context.new_page()
        finally:
            context.close()


def _thumb(page, key: str) -> str:
    """The value a slider shows on its thumb."""
    return page.locator(f".st-key-{key} [data-testid='stSliderThumbValue']").inner_text().strip()


def test_dashboard_runs_and_draws(page, tmp_path):
    expected = [p.label for p in load_preset("default").treasury_policies()]
    run_button = page.get_by_role("button", name="Run simulation")
    # The first screen answers without a press: the default preset runs on arrival (45 USD/MWh).
    answer = page.locator(".st-key-answer")
    answer.get_by_text("power at 45 USD/MWh", exact=False).wait_for(timeout=RUN_TIMEOUT_MS)
    first_answer = answer.inner_text()
    assert "What a MW earns:" in first_answer and "2,000 paths" in first_answer

    # sliders: fewest paths (Home), power price up by 5 steps of 1 USD/MWh
    assert _thumb(page, "n_paths") == "2000"
    page.get_by_role("slider", name="Monte Carlo paths").focus()
    page.keyboard.press("Home")
    _wait_thumb(page, "n_paths", "100")
    assert _thumb(page, "power_price") == "45"
    page.get_by_role("slider", name="Power price, site contract [USD/MWh]").focus()
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    _wait_thumb(page, "power_price", "50")

    run_button.click()
    table = page.locator(".st-key-comparison [data-testid='stDataFrame'] table")
    table.wait_for(state="attached", timeout=RUN_TIMEOUT_MS)  # the grid's accessible table is hidden
    page.get_by_text("100 paths", exact=False).first.wait_for(timeout=RUN_TIMEOUT_MS)
    # every chart drawn, with traces
    page.wait_for_function(
        "() => document.querySelectorAll('.js-plotly-plot .main-svg .scatterlayer .trace').length > 0"
        " && document.querySelectorAll('.js-plotly-plot .main-svg .barlayer .trace').length > 0",
        timeout=RUN_TIMEOUT_MS,
    )

    # The comparison is a sortable grid (st.dataframe): its accessible table holds a row per policy
    table.locator("tbody tr").nth(len(expected) - 1).wait_for(state="attached", timeout=RUN_TIMEOUT_MS)
    assert _first_column(table) == expected
    assert "NAV median [USD]" in _headers(table)
    # The new figure: the answer now reads the run at 50 USD/MWh on 100 paths, and what a MW earns moved.
    answer.get_by_text("power at 50 USD/MWh", exact=False).wait_for(timeout=RUN_TIMEOUT_MS)
    new_answer = answer.inner_text()
    assert "100 paths" in new_answer and "Best policy" in new_answer and "USD/MW-year" in new_answer
    earns = [text.split("What a MW earns:")[1].split(";")[0] for text in (first_answer, new_answer)]
    assert earns[0] != earns[1], earns
    # NAV, BTC held, the market, margins, insolvency, win rate: each drawn (plotly draws them one by one)
    for key in ("fan_nav", "fan_btc", "market", "margin", "insolvency", "win_rate"):
        page.locator(f".st-key-{key} .js-plotly-plot").first.wait_for(timeout=RUN_TIMEOUT_MS)
    # while Streamlit swaps the previous run's elements for this run's, a chart can be there twice for a moment
    page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length === 6", timeout=RUN_TIMEOUT_MS)
    # the market: hashprice, BTC price and network hashrate, each two bands (two lines each) and the median
    page.wait_for_function(
        "() => document.querySelectorAll('.st-key-market .js-plotly-plot .scatterlayer .trace').length === 15",
        timeout=RUN_TIMEOUT_MS)
    # The insolvency table: every policy, under economic shutdown and with machines always on (the default preset's
    # site is flexible, so the twin runs), as percentages
    insolvency = page.locator(".st-key-insolvency_table [data-testid='stDataFrame'] table")
    insolvency.wait_for(state="attached", timeout=RUN_TIMEOUT_MS)  # the grid's accessible table is hidden
    assert _first_column(insolvency) == expected
    assert _headers(insolvency)[1:] == ["P(insolvency), economic shutdown [%]", "P(insolvency), machines always on [%]"]
    win = page.locator(".st-key-win_rate_table [data-testid='stDataFrame'] table")
    assert _first_column(win) == expected
    assert page.locator("[data-testid='stException']").count() == 0
    for name in ("Download the HTML report", "Download the scenario TOML", "Download the comparison (CSV)",
                 "Download the insolvency table (CSV)", "Download the win rates (CSV)"):
        assert page.get_by_role("button", name=name).is_visible(), name

    # Streamlit scrolls inside its main block: a tall window shows the whole page in one picture
    page.set_viewport_size({"width": 1600, "height": 3600})
    page.wait_for_timeout(1000)
    shot = tmp_path / "dashboard.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    shutil.copyfile(shot, SCREENSHOT_COPY)


def test_a_bad_upload_shows_the_scenario_error(page, tmp_path):
    typo = tmp_path / "typo.toml"
    typo.write_text(to_toml(load_preset("rm1")).replace("horizon_days", "horizon_dayz"))
    page.locator(".st-key-upload input[type='file']").set_input_files(str(typo))
    from playwright.sync_api import expect  # present: the page fixture needed it

    error = page.locator(".st-key-error")
    expect(error).to_contain_text("The uploaded scenario cannot be used", timeout=RUN_TIMEOUT_MS)
    expect(error).to_contain_text(
        "typo.toml: run.horizon_dayz = 3650: unknown key; did you mean horizon_days? allowed keys here:",
        timeout=RUN_TIMEOUT_MS)
    expect(page.get_by_role("button", name="Run simulation")).to_have_count(0, timeout=RUN_TIMEOUT_MS)
    page.screenshot(path=str(tmp_path / "bad-upload.png"))


def _wait_thumb(page, key: str, value: str) -> None:
    page.wait_for_function(
        "([key, value]) => document.querySelector(`.st-key-${key} [data-testid='stSliderThumbValue']`)"
        ".innerText.trim() === value",
        arg=[key, value],
    )


def _headers(table) -> list[str]:
    """The column headers of a grid's accessible table."""
    return [t.strip() for t in table.locator("thead th").all_text_contents()]


def _first_column(table) -> list[str]:
    """The first cell of each body row of a grid's accessible table (the index: policies)."""
    return [row.locator("td").first.text_content().strip() for row in table.locator("tbody tr").all()]


def _chain_table_or_skip():
    """The chain table of $HASHPIVOT_DATA (set by make test), else a skip: the calculator and the hashprice page
    read it."""
    import pandas as pd

    path = os.environ.get("HASHPIVOT_DATA", "")
    if not path or not Path(path).is_file():
        pytest.skip("HASHPIVOT_DATA names no chain table (make test sets it to ../shared/data/btc_daily.csv)")
    return pd.read_csv(path, parse_dates=["date"], index_col="date")


def test_the_calculator_page_answers_and_sends_its_inputs_to_a_monte_carlo_run(playwright_api, dashboard_url, tmp_path):
    history = _chain_table_or_skip()
    last, window = history.iloc[-1], history.iloc[-30:]
    # Hashprice today by hand: 144 blocks x (subsidy 3.125 BTC + fees per block over 30 days) x price / network PH/s,
    # network = difficulty x 2^32 / 600 s (the table's last day is after the 2024 halving, before the 2028 one)
    fees = window["fees_btc"].sum() / window["block_count"].sum()
    network_phs = last["difficulty_mean"] * 2**32 / 600 / 1e15
    hashprice = 144 * (3.125 + fees) * last["price_usd"] / network_phs
    with _fresh_page(playwright_api, tmp_path, height=1400) as page:
        page.goto(f"{dashboard_url}/calculator")
        table = page.locator(".st-key-calc_result [data-testid='stDataFrame'] table")
        table.wait_for(state="attached", timeout=RUN_TIMEOUT_MS)  # the grid's accessible table is hidden
        cells = {row.locator("td").nth(0).text_content().strip(): row.locator("td").nth(1).text_content().strip()
                 for row in table.locator("tbody tr").all()}
        assert float(cells["hashprice [USD/PH/day]"].replace(",", "")) == pytest.approx(hashprice, rel=5e-3)
        # Break-even hashprice from J/TH: power price x J/TH x 24 h / 1e6 x 1,000 TH per PH, over what the pool
        # leaves (1 - fee); move the power price
        power = page.get_by_label("Power price [USD/MWh]")
        power.fill("60")
        power.press("Enter")
        j_per_th = float(page.get_by_label("Efficiency [J/TH]").input_value())
        keep = 1 - float(page.get_by_label("Pool fee [%]").input_value()) / 100
        # the grid holds the numbers (right-aligned; its canvas draws them by the one formatter)
        page.wait_for_function(
            "(v) => [...document.querySelectorAll('.st-key-calc_result tbody tr')].some("
            "r => r.textContent.includes('break-even hashprice') && Math.abs(parseFloat("
            "r.querySelectorAll('td')[1].textContent.replace(/,/g, '')) / v - 1) < 1e-9)",
            arg=60 * j_per_th * 24 / 1e6 * 1_000 / keep, timeout=RUN_TIMEOUT_MS)
        page.screenshot(path=str(tmp_path / "calculator.png"), full_page=True)
        page.get_by_role("button", name="Run a Monte Carlo simulation on these inputs").click()
        answer = page.locator(".st-key-answer")
        answer.get_by_text("power at 60 USD/MWh", exact=False).wait_for(timeout=RUN_TIMEOUT_MS)
        page.get_by_text("Results: calculator", exact=True).wait_for(timeout=RUN_TIMEOUT_MS)
        comparison = page.locator(".st-key-comparison [data-testid='stDataFrame'] table")
        comparison.locator("tbody tr").nth(1).wait_for(state="attached", timeout=RUN_TIMEOUT_MS)  # the grid fills in
        assert _first_column(comparison) == ["sell_all", "hold_all"]
        assert page.locator("[data-testid='stException']").count() == 0
        page.screenshot(path=str(tmp_path / "calculator-run.png"), full_page=True)


def test_the_hashprice_page_draws_the_history_with_its_source(playwright_api, dashboard_url, tmp_path):
    history = _chain_table_or_skip()
    from hashpivot.domain.sources import CHAIN_TABLE_ATTRIBUTION

    with _fresh_page(playwright_api, tmp_path, height=1400) as page:
        page.goto(f"{dashboard_url}/hashprice")
        page.locator(".st-key-hashprice_history .js-plotly-plot .scatterlayer .trace").first.wait_for(
            timeout=RUN_TIMEOUT_MS)
        years = page.locator(".st-key-hashprice_years [data-testid='stDataFrame'] table")
        years.wait_for(state="attached", timeout=RUN_TIMEOUT_MS)  # the grid's accessible table is hidden
        rows = {row.locator("td").nth(0).text_content().strip(): row for row in years.locator("tbody tr").all()}
        # 2024 is a leap year: 366 days in the table, the mean of its daily hashprice x 1,000 (per PH/s)
        y2024 = history.loc["2024", "hashprice_usd_per_th_day"] * 1_000
        assert len(y2024) == 366
        row = [t.strip() for t in rows["2024"].locator("td").all_text_contents()]
        assert float(row[1].replace(",", "")) == pytest.approx(y2024.mean(), rel=1e-9)
        assert row[-1] == "366"
        page.get_by_text(CHAIN_TABLE_ATTRIBUTION, exact=False).first.wait_for(timeout=RUN_TIMEOUT_MS)
        page.screenshot(path=str(tmp_path / "hashprice.png"), full_page=True)


def _usd(text: str) -> float:
    """A number of a grid's accessible table (the number itself), or as the one formatter writes USD (``1.23 B``,
    ``-45.6 M``, ``789 k``, ``12``), as a float."""
    scale = {"T": 1e12, "B": 1e9, "M": 1e6, "k": 1e3}
    head, _, suffix = text.strip().partition(" ")
    return float(head.replace(",", "")) * scale.get(suffix, 1.0)


def _cells(table) -> list[list[str]]:
    """Every body row of a grid's accessible table as its cells' text (index cells first)."""
    return [[t.strip() for t in row.locator("th, td").all_text_contents()] for row in table.locator("tbody tr").all()]


def test_the_hedge_section_shows_payoffs_premiums_and_the_tail_the_hedges_buy(page, tmp_path):
    """Issue 18 point 4 in the dashboard: the reference hedges added with one control (a forward selling half the
    fleets' hashrate for two years at the starting hashprice, a two-year put 25 % out of the money on half the
    treasury); the put's payoff diagram and premium against Black-Scholes by hand, the forward's strike against the
    starting hashprice by hand, and the table's p5 of terminal NAV hedged above unhedged on the same paths."""
    import math

    from hashpivot.format import fmt_number

    default = load_preset("default")
    # 400 paths (Home = 100, then three steps of 100), the reference hedges on, run
    page.get_by_role("slider", name="Monte Carlo paths").focus()
    page.keyboard.press("Home")
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    _wait_thumb(page, "n_paths", "400")
    page.locator(".st-key-reference_hedges label").click()
    page.get_by_role("button", name="Run simulation").click()
    page.locator(".st-key-hedges").wait_for(timeout=RUN_TIMEOUT_MS)
    page.locator(".st-key-hedge_payoff_1 .js-plotly-plot .scatterlayer .trace").first.wait_for(timeout=RUN_TIMEOUT_MS)

    # Black-Scholes by hand (Hull, section 15.8): S = 1 (per unit of spot), K = 0.75, T = 730 / 365 = 2 years, at
    # the hedges' documented default implied volatility 0.60 and rate 5 % (policies/hedges.py).
    s, k, t, sigma, r = 1.0, 0.75, 2.0, 0.60, 0.05
    d1 = (math.log(s / k) + (r + sigma**2 / 2) * t) / (sigma * math.sqrt(t))
    d2 = d1 - sigma * math.sqrt(t)

    def n(x):
        return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))

    premium = k * math.exp(-r * t) * n(-d2) - s * n(-d1)
    assert 0.05 < premium < 0.2  # a two-year put 25 % out of the money at 60 % vol costs about a tenth of spot

    def traces(key):
        return page.wait_for_function(
            "(key) => { const g = document.querySelector(`.st-key-${key} .js-plotly-plot`);"
            " return g && g.data && g.data.length ? g.data.map(t => ({name: t.name, x: Array.from(t.x),"
            " y: Array.from(t.y)})) : null; }", arg=key, timeout=RUN_TIMEOUT_MS).json_value()

    put = traces("hedge_payoff_1")
    assert len(put) == 1 and put[0]["name"].startswith("put")
    for x, y in zip(put[0]["x"], put[0]["y"], strict=True):  # max(K - S_T, 0) - premium, per unit of spot
        assert y == pytest.approx(max(k - x, 0.0) - premium, abs=1e-12), x
    points = dict(zip((round(x, 6) for x in put[0]["x"]), put[0]["y"], strict=True))
    assert points[0.5] == pytest.approx(0.25 - premium, abs=1e-12) and points[1.0] == pytest.approx(-premium, abs=1e-12)
    forward = traces("hedge_payoff_0")  # a forward's seller: strike - hashprice, per unit of strike
    for x, y in zip(forward[0]["x"], forward[0]["y"], strict=True):
        assert y == pytest.approx(1.0 - x, abs=1e-12)

    # The terms: the put's premium in % of spot, and the forward's strike, the starting hashprice by hand: 144 blocks
    # x (subsidy at the start height + median fees) x BTC price / network hashrate in PH/s (1 EH/s = 1,000 PH/s)
    terms = page.locator(".st-key-hedge_terms [data-testid='stDataFrame'] table")
    terms.wait_for(state="attached", timeout=RUN_TIMEOUT_MS)
    headers = _headers(terms)
    rows = {row[0]: dict(zip(headers, row, strict=True)) for row in _cells(terms)}
    assert rows["put 25 % OTM x 2 y"]["premium at inception [% of spot]"] == f"{premium * 100:.2f} %"
    m, height = default.market, default.run.start_height
    subsidy = 50.0 / 2 ** (height // 210_000)
    network_phs = m.network_hashrate.start_ehs * 1e3
    hashprice = 144 * (subsidy + m.fees.median_btc_per_block) * m.btc_price.start_usd / network_phs
    assert rows["forward 50 % x 2 y"]["strike"] == fmt_number(hashprice)

    # The comparison: on the same 400 paths, each hedge (and both) raises the 5 % quantile of terminal NAV of the
    # main policy; the unhedged row shows the placeholder where a paired figure has no meaning.
    table = page.locator(".st-key-hedge_table [data-testid='stDataFrame'] table")
    table.wait_for(state="attached", timeout=RUN_TIMEOUT_MS)
    headers = _headers(table)
    main = default.policy.treasury.label
    by_hedge = {row[1]: dict(zip(headers, row, strict=True)) for row in _cells(table) if row[0] == main}
    assert list(by_hedge) == ["unhedged", "all hedges", "forward 50 % x 2 y", "put 25 % OTM x 2 y"]
    base = _usd(by_hedge["unhedged"]["NAV p5 [USD]"])
    for name in ("all hedges", "forward 50 % x 2 y", "put 25 % OTM x 2 y"):
        assert _usd(by_hedge[name]["NAV p5 [USD]"]) > base, (name, by_hedge[name]["NAV p5 [USD]"], base)
    # the grid's accessible table holds the numbers (its canvas draws the formatted text and the placeholder); a
    # paired figure has no value on the unhedged row
    assert by_hedge["unhedged"]["wins vs unhedged"] == "" != by_hedge["all hedges"]["wins vs unhedged"]
    page.locator(".st-key-hedge_nav .js-plotly-plot").first.wait_for(timeout=RUN_TIMEOUT_MS)
    assert page.locator("[data-testid='stException']").count() == 0
    page.locator(".st-key-hedges").screenshot(path=str(tmp_path / "hedges.png"))


def test_the_ai_alternatives_answer_on_the_first_screen_with_the_runs_margins(page, tmp_path):
    """The ai_pivot preset (mining, a colocation lease and a GPU cloud on the same paths): after a run, the answer at
    the top of the page, in the first screen, says what a MW earns in each, and each figure is the median over the
    same run's paths of that segment's margin per MW-day, recomputed here from the per-path values of the same
    scenario run through hashpivot.api on the same seed."""
    import re

    import numpy as np

    from hashpivot import api
    from hashpivot.format import fmt_number

    # the first visit's run (the default preset) ends first; then the preset changes
    page.locator(".st-key-answer").get_by_text("What a MW earns:", exact=False).wait_for(timeout=RUN_TIMEOUT_MS)
    page.locator(".st-key-preset").click()
    page.get_by_role("option", name="ai_pivot", exact=True).click()
    # the page reruns with the preset's inputs (and the default preset's results, marked stale) before a slider moves
    page.get_by_text("The inputs changed since this run", exact=False).wait_for(timeout=RUN_TIMEOUT_MS)
    from playwright.sync_api import expect  # present: the page fixture needed it

    expect(page.locator(".st-key-policies")).not_to_contain_text("min_cash_runway", timeout=RUN_TIMEOUT_MS)
    _wait_thumb(page, "n_paths", "2000")
    page.get_by_role("slider", name="Monte Carlo paths").focus()
    page.keyboard.press("Home")
    for _ in range(2):
        page.keyboard.press("ArrowRight")
    _wait_thumb(page, "n_paths", "300")
    page.get_by_role("button", name="Run simulation").click()
    page.get_by_text("Results: ai_pivot", exact=False).first.wait_for(timeout=RUN_TIMEOUT_MS)
    answer = page.locator(".st-key-answer")
    answer.get_by_text("300 paths", exact=False).wait_for(timeout=RUN_TIMEOUT_MS)
    box = answer.bounding_box()
    assert box is not None and box["y"] + box["height"] <= page.viewport_size["height"], box  # the first screen
    earns = answer.inner_text().split("What a MW earns:")[1].split("; the median over")[0]

    scenario = load_preset("ai_pivot").replace("run.n_paths", 300)
    result = api.run(scenario, policies=[p.label for p in scenario.treasury_policies()])
    ds = result.dataset
    for segment, label in (("mining", "mining"), ("colocation_lease", "colocation lease"), ("gpu_cloud", "GPU cloud")):
        found = re.search(rf"{re.escape(label)}(?: under (.+?))? (-?[\d,.]+) USD/MW-day", earns)
        assert found is not None, (label, earns)
        policy = found.group(1) or result.glance().margin_policy
        per_path = ds[f"{segment}_margin_usd_per_mw_day"].sel(policy=policy).values
        assert found.group(2) == fmt_number(float(np.median(per_path[np.isfinite(per_path)]))), (label, earns)
    page.screenshot(path=str(tmp_path / "ai-pivot.png"))
