"""Firm: the per-agent face of one row of the firm arrays.

A ``Firm`` holds no state of its own: its attributes read its record in the
model's firm table, and its two actions run the shared decision rules
(:mod:`adoptsim.rules`) as plain Python on that record. This is the readable
path: step through ``Firm.decide`` in a debugger and you step through the
model's behaviour.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from .profiles import SIZES
from .rules import adopt, firm_month

if TYPE_CHECKING:
    from .model import AdoptionModel

_decide = firm_month.py_func
_adopt = adopt.py_func


class Firm(mesa.Agent):
    """An MSME in the cluster: record ``row`` of ``model.firms``."""

    def __init__(self, model: "AdoptionModel", row: int) -> None:
        super().__init__(model)
        self.row = row
        self.record = model.firms[row]  # a view: writes go to the model's table

    # -- actions ---------------------------------------------------------
    def decide(self) -> None:
        """Hear, learn and weigh the options; maybe ask a vendor to install one."""
        m = self.model
        _decide(self.record, m.month, m.options, m.params, m.signals)

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
    def belief(self) -> float:
        return float(self.record.belief)

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
