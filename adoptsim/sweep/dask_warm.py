"""The Dask side of warm workers: a plugin that warms each worker once, as it joins (needs ``distributed``)."""

from __future__ import annotations

from collections.abc import Callable

from distributed import WorkerPlugin

PLUGIN_NAME = "adoptsim-warm-up"


class WarmUp(WorkerPlugin):
    """Runs ``warm`` (e.g. :func:`~adoptsim.sweep.work.warm_up`) on every current and future worker."""

    def __init__(self, warm: Callable[[], None]):
        self.warm = warm

    def setup(self, worker) -> None:
        self.warm()
