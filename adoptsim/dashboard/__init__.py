"""Workshop mode: a local web page (Solara, over the Mesa model) to play with the levers of one cluster.

``adoptsim dashboard`` calls :func:`serve`; the page itself is
:mod:`adoptsim.dashboard.app`. Modules: ``controls`` (which scenario keys the
room sees, in plain words; ranges and units from the schema), ``session``
(what the buttons do), ``model`` (the model the page runs and its cached
no-intervention baseline), ``band`` (the uncertainty band over the calibrated
posterior), ``chart`` (fast live chart), ``components`` (readout, legend),
``server`` (offline Solara server).

Importing this package does not import Solara; the page needs the optional
dependencies (``pip install 'adoptsim[dashboard]'``).
"""

from .server import DashboardError, command, missing_assets, serve

__all__ = ["DashboardError", "command", "missing_assets", "serve"]
