"""The dashboard's uncertainty band: the ensemble's own range, never shown for other settings, nothing when off."""

from __future__ import annotations

import re
import threading
import time

import numpy as np
import pytest

from adoptsim.dashboard.band import COMPUTING, DRAWS, LEGEND, Band
from adoptsim.dashboard.chart import background_of, overlay
from adoptsim.dashboard.model import DashboardModel
from adoptsim.dashboard.session import Session
from adoptsim.ensemble import run_ensemble
from adoptsim.scenario import Scenario

WAIT = 60  # seconds: only a bound on a hang, never a verdict


class FakeRunner:
    """A band runner that records each scenario and returns a band telling which capex share it was for.

    ``hold``: block inside the run until ``release`` is set (``started`` is set on entry).
    """

    def __init__(self, hold: bool = False) -> None:
        self.calls: list[Scenario] = []
        self.hold = hold
        self.started, self.release = threading.Event(), threading.Event()

    def __call__(self, scenario: Scenario) -> Band:
        self.calls.append(scenario)
        self.started.set()
        if self.hold:
            assert self.release.wait(WAIT)
        share = np.full(scenario.months + 1, scenario.levers.capex_subsidy.share)
        return Band(share, share, DRAWS)


def test_the_band_is_the_five_to_ninety_five_range_of_the_ensemble_run_directly():
    s = Session("lahore")
    s.set_lever("capex_subsidy_share", 30.0)
    s.set_band(True)
    assert s.band is None and s.band_note == COMPUTING
    assert s.compute_band()
    assert s.band is None and s.band_note == ""  # computed for the levers as set; the run on screen is older
    s.restart()
    band = s.band
    direct = run_ensemble(s.model.config, draws=DRAWS, replicates=1, level=0.9)
    by_month = direct.frame.groupby("month")["share_adopted"]
    assert by_month.size().eq(DRAWS).all() and band.months == s.model.config.months
    np.testing.assert_array_equal(band.lo, [np.quantile(v, 0.05, method="inverted_cdf") for _, v in by_month])
    np.testing.assert_array_equal(band.hi, [np.quantile(v, 0.95, method="inverted_cdf") for _, v in by_month])
    adoption = direct.summary[direct.summary["outcome"] == "share_adopted"]
    np.testing.assert_array_equal(band.lo[adoption["month"]], adoption["lo"])  # the ensemble's own summary
    np.testing.assert_array_equal(band.hi[adoption["month"]], adoption["hi"])
    assert (band.hi > band.lo).any()  # the posterior draws do disagree: a band, not a line
    assert "8 calibrated variants" in LEGEND and DRAWS == 8


def test_a_lever_moved_while_the_band_computes_never_shows_the_old_band():
    runner = FakeRunner(hold=True)
    s = Session("lahore", band_runner=runner)
    s.set_band(True)
    done: list[bool] = []
    worker = threading.Thread(target=lambda: done.append(s.compute_band(s.band_id)))
    worker.start()
    assert runner.started.wait(WAIT)
    s.play()
    assert s.advance() and s.model.month == 1  # play goes on while the band computes
    old = s.band_id
    s.set_lever("capex_subsidy_share", 40.0)
    s.restart()  # the run on screen now has the new levers
    runner.release.set()
    worker.join(WAIT)
    assert done == [False] and s.band is None and s.band_note == COMPUTING  # the old result is discarded
    assert not s.compute_band(old) and len(runner.calls) == 1  # a superseded request computes nothing
    assert s.compute_band(s.band_id)
    assert runner.calls[-1].levers.capex_subsidy.share == 0.4
    np.testing.assert_array_equal(s.band.lo, 0.4)  # the band of the new settings
    s.set_lever("capex_subsidy_share", 50.0)
    assert s.band is None and s.band_note == COMPUTING  # moved after it was ready: gone at once


def test_switching_cluster_while_the_band_computes_discards_it():
    runner = FakeRunner(hold=True)
    s = Session("lahore", band_runner=runner)
    s.set_band(True)
    done: list[bool] = []
    worker = threading.Thread(target=lambda: done.append(s.compute_band()))
    worker.start()
    assert runner.started.wait(WAIT)
    s.choose("taihu")
    runner.release.set()
    worker.join(WAIT)
    assert done == [False] and s.band is None and s.band_note == COMPUTING
    assert s.compute_band() and runner.calls[-1].cluster == "taihu" and s.band is not None


def test_with_the_band_off_nothing_is_computed():
    runner = FakeRunner()
    s = Session("lahore", band_runner=runner)
    assert not s.show_band  # off unless the presenter asks for it
    s.set_lever("capex_subsidy_share", 20.0)
    s.play()
    s.advance()
    assert not s.compute_band() and not s.compute_band(s.band_id)
    assert runner.calls == [] and s.band is None and s.band_note == ""
    s.set_band(True)
    assert s.compute_band() and s.band is not None and len(runner.calls) == 1
    s.set_band(False)
    assert s.band is None and s.band_note == "" and not s.compute_band() and len(runner.calls) == 1
    s.set_band(True)
    assert s.band is not None and not s.compute_band() and len(runner.calls) == 1  # same settings: kept


def test_a_band_that_cannot_be_computed_is_said_and_play_goes_on():
    def failing(scenario):
        raise RuntimeError("no posterior sample shipped")

    s = Session("lahore", band_runner=failing)
    s.set_band(True)
    assert not s.compute_band() and s.band is None
    assert s.band_note == "The band cannot be shown: no posterior sample shipped"
    s.play()
    assert s.advance()


def test_the_band_is_drawn_behind_the_adoption_curve_and_cut_at_the_panel_top():
    model = DashboardModel("lahore")
    for _ in range(5):
        model.step()
    bg = background_of(model)
    months = model.config.months
    band = Band(np.zeros(months + 1), np.full(months + 1, 5.0), DRAWS)  # far above any axis
    svg = overlay(model, bg, band)
    assert svg.index('class="adoptsim-band"') < svg.index('class="adoptsim-curve-0"')  # behind the curve
    points = re.search(r'class="adoptsim-band" points="([^"]*)"', svg).group(1).split()
    assert len(points) == 2 * (months + 1)
    panel = bg.panels[0]
    ys = [float(p.split(",")[1]) for p in points]
    top_px = panel.y0 + panel.sy * panel.top
    assert min(ys) >= top_px - 0.05 and max(ys) <= panel.y0 + 0.05  # within the adoption axes
    assert 'class="adoptsim-band"' not in overlay(model, bg)


def test_the_page_toggle_draws_the_band_without_a_browser():
    """The page rendered by Solara in-process: the toggle and its legend are in the sidebar; ticked, the note
    shows, then the band is drawn (waits for the state, bounded only against a hang)."""
    solara = pytest.importorskip("solara")
    import ipyvuetify as v
    import solara.widgets

    from adoptsim.dashboard import app

    @solara.component
    def Served():  # the server wraps the page in an AppLayout (the sidebar lives there)
        with solara.AppLayout():
            app.Page()

    _, rc = solara.render(Served(), handle_error=False)

    def svg() -> str:
        return " ".join(h.unsafe_innerHTML or "" for h in rc.find(solara.widgets.HTML).widgets)

    def texts() -> list[str]:
        return [str(h.children) for h in rc.find(v.Html).widgets]

    assert any(LEGEND in t for t in texts())
    assert 'class="adoptsim-band"' not in svg()  # off until asked for
    rc.find(v.Checkbox, label=app.BAND).widget.v_model = True
    assert any(COMPUTING in t for t in texts())
    deadline = time.monotonic() + WAIT
    while 'class="adoptsim-band"' not in svg():
        assert time.monotonic() < deadline, "the band was never drawn"
        time.sleep(0.05)
    assert not any(COMPUTING in t for t in texts())
