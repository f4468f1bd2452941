"""Workshop dashboard: sliders from the schema, the model SolaraViz rebuilds, and the page in a real browser."""

from __future__ import annotations

import math
import os
import re
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from adoptsim.dashboard.controls import (BY_KEY, CONTROLS, LEVERS, NOT_ON_PAGE, defaults, legend, model_params,
                                         offered, to_overrides)
from adoptsim.dashboard.model import DashboardModel, base_scenario, baseline, model_class, trajectory
from adoptsim.dashboard.session import Session
from adoptsim.profiles import load_profile, shipped_profiles

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _field(control):
    """The schema's own FieldInfo (read directly: an oracle independent of the parameter space)."""
    from adoptsim.scenario import Scenario

    model, info = Scenario, None
    for part in control.path:
        info = model.model_fields[part]
        model = info.annotation
    return info


def _schema_bounds(control) -> tuple[float, float]:
    lo, hi = 0.0, math.inf
    for m in _field(control).metadata:
        lo = float(getattr(m, "ge", lo) if getattr(m, "ge", None) is not None else lo)
        hi = float(getattr(m, "le", hi) if getattr(m, "le", None) is not None else hi)
    return lo, hi


@pytest.mark.parametrize("cluster", shipped_profiles())
def test_sliders_start_at_schema_defaults_within_schema_bounds(cluster):
    profile, scenario = load_profile(cluster), base_scenario(cluster)
    params = model_params(profile, scenario)
    assert list(params) == [c.key for c in CONTROLS if c.offered(profile)]
    labels = [p["label"] for p in params.values()]
    assert len(set(labels)) == len(labels)  # the browser (and the room) tell every control apart
    for c in offered(profile):
        p = params[c.key]
        default = _field(c).default
        if c.unlimited and math.isinf(default):
            assert p["value"] == p["max"], c.key  # "no limit" is the slider's right end
        else:
            assert p["value"] == c.shown(default), c.key  # the schema's default, nowhere else
        assert c.model_value(p["value"]) == default or c.unlimited, c.key
        if p["type"] in ("Checkbox", "Select"):
            continue
        lo, hi = _schema_bounds(c)
        assert p["min"] == pytest.approx(c.shown(lo)), c.key
        assert p["max"] > p["min"] and (math.isinf(hi) or p["max"] <= c.shown(hi) + 1e-9), c.key
        if c.upper is None and math.isfinite(hi) and _field(c).annotation is not int:
            assert p["max"] == pytest.approx(c.shown(hi)), c.key
        if "currency" in str(_field(c).json_schema_extra):
            assert profile.profile.currency in p["label"], c.key
    sentences = legend(profile)
    assert [t for t, _ in sentences] == [LEVERS[lever][0] for lever in dict.fromkeys(c.lever for c in CONTROLS)]
    for _, sentence in sentences:
        assert sentence.endswith(".") and sentence[0].isupper()


def test_every_lever_of_the_schema_is_on_the_page_in_plain_words():
    """Collective levers included; nothing raw ("level 0/1/2", "(per contact)") faces the room."""
    from adoptsim.scenario import Scenario

    levers = list(Scenario.model_fields["levers"].annotation.model_fields)
    on_page = list(dict.fromkeys(c.lever for c in CONTROLS))
    assert sorted(on_page + list(NOT_ON_PAGE)) == sorted(levers)
    assert {"common_plant", "relocation", "vendors"} <= set(on_page)
    kanpur = load_profile("kanpur")  # has a common-plant design and a park
    for c in CONTROLS:
        label = c.label(kanpur)
        raw = f"{c.lever.replace('_', ' ').capitalize()}: {c.path[-1].replace('_', ' ')}"  # the schema's names
        assert not label.startswith(raw + " (") and label != raw and "_" not in label and "/" not in label, label
    mandate = model_params(kanpur, base_scenario("kanpur"))["mandate_level"]
    assert mandate["type"] == "Select" and mandate["value"] == "nothing (no mandate)"
    assert BY_KEY["mandate_level"].model_value("zero liquid discharge") == 2
    moradabad = load_profile("moradabad")  # neither: those controls are not offered, the legend says why
    assert not any(k.startswith(("common_plant", "relocation")) for k in model_params(moradabad,
                                                                                      base_scenario("moradabad")))
    assert "Not in this cluster" in dict(legend(moradabad))["Common plant"]


def test_vendor_capacity_right_end_is_no_limit():
    hi = model_params(load_profile("lahore"), base_scenario("lahore"))["vendors_capacity_per_month"]["max"]
    assert DashboardModel("lahore", vendors_capacity_per_month=hi).config.levers.vendors.capacity_per_month \
        == math.inf
    assert DashboardModel("lahore", vendors_capacity_per_month=2.0).config.levers.vendors.capacity_per_month == 2.0


# ---------------------------------------------------------------- what the buttons do (the page's Session)


def test_switching_cluster_stops_play_and_resets_the_levers_to_its_defaults():
    from adoptsim.dashboard.components import readout_lines, settings

    s = Session("moradabad")
    s.set_lever("capex_subsidy_share", 50.0)
    s.set_lever("mandate_level", "effluent treatment (ETP)")
    s.play()
    assert s.advance() and s.model.month == 1 and settings(s.model)[0] == "Capex subsidy: share of the price paid 50 %"
    s.choose("taihu")
    assert not s.playing and not s.advance()  # play stopped
    assert s.levers == defaults(load_profile("taihu"), base_scenario("taihu"))
    assert s.model.cluster == "taihu" and s.model.month == 0 and not s.pending
    assert settings(s.model) == []  # the page's text ("no-intervention baseline") matches the levers
    np.testing.assert_array_equal(s.model.config.model_dump_json(), base_scenario("taihu").model_dump_json())
    assert "CNY" in readout_lines(s.model)[2]


def test_a_moved_lever_is_said_and_the_next_play_or_step_runs_it():
    from adoptsim.dashboard.components import settings

    s = Session("lahore")
    s.step()
    s.set_lever("capex_subsidy_share", 30.0)
    assert s.pending and s.model.month == 1 and settings(s.model) == []  # the run on screen is still the old one
    s.set_lever("capex_subsidy_share", 30.0)  # a widget echoing its value is no move
    s.step()
    assert not s.pending and s.model.month == 1 and settings(s.model) == ["Capex subsidy: share of the price paid 30 %"]
    s.set_lever("outreach_reach_per_month", 10.0)
    s.restart()
    assert s.model.month == 0 and not s.pending and len(settings(s.model)) == 2


def test_after_a_finished_run_play_and_step_start_it_again():
    s = Session("taihu")
    s.set_lever("capex_subsidy_share", 40.0)
    s.play()
    first = s.play_id
    while s.advance(first):
        pass
    assert s.finished and not s.playing and s.model.month == 120
    finished = s.model.series.adopters[120]
    s.step()
    assert s.model.month == 1 and s.model.shown["capex_subsidy_share"] == 40.0
    s.play()
    assert not s.advance(first)  # a thread of an earlier press stops
    while s.advance(s.play_id):
        pass
    assert s.model.series.adopters[120] == finished  # the same run again: same seed, same levers


def test_slider_values_become_scenario_values():
    assert to_overrides({"capex_subsidy_share": 30, "demonstration_pilots": 4}) == {
        "capex_subsidy_share": 0.3, "demonstration_pilots": 4}
    assert to_overrides({"green_finance_guarantee": 50.0})["green_finance_enabled"] is True
    assert "green_finance_enabled" not in to_overrides({"green_finance_guarantee": 0.0})
    model = DashboardModel("lahore", capex_subsidy_share=30, green_finance_consortium=True)
    assert model.config.levers.capex_subsidy.share == pytest.approx(0.3)
    assert model.config.levers.green_finance.enabled and model.profile.name == "lahore"


def test_baseline_is_the_same_run_with_no_levers():
    model = DashboardModel("lahore")
    while model.running:
        model.step()
    now, base = trajectory(model), baseline("lahore")
    np.testing.assert_array_equal(now.adopters, base.adopters)
    np.testing.assert_array_equal(now.public_cost, base.public_cost)
    assert base.months == model.config.months


def test_app_imports_and_the_page_parts_render_after_ten_steps():
    pytest.importorskip("solara")
    from adoptsim.dashboard import app, missing_assets
    from adoptsim.dashboard.chart import background_of, overlay
    from adoptsim.dashboard.components import readout_lines, settings

    assert callable(app.Page)
    model = model_class("moradabad")(capex_subsidy_share=40, outreach_reach_per_month=100)
    for _ in range(10):
        model.step()
    lines = readout_lines(model)
    assert lines[0].startswith("Month 10 of 120") and "INR" in lines[2]
    assert any("outreach" in line for line in lines)  # switched on but not costed: said so
    assert settings(model) == ["Capex subsidy: share of the price paid 40 %",
                               "Outreach: firms contacted 100 firms per month"]
    svg = overlay(model, background_of(model))
    points = re.findall(r'points="([^"]*)"', svg)
    assert len(points) == 3 and all(len(p.split()) == 11 for p in points)
    assert missing_assets() == []  # the page needs nothing from the internet


# ---------------------------------------------------------------- the page in a browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_http(url: str, proc: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"dashboard server exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"dashboard server did not answer at {url} within {timeout:.0f} s")


def _adoption(page) -> float:
    text = page.inner_text(".adoptsim-headline")
    return float(re.search(r"([\d.]+)% of firms have adopted", text).group(1))


def _month(page) -> int:
    return int(re.match(r"Month (\d+) of", page.inner_text(".adoptsim-headline")).group(1))


def _play_to_end(page, play: str, months: int = 120, stall: float = 60.0) -> None:
    """Press play and wait while the months advance, however slowly a loaded machine draws them; fail only
    if no month passes for ``stall`` seconds (a click lost while the page redraws is pressed again)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.get_by_role("button", name=play).click()
    stalls = 0
    while (now := _month(page)) < months:
        try:
            page.wait_for_function(
                f"parseInt(document.querySelector('.adoptsim-headline')?.innerText.slice(6)) > {now}",
                timeout=stall * 1000)
            stalls = 0
        except PlaywrightTimeout:
            stalls += 1
            if stalls > 2:
                raise AssertionError(f"no month passed in {stalls * stall:.0f} s, stuck at month {now}") from None
            button = page.get_by_role("button", name=play)
            if button.count() and _month(page) == now:
                button.click()  # paused with no month passed: the click was lost


def _headline_starts(page, text: str, timeout: float = 60_000) -> None:
    page.wait_for_function(f"document.querySelector('.adoptsim-headline')?.innerText.startsWith({text!r})",
                           timeout=timeout)


@pytest.fixture
def artifacts(tmp_path) -> Path:
    """Where screenshots go: $ADOPTSIM_ARTIFACTS if set (kept by CI), else the test's tmp_path."""
    folder = Path(os.environ.get("ADOPTSIM_ARTIFACTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_page_in_headless_chromium_plays_levers_restarts_and_switches_cluster(artifacts, tmp_path):
    """Moves levers, plays to the end, steps again (a fresh run), then switches cluster: the levers show the
    new cluster's defaults and the page's text matches them. Every wait is for a state, never a delay."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium chromium-driver); "
                    "CI installs it")
    pytest.importorskip("solara", reason="the dashboard needs solara (pip install 'adoptsim[dashboard]')")
    sync_api = pytest.importorskip("playwright.sync_api", reason="needs playwright's Python package")
    from adoptsim.dashboard.app import BAND, PLAY, STEP
    from adoptsim.dashboard.band import LEGEND
    from adoptsim.dashboard.components import PENDING
    from adoptsim.dashboard.server import command, server_env

    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    log = tmp_path / "server.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(command("127.0.0.1", port), env=server_env(), stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    off_machine: list[str] = []
    try:
        _wait_for_http(url, proc, timeout=120)
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=60_000)
            try:
                page = browser.new_page(viewport={"width": 1600, "height": 1000})
                page.set_default_timeout(60_000)
                page.on("request", lambda r: off_machine.append(r.url)
                        if not r.url.startswith((url, "data:", "blob:")) else None)
                page.goto(url, timeout=90_000)
                page.wait_for_selector(".adoptsim-headline", timeout=90_000)
                assert page.inner_text(".adoptsim-headline").startswith("Month 0 of 120")
                sidebar = page.inner_text(".v-navigation-drawer")
                for developer in ("Play Interval", "Render Interval", "Use Threads", "Model Parameters"):
                    assert developer not in sidebar
                assert "Installers" in sidebar and "Mandate: what firms must have" in sidebar

                subsidy = page.get_by_role("slider", name="Capex subsidy: share of the price paid (%)")
                for _ in range(5):
                    subsidy.press("PageUp")
                assert subsidy.get_attribute("aria-valuenow") == "50"
                page.wait_for_selector(".adoptsim-pending")  # the server has the moved lever, and says so
                assert PENDING in page.inner_text(".adoptsim-settings")

                _play_to_end(page, PLAY)
                settings = page.inner_text(".adoptsim-settings")
                assert "Capex subsidy: share of the price paid 50 %" in settings and PENDING not in settings
                after = _adoption(page)
                base = float(re.search(r"Without any intervention: ([\d.]+)%", page.inner_text(".adoptsim-readout"))
                             .group(1))
                page.screenshot(path=str(artifacts / "dashboard.png"), full_page=True)

                page.get_by_role("button", name=STEP).click()  # usable after the end: a fresh run, month 1
                _headline_starts(page, "Month 1 of 120")
                assert "Capex subsidy: share of the price paid 50 %" in page.inner_text(".adoptsim-settings")

                assert page.locator(".adoptsim-band").count() == 0 and LEGEND in sidebar  # off until asked for
                page.get_by_role("checkbox", name=BAND).check(force=True)  # Vuetify draws its ripple over the input
                page.wait_for_selector(".adoptsim-curves .adoptsim-band", state="attached")  # computed, then drawn
                assert page.locator(".adoptsim-band-note").count() == 0
                page.screenshot(path=str(artifacts / "dashboard-band.png"), full_page=True)

                page.locator(".adoptsim-cluster").click()
                page.get_by_role("option", name="lahore").click()
                sync_api.expect(page.locator(".v-navigation-drawer")).to_contain_text("PKR per adopter")
                subsidy = page.get_by_role("slider", name="Capex subsidy: share of the price paid (%)")
                sync_api.expect(subsidy).to_have_attribute("aria-valuenow", "0")  # the new cluster's default
                sync_api.expect(page.locator(".adoptsim-settings")).to_contain_text("no-intervention baseline")
                assert page.inner_text(".adoptsim-headline").startswith("Month 0 of 120")
                assert page.locator(".adoptsim-pending").count() == 0  # sidebar and text agree
                page.screenshot(path=str(artifacts / "dashboard-switched.png"), full_page=True)
            finally:
                browser.close()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=15)
    assert off_machine == [], f"the page fetched from other hosts: {off_machine[:5]}"
    assert after > base + 5, (base, after)  # half the capex paid: clearly more adoption
    text = log.read_text()
    assert "Traceback" not in text and "Warning" not in text, text[:2000]
    print(f"screenshots: {artifacts / 'dashboard.png'}, {artifacts / 'dashboard-switched.png'}")


def test_a_crafted_client_cannot_break_or_stretch_the_model():
    """Out-of-range, non-finite, wrong-type and unknown values never reach the schema: clamped or dropped."""
    cls = model_class("moradabad")
    model = cls(outreach_reach_per_month=1e9, capex_subsidy_share=250.0, mandate_level=7,
                green_finance_guarantee=float("nan"), demonstration_pilots="many", colour="red",
                green_finance_consortium=1)
    lv, profile = model.config.levers, load_profile("moradabad")
    reach = next(c for c in CONTROLS if c.key == "outreach_reach_per_month")
    assert lv.outreach.reach_per_month == reach.bounds(profile, base_scenario("moradabad"))[1] < 1e9
    assert lv.capex_subsidy.share == 1.0 and lv.mandate.level == 2
    assert lv.green_finance.guarantee == 0.0 and lv.demonstration.pilots == 0 and not lv.green_finance.consortium
