"""Workshop mode: a local web page (Mesa's SolaraViz) to play with the levers of one cluster.

``adoptsim dashboard`` calls :func:`serve`; the page itself is
:mod:`adoptsim.dashboard.app`. Modules: ``controls`` (which scenario keys get
a slider; ranges, units and legend from the schema), ``model`` (the model the
page runs and its cached no-intervention baseline), ``chart`` (fast live
chart), ``components`` (readout, legend), ``server`` (offline Solara server).

Importing this package does not import Solara; the page needs the optional
dependencies (``pip install 'adoptsim[dashboard]'``).
"""

from .server import DashboardError, command, missing_assets, serve

__all__ = ["DashboardError", "command", "missing_assets", "serve"]
