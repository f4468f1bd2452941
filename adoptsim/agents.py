"""Firm: the per-agent face of one row of the firm arrays.

A ``Firm`` holds no state of its own: its attributes read its row of the
model's arrays, and its two actions run the shared decision rules
(:mod:`adoptsim.rules`) as plain Python for that row. This is the readable
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
    """An MSME in the cluster (one row ``row`` of ``model.firms``)."""

    def __init__(self, model: "AdoptionModel", row: int) -> None:
        super().__init__(model)
        self.row = row

    # -- actions ---------------------------------------------------------
    def decide(self) -> None:
        """Hear, learn and weigh the options; maybe ask a vendor to install one."""
        m = self.model
        _decide(self.row, m.month, m.firms, m.options, m.params, m.signals)

    def install(self) -> None:
        """Install the option the vendor queue granted this month, if any."""
        m = self.model
        k = m.firms.intent[self.row]
        if k >= 0:
            _adopt(self.row, k, m.firms, m.options, m.params)

    # -- readable state ----------------------------------------------------
    @property
    def sector(self) -> str:
        return list(self.model.profile.sectors)[self.model.firms.sector[self.row]]

    @property
    def size(self) -> str:
        return SIZES[self.model.firms.size[self.row]]

    @property
    def member(self) -> bool:
        return bool(self.model.firms.member[self.row])

    @property
    def aware(self) -> bool:
        return bool(self.model.firms.aware[self.row])

    @property
    def belief(self) -> float:
        return float(self.model.firms.belief[self.row])

    @property
    def horizon(self) -> float:
        return float(self.model.firms.horizon[self.row])

    @property
    def cash(self) -> float:
        return float(self.model.firms.cash[self.row])

    @property
    def adopted(self) -> list[str]:
        names = self.model.profile.option_names
        return [names[k] for k in range(len(names)) if self.model.firms.adopted[self.row, k]]

    @property
    def is_adopter(self) -> bool:
        return bool(self.model.firms.adopted[self.row].any())
