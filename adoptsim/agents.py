"""Firm: the per-agent face of one row of the firm arrays.

A ``Firm`` holds no state of its own: its attributes read its record in the
model's firm table, and its actions (``decide``, ``move``, ``install``: the
``agent_method`` of each phase in :data:`adoptsim.rules.schedule.PHASES`) run
the shared decision rules (:mod:`adoptsim.rules`) as plain Python on that
record. This is the readable path: step through ``Firm.decide`` in a debugger
and you step through the model's behaviour.

To change behaviour, subclass ``Firm`` and set it as the model's
``firm_class`` (see :class:`~adoptsim.model.AdoptionModel`); it acts under
``engine="agents"``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from .outcome_table import PLANT_STATES
from .profiles import SIZES
from .rules import adopt, firm_month, leave, plant_month
from .rules.decision import home_of

if TYPE_CHECKING:
    from .model import AdoptionModel

_decide = firm_month.py_func
_home_of = home_of.py_func
_adopt = adopt.py_func
_leave = leave.py_func
_plant_month = plant_month.py_func


class Firm(mesa.Agent):
    """An MSME in the cluster: record ``row`` of ``model.firms``."""

    def __init__(self, model: "AdoptionModel", row: int) -> None:
        super().__init__(model)
        self.row = row
        self.record = model.firms[row]  # a view: writes go to the model's table

    # -- actions ---------------------------------------------------------
    def decide(self) -> None:
        """Hear, learn and weigh the options; maybe ask a vendor to install one."""
        m, f = self.model, self.record
        sig, local = m.signals
        _decide(f, m.month, m.options, m.params, sig, local.view(np.recarray)[f.locality],
                m.bodies[_home_of(f, m.bodies.shape[0])])

    def move(self) -> None:
        """Carry out this month's exit choice (relocate or close), after park plots were allotted."""
        _leave(self.record, self.model.params)

    def install(self) -> None:
        """Install the option the vendor queue granted this month, if any."""
        k = self.record.intent
        if k >= 0:
            _adopt(self.record, k, self.model.options, self.model.params)

    # -- readable state ----------------------------------------------------
    @property
    def sector(self) -> str:
        return list(self.model.profile.sectors)[self.record.sector]

    @property
    def size(self) -> str:
        return SIZES[self.record.size_class]

    @property
    def member(self) -> bool:
        return bool(self.record.member)

    @property
    def aware(self) -> bool:
        return bool(self.record.aware)

    @property
    def belief(self) -> dict[str, float]:
        """Perceived share of each option's true savings, by option name."""
        names = self.model.profile.option_names
        return {name: float(self.record.belief[k]) for k, name in enumerate(names)}

    @property
    def horizon(self) -> float:
        return float(self.record.horizon)

    @property
    def cash(self) -> float:
        return float(self.record.cash)

    @property
    def adopted(self) -> list[str]:
        names = self.model.profile.option_names
        return [names[k] for k in range(len(names)) if (int(self.record.adopted) >> k) & 1]

    @property
    def is_adopter(self) -> bool:
        return bool(self.record.adopted)

    @property
    def status(self) -> str:
        return STATUS[int(self.record.status)]


STATUS = ("at site", "relocated to the park", "relocated out", "closed")


class Body(mesa.Agent):
    """A collective body (association chapter or park committee) and its common plant: record ``row`` of ``model.bodies``.

    Its members are the firms whose ``body`` is ``row``; the model tallies
    their pledges and connections (:func:`adoptsim.rules.tally`) before the
    body acts.
    """

    def __init__(self, model: "AdoptionModel", row: int) -> None:
        super().__init__(model)
        self.row = row
        self.record = model.bodies[row]

    def step(self) -> None:
        """Propose, count pledges, finance and build, then run or idle the plant."""
        _plant_month(self.record, self.model.month, self.model.params)

    @property
    def plant(self) -> str:
        return PLANT_STATES[int(self.record.state)]

    @property
    def members(self) -> list[Firm]:
        return [a for a in self.model.firm_agents if int(a.record.body) == self.row]
