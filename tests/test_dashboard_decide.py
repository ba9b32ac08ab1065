"""The dashboard's Decide section (issue 15, point 5), run headless with Streamlit's AppTest: a press of
``decide_run`` draws the tornado, the break-even map and the optimiser's answer (or says no policy meets the
insolvency limit), without an exception."""

from __future__ import annotations

from pathlib import Path

import pytest

APP = Path(__file__).parents[1] / "src/hashpivot/dashboard/app.py"


@pytest.mark.slow
def test_the_decide_section_draws_the_tornado_the_map_and_the_answer():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=600)
    at.run()
    assert not at.exception
    before = len(at.get("plotly_chart"))
    at.slider(key="decide_paths").set_value(100)
    at.button(key="decide_run").click()
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    best = [m.value for m in at.markdown if m.value.startswith("- best (")]
    infeasible = [w.value for w in at.warning if "No treasury policy" in w.value]
    assert len(best) + len(infeasible) == 1
    # the tornado and the map, and the frontier when an answer was found
    assert len(at.get("plotly_chart")) == before + 2 + len(best)


@pytest.mark.slow
def test_the_first_run_shows_the_value_on_day_0_beside_the_peers():
    """Without pressing anything, the results hold the DCF value table (one row per policy) and the peers'
    multiples (as many rows as domain/facts/peer_multiples.csv)."""
    from streamlit.testing.v1 import AppTest

    from hashpivot.analysis.valuation import peers_frame

    at = AppTest.from_file(str(APP), default_timeout=600)
    at.run()
    assert not at.exception
    assert any(m.value.startswith("**Value on day 0**") for m in at.markdown)
    frames = [d.value for d in at.dataframe]
    peers = [f for f in frames if "measure" in f.columns]
    assert len(peers) == 1 and len(peers[0]) == len(peers_frame())
