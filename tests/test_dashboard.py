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

from adoptsim.dashboard.controls import CONTROLS, legend, model_params, to_overrides
from adoptsim.dashboard.model import DashboardModel, base_scenario, baseline, model_class, trajectory
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
    assert list(params) == [c.key for c in CONTROLS]
    for c in CONTROLS:
        p = params[c.key]
        assert p["value"] == c.shown(_field(c).default), c.key  # the schema's default, nowhere else
        if p["type"] == "Checkbox":
            continue
        lo, hi = _schema_bounds(c)
        assert p["min"] == pytest.approx(c.shown(lo)), c.key
        assert p["max"] > p["min"] and (math.isinf(hi) or p["max"] <= c.shown(hi) + 1e-9), c.key
        if c.upper is None and math.isfinite(hi) and _field(c).annotation is not int:
            assert p["max"] == pytest.approx(c.shown(hi)), c.key
        if "currency" in str(_field(c).json_schema_extra):
            assert profile.profile.currency in p["label"], c.key
    sentences = legend(profile)
    assert [t for t, _ in sentences] == list(dict.fromkeys(c.lever.replace("_", " ").capitalize() for c in CONTROLS))
    for _, sentence in sentences:
        assert sentence.endswith(".") and sentence[0].isupper()


def test_slider_values_become_scenario_values():
    assert to_overrides({"capex_subsidy_share": 30, "demonstration_pilots": 4}) == {
        "capex_subsidy_share": 0.3, "demonstration_pilots": 4}
    assert to_overrides({"green_finance_guarantee": 50.0})["green_finance_enabled"] is True
    assert "green_finance_enabled" not in to_overrides({"green_finance_guarantee": 0.0})
    model = DashboardModel("lahore", capex_subsidy_share=30, green_finance_consortium=True)
    assert model.config.levers.capex_subsidy.share == pytest.approx(0.3)
    assert model.config.levers.green_finance.enabled and model.profile.name == "lahore"


def test_solaraviz_reset_rebuilds_the_model_of_the_same_cluster():
    """Mesa's Reset calls ``type(model)(**params, scenario=<Mesa Scenario>)``; after a cluster switch
    ``params`` holds only the sliders moved since, so the cluster travels with the class."""
    sv = pytest.importorskip("mesa.visualization.solara_viz")
    model = model_class("taihu")()
    params = {"capex_subsidy_share": 30.0}
    sv._check_model_params(model, params)
    kwargs = sv._build_model_init_kwargs(model, params, add_scenario_when_empty=True,
                                         require_model_accepts_scenario=True)
    assert "scenario" in kwargs  # Mesa's own scenario object, which AdoptionModel does not take
    rebuilt = type(model)(**kwargs)
    assert rebuilt.cluster == "taihu" and rebuilt.config.levers.capex_subsidy.share == pytest.approx(0.3)
    assert rebuilt.profile.profile.currency == "CNY"


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
    assert settings(model) == ["Capex subsidy: share 40 %", "Outreach: reach per month 100 firms per month"]
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


def _play_to_end(page, months: int = 120, timeout: float = 120.0) -> None:
    """Press play until the run reaches its last month (a click that lands while the page is still
    rebuilding after a Reset is lost; the play button shows only while paused, so a new click is safe)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    deadline = time.monotonic() + timeout
    while True:
        play = page.get_by_role("button", name="▶")
        if play.count():
            play.first.click()
        try:
            page.wait_for_function(
                f"document.querySelector('.adoptsim-headline')?.innerText.startsWith('Month {months} ')",
                timeout=15_000)
            return
        except PlaywrightTimeout:
            if time.monotonic() > deadline:
                raise AssertionError(f"the run did not reach month {months} within {timeout:.0f} s: "
                                     f"{page.inner_text('.adoptsim-headline')!r}") from None


def _reset_until_applied(page, setting: str, timeout: float = 30.0) -> None:
    """Press Reset until the new run shows ``setting`` (a slider's value reaches the server a moment
    after the browser moves it; a Reset before that rebuilds the old setting, and a second one fixes it)."""
    deadline = time.monotonic() + timeout
    while True:
        page.get_by_role("button", name="Reset").click()
        page.wait_for_function("document.querySelector('.adoptsim-headline')?.innerText.startsWith('Month 0 ')")
        if setting in page.inner_text(".adoptsim-settings"):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"after Reset the run still lacks {setting!r}: "
                                 f"{page.inner_text('.adoptsim-settings')!r}")
        page.wait_for_timeout(1000)


@pytest.fixture
def artifacts(tmp_path) -> Path:
    """Where screenshots go: $ADOPTSIM_ARTIFACTS if set (kept by CI), else the test's tmp_path."""
    folder = Path(os.environ.get("ADOPTSIM_ARTIFACTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_page_in_headless_chromium_changes_its_curve_with_a_lever(artifacts, tmp_path):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium chromium-driver); "
                    "CI installs it")
    pytest.importorskip("solara", reason="the dashboard needs solara (pip install 'adoptsim[dashboard]')")
    sync_api = pytest.importorskip("playwright.sync_api", reason="needs playwright's Python package")
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
                page.get_by_role("slider", name="Play Interval (ms)").press("Home")  # play as fast as it draws

                _play_to_end(page)
                before = _adoption(page)
                curve_before = page.get_attribute(".adoptsim-curve-0", "points")

                subsidy = page.get_by_role("slider", name="Capex subsidy: share (%)")
                for _ in range(5):
                    subsidy.press("PageUp")
                assert subsidy.get_attribute("aria-valuenow") == "50"
                _reset_until_applied(page, "Capex subsidy: share 50 %")
                _play_to_end(page)
                after = _adoption(page)
                curve_after = page.get_attribute(".adoptsim-curve-0", "points")
                page.screenshot(path=str(artifacts / "dashboard.png"), full_page=True)
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
    assert curve_after != curve_before
    assert after > before + 5, (before, after)  # half the capex paid: clearly more adoption
    assert "Traceback" not in log.read_text()
    print(f"screenshot: {artifacts / 'dashboard.png'}")


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
