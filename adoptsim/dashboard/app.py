"""The workshop page: one cluster at a time, its levers in the sidebar, ten years played month by month.

Run with ``adoptsim dashboard`` (or ``solara run adoptsim.dashboard.app``).
The page is Solara; the model is Mesa's (:class:`~adoptsim.dashboard.model.DashboardModel`,
stepped month by month). Mesa's SolaraViz is not used: its sidebar always
shows developer controls (play and render interval, threads) and its Reset
keeps the old sliders when the page rebuilds, and a finished run disables
▶ and STEP until Reset. Here the sidebar holds only what the room uses, and
what the buttons do is :class:`~adoptsim.dashboard.session.Session`, plain
Python the tests drive without a browser. Each browser session gets its own.
"""

from __future__ import annotations

import time

import solara
import solara.lab

from adoptsim.dashboard.band import LEGEND as BAND_LEGEND
from adoptsim.dashboard.components import Dashboard
from adoptsim.dashboard.controls import BY_KEY, LEVERS, model_params
from adoptsim.dashboard.model import base_scenario, clusters
from adoptsim.dashboard.session import Session
from adoptsim.profiles import load_profile

PLAY_INTERVAL_S = 0.06  # ten years of months in about ten seconds

PLAY, PAUSE, STEP, RESTART = "▶ Play", "❚❚ Pause", "Step one month", "Start again"
BAND = "Show the uncertainty band"


@solara.component
def Levers(cluster: str, values: dict, on_change):
    """The levers of ``cluster``, grouped by lever, each at its value in ``values`` (as the page shows them).

    Its props are plain values, not the (mutable) session: a component redraws only when its props change.
    """
    base = base_scenario(cluster)
    params = model_params(load_profile(base.cluster), base)
    lever = None
    with solara.Column(gap="0px", classes=["adoptsim-levers"]).key(f"levers-{cluster}"):
        for key, p in params.items():
            group = BY_KEY[key].lever
            if group != lever:
                lever = group
                solara.Text(LEVERS[lever][0], style={"font-weight": "600", "margin-top": "10px"})
            value = values[key]

            def changed(v, key=key):
                on_change(key, v)

            if p["type"] == "Checkbox":
                solara.Checkbox(label=p["label"], value=value, on_value=changed)
            elif p["type"] == "Select":
                solara.Select(label=p["label"], values=p["values"], value=value, on_value=changed)
            elif p["type"] == "SliderInt":
                solara.SliderInt(p["label"], value=value, min=p["min"], max=p["max"], step=p["step"],
                                 on_value=changed, thumb_label="always")
            else:
                solara.SliderFloat(p["label"], value=value, min=p["min"], max=p["max"], step=p["step"],
                                   on_value=changed, thumb_label="always")


@solara.component
def Page():
    session = solara.use_memo(Session, [])
    tick = solara.use_reactive(0)
    playing = solara.use_reactive(False)

    def refresh() -> None:
        playing.value = session.playing
        tick.value += 1

    def click(action):
        def handler(*args) -> None:
            action(*args)
            refresh()
        return handler

    def play_loop() -> None:
        play_id = session.play_id
        while session.playing:
            time.sleep(PLAY_INTERVAL_S)
            if not session.advance(play_id):
                break
            tick.value += 1
        if play_id == session.play_id:
            refresh()

    solara.lab.use_task(play_loop, dependencies=[playing.value], prefer_threaded=True)

    band_id = session.band_id

    def band_loop() -> None:
        """Compute the band of this request (a newer request supersedes it: see Session.compute_band)."""
        session.compute_band(band_id)
        if band_id == session.band_id:
            tick.value += 1

    solara.lab.use_task(band_loop, dependencies=[band_id], prefer_threaded=True)

    model = session.model
    with solara.AppBar():
        solara.AppBarTitle(session.profile.profile.title)
        solara.Select(label="Cluster", value=session.cluster, values=clusters(), on_value=click(session.choose),
                      style={"max-width": "220px"}, classes=["adoptsim-cluster"])
    with solara.Sidebar():
        with solara.Row(gap="6px", style={"flex-wrap": "wrap"}, classes=["adoptsim-controls"]):
            solara.Button(PAUSE if session.playing else PLAY, color="primary", on_click=click(session.toggle))
            solara.Button(STEP, color="primary", outlined=True, on_click=click(session.step))
            solara.Button(RESTART, outlined=True, on_click=click(session.restart))
        with solara.Column(gap="0px", classes=["adoptsim-band-toggle"]):
            solara.Checkbox(label=BAND, value=session.show_band, on_value=click(session.set_band))
            solara.Text(BAND_LEGEND, style={"color": "#555", "font-size": "13px"})
        Levers(session.cluster, dict(session.levers), click(session.set_lever)).key(f"levers-{session.cluster}")
    Dashboard(model, pending=session.pending, tick=tick.value, band=session.band, band_note=session.band_note)
