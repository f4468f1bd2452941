"""Workshop dashboard: Mesa's SolaraViz over the adoption model, one cluster at a time.

Run with ``adoptsim dashboard`` (or ``solara run adoptsim.dashboard.app``).
Pick a cluster at the top; set the levers in the sidebar; press RESET to
apply them and ▶ to watch ten years unfold next to the no-intervention
baseline (grey dashed).

Unlike Mesa's flat example scripts, the page is a small component: the
sliders' units (the cluster's currency) and ranges depend on the cluster, so
choosing another cluster builds a fresh SolaraViz (``.key(cluster)``) with
that cluster's sliders, and a model class that carries the cluster
(:func:`~adoptsim.dashboard.model.model_class`: Mesa's Reset rebuilds
``type(model)(**sliders)``). Each browser session gets its own model. The
main area is :func:`~adoptsim.dashboard.components.Dashboard`, drawn beside
SolaraViz rather than in its half-width grid of components.
"""

from __future__ import annotations

import solara
from mesa.visualization import SolaraViz

from adoptsim.dashboard.components import Dashboard
from adoptsim.dashboard.controls import model_params
from adoptsim.dashboard.model import DEFAULT_CLUSTER, base_scenario, clusters, model_class

PLAY_INTERVAL_MS = 60   # ten years of months in about ten seconds
RENDER_INTERVAL = 1     # redraw every month


@solara.component
def Page():
    cluster = solara.use_reactive(DEFAULT_CLUSTER)
    first = solara.use_memo(lambda: model_class(DEFAULT_CLUSTER)(), [])
    model = solara.use_reactive(first)

    def choose(name: str) -> None:
        if name != cluster.value:
            model.value = model_class(name)()
            cluster.value = name

    current = model.value
    with solara.AppBar():
        solara.Select(label="Cluster", value=cluster.value, values=clusters(), on_value=choose,
                      style={"max-width": "220px"}, classes=["adoptsim-cluster"])
    SolaraViz(
        model,
        components=[],  # the main area is Dashboard below: full width, no tab bar
        model_params=model_params(current.profile, base_scenario(cluster.value)),
        name=current.profile.profile.title,
        play_interval=PLAY_INTERVAL_MS,
        render_interval=RENDER_INTERVAL,
    ).key(f"viz-{cluster.value}")
    Dashboard(current)
