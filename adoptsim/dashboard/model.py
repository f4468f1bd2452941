"""The model the dashboard runs, and the baseline it is compared with.

:class:`DashboardModel` is :class:`~adoptsim.model.AdoptionModel` built from a
cluster and the page's slider values (see :mod:`.controls`), always on the
compiled engine (a month of 5,000 firms takes well under a millisecond). It
also accepts the ``scenario`` keyword Mesa's SolaraViz adds when it rebuilds a
model on Reset: that is Mesa's own (empty) ``mesa.experimental.scenarios.Scenario``,
not adoptsim's scenario (which is ``model.config``), so it is set aside.

The baseline — the same cluster, seed and horizon with every lever off — is
run once per cluster with the kernel and cached (:func:`baseline`). Both use
the same seed, so the gap between the two curves is the levers' doing, not luck.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..model import AdoptionModel
from ..profiles import load_profile, shipped_profiles
from ..scenario import Scenario, scenario_from_dict, with_overrides
from .controls import clamp, to_overrides

DEFAULT_CLUSTER = Scenario.model_fields["cluster"].default


def clusters() -> list[str]:
    """Shipped clusters the page offers."""
    return shipped_profiles()


@functools.lru_cache(maxsize=16)
def base_scenario(cluster: str) -> Scenario:
    """The cluster with schema defaults: every lever off."""
    return scenario_from_dict({"cluster": cluster, "name": cluster}, origin=f"dashboard: cluster {cluster!r}")


def settings_scenario(cluster: str, shown: dict[str, Any]) -> Scenario:
    """The scenario of ``cluster`` with the page's levers ``shown`` (already :func:`.controls.clamp`-ed)."""
    base = base_scenario(cluster)
    overrides = to_overrides(shown)
    return with_overrides(base, **overrides) if overrides else base


@dataclass(frozen=True)
class Trajectory:
    """Monthly outcome series of one run (index = month 0..months)."""

    adoption_share: np.ndarray
    adopters: np.ndarray
    water_saved: np.ndarray
    public_cost: np.ndarray  # cumulative, currency

    @property
    def months(self) -> int:
        return len(self.adoption_share) - 1


def trajectory(model: AdoptionModel, upto: int | None = None) -> Trajectory:
    """The model's series up to month ``upto`` (default: its current month)."""
    m = model.month if upto is None else upto
    s = model.series
    adopters = np.asarray(s.adopters[: m + 1], dtype=float)
    return Trajectory(adopters / model.n_firms, adopters, np.asarray(s.water_saved[: m + 1], dtype=float),
                      np.cumsum(np.sum(s.public_cost[: m + 1], axis=1)))


@functools.lru_cache(maxsize=16)
def baseline(cluster: str) -> Trajectory:
    """The no-intervention run of ``cluster`` over the whole horizon (kernel, cached)."""
    model = AdoptionModel(base_scenario(cluster), engine="numba").run()
    return trajectory(model, model.config.months)


class DashboardModel(AdoptionModel):
    """AdoptionModel for the page: a cluster plus slider values, compiled engine.

    Parameters
    ----------
    cluster
        Shipped cluster name (default: the class's :attr:`default_cluster`).
    scenario
        Mesa's scenario object that SolaraViz passes on Reset; ignored (the
        model's own Mesa scenario is made by ``mesa.Model``). adoptsim's
        scenario is ``self.config``.
    rng
        Seed; default the scenario's, the same as the baseline's.
    **controls
        Slider values as the page shows them (percentages for shares), keyed
        by flat scenario key; converted by :func:`.controls.to_overrides`.
        Keys not given keep their schema defaults.
    """

    default_cluster: str = DEFAULT_CLUSTER

    def __init__(self, cluster: str | None = None, *, scenario: Any = None, rng: int | None = None,
                 **controls: Any) -> None:
        self.cluster = cluster or self.default_cluster
        base = base_scenario(self.cluster)
        safe = clamp(controls, load_profile(base.cluster), base)  # a crafted client never reaches the schema
        self.shown = safe  # the levers this run was built with, as the page shows them
        super().__init__(settings_scenario(self.cluster, safe), engine="numba", rng=rng)

    @property
    def baseline(self) -> Trajectory:
        return baseline(self.cluster)

    @property
    def now(self) -> Trajectory:
        return trajectory(self)


@functools.cache
def model_class(cluster: str) -> type[DashboardModel]:
    """A DashboardModel whose default cluster is ``cluster``.

    SolaraViz's Reset rebuilds the model as ``type(model)(**changed_sliders)``;
    after the page switches cluster it passes only the sliders moved since
    (Mesa's parameter store is not refilled when its sidebar is rebuilt), so
    the cluster must come with the class, not with the parameters.
    """
    return type(f"DashboardModel[{cluster}]", (DashboardModel,), {"default_cluster": cluster,
                                                                  "__module__": __name__})
