"""Observed figures as calibration targets: the :class:`Target` record and the target file.

A target file is validated row by row by :class:`TargetRow` (pydantic, via
:mod:`.csvrows`) with errors of the form
``FILE: row N (line L): column C: problem (allowed: ...)``. What a target may
name, and in which unit, is in :mod:`.quantities`; researchers' own data
(``--data``) in :mod:`.userdata` (its names are importable from here too).

Target file (``calibration/data/targets.csv``)
----------------------------------------------
One row per observed figure, with its provenance::

    id, set, role, cluster, scenario, quantity, month, cohort_month, value, low, high,
    n_firms, unit, date, statement, source_document, source_section, notes

``set``
    ``calibration`` (used to fit) or ``validation`` (held out for ``adoptsim validate``).
``role``
    ``behavioural``: a model outcome that depends on the behavioural parameters; fitted.
    ``lever_check``: a model outcome fixed mainly by an intervention lever (e.g. firms
    reached by outreach); simulated and shown in the predictive check, not fitted.
    ``input``: a figure the scenario takes as given (pilots installed, firms audited);
    ``quantity`` is the flat scenario key it sets.
    ``structural``: a property of a cluster profile (option payback, audit totals),
    checked by :func:`structural_checks`, not by simulation.
    ``qualitative``: a statement with no number (kept for the record; value blank).
``scenario``
    for ``behavioural`` and ``lever_check`` rows, the id of the simulated setting
    (a ``[[scenario]]`` id of the calibration config); for other rows the scenario
    or profile the figure belongs to.
``quantity``
    ``behavioural`` / ``lever_check``: a column of the monthly outcome table
    (:data:`SERIES_COLUMNS`, or ``share_option_<option>``, ``share_sector_<sector>``,
    ``share_size_<size>``) read at ``month``, or ``cohort_share_adopted_among_reached``:
    the share adopted at ``month`` among the firms reached by ``cohort_month``.
    ``structural``: ``<option>.<measure>[@<size>]`` (:data:`STRUCTURAL_MEASURES`).
``value``, ``low``, ``high``
    the figure and the interval that expresses its uncertainty (rounding, "at least",
    "20-30 %"); fitted and checked rows need ``low < high``. The calibration compares
    the simulated quantity with the interval's midpoint in units of its half-width.
``n_firms``
    the population the figure refers to (count quantities are rescaled when a
    scenario simulates fewer firms; structural totals multiply by it).
``unit``
    must match the quantity (:func:`expected_unit`).
``date``
    ``YYYY``, ``YYYY-MM`` or a range ``A/B`` of those.
``statement``, ``source_document``, ``source_section``
    the words of the source, and where they are; all three required.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, model_validator

from .csvrows import (OptionalText, Text, cell_error, choice, integer, integer_range, matching, number, read_csv,
                      validate_row, value_range)
from .errors import CalibrationError
from .quantities import (COHORT, COUNT_COLUMNS, MAX_MONTH, MONEY_COLUMNS, PATTERN_STATISTICS, PHYSICAL_COLUMNS,
                         ROLES, SHARE_COLUMNS, SHARE_PREFIXES, SIMULATED_ROLES, SIZES, STRUCTURAL, STRUCTURAL_MEASURES, expected_unit,
                         profile, quantity_problem, quantity_range, structural_measure)

__all__ = ["COHORT", "COUNT_COLUMNS", "DATE", "ID", "MAX_MONTH", "MONEY_COLUMNS", "PATTERN_STATISTICS",
           "PHYSICAL_COLUMNS", "ROLES", "SETS", "SHARE_COLUMNS", "SHARE_PREFIXES", "SIMULATED_ROLES", "SIZES", "STRUCTURAL_MEASURES",
           "TARGET_COLUMNS", "Target", "TargetRow", "expected_unit", "load_targets", "quantity_range",
           "structural_checks", "structural_value",
           # from .userdata
           "USER_OPTIONAL", "USER_REQUIRED", "Observation", "UserRow", "default_interval", "load_user_data",
           "observations_to_targets"]

SETS = ("calibration", "validation")
TARGET_COLUMNS = ("id", "set", "role", "cluster", "scenario", "quantity", "month", "cohort_month", "value",
                  "low", "high", "n_firms", "unit", "date", "statement", "source_document", "source_section",
                  "notes")
DATE = re.compile(r"^\d{4}(-(0[1-9]|1[0-2]))?(/\d{4}(-(0[1-9]|1[0-2]))?)?$")
ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")


@dataclass(frozen=True)
class Target:
    """One observed figure, mapped to a model quantity."""

    id: str
    set: str
    role: str
    cluster: str
    scenario: str
    quantity: str
    month: int | None
    cohort_month: int | None
    value: float | None
    low: float | None
    high: float | None
    n_firms: int | None
    unit: str
    date: str
    statement: str
    source_document: str
    source_section: str
    notes: str = ""
    origin: str = field(default="", compare=False)  # "file: row N" for messages

    @property
    def centre(self) -> float:
        """Midpoint of the interval: what the simulated quantity is compared with."""
        return 0.5 * (self.low + self.high)

    @property
    def half_width(self) -> float:
        return 0.5 * (self.high - self.low)

    @property
    def is_count(self) -> bool:
        return self.quantity in COUNT_COLUMNS

    def as_row(self) -> dict:
        return {c: getattr(self, c) for c in TARGET_COLUMNS}


def _clusters() -> tuple[str, ...]:
    from ..profiles import shipped_profiles

    return tuple(shipped_profiles())


TargetSet = choice(SETS)
Role = choice(ROLES)
Id = matching(ID, "a valid id", "letters, digits and _ . : - (starting with a letter or digit)")
Date = matching(DATE, "a date", "YYYY, YYYY-MM or a range A/B of those")
Cluster = choice(_clusters)
Month = integer(0, MAX_MONTH)
Firms = integer(1)
Number = number()


class TargetRow(BaseModel):
    """One row of a target file, validated from its text cells (the rules are in the module docstring).

    Cells are checked one by one first (parse, required text, allowed values,
    dates); the rules that tie columns together (the quantity for the role and
    cluster, the month a simulated figure needs, the interval, the unit) then run in
    the order of the columns.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: Id
    set: TargetSet
    role: Role
    cluster: Cluster
    scenario: Text
    quantity: Text
    month: Month
    cohort_month: Month
    value: Number
    low: Number
    high: Number
    n_firms: Firms
    unit: Text
    date: Date
    statement: Text
    source_document: Text
    source_section: Text
    notes: OptionalText = ""

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        problem = quantity_problem(self.quantity, self.role, self.cluster)
        if problem is not None:
            raise cell_error("quantity", *problem)
        simulated = self.role in SIMULATED_ROLES
        if simulated and self.month is None:
            raise cell_error("month", "missing value", integer_range(0, MAX_MONTH))
        if self.cohort_month is None and simulated and self.quantity == COHORT:
            raise cell_error("cohort_month", "missing value", integer_range(0, MAX_MONTH))
        if self.cohort_month is not None and self.quantity != COHORT:
            raise cell_error("cohort_month", f"only used with quantity {COHORT}", "blank")
        if self.cohort_month is not None and self.month is not None and self.cohort_month > self.month:
            raise cell_error("cohort_month", f"{self.cohort_month} is after month {self.month}", f"0 to {self.month}")
        lo, hi = quantity_range(self.quantity, self.role)
        allowed = value_range(lo, hi) + (f" ({self.quantity} is a share)" if (lo, hi) == (0.0, 1.0) else "")
        for column, required in (("value", self.role != "qualitative"), ("low", simulated), ("high", simulated)):
            x = getattr(self, column)
            if x is None and required:
                raise cell_error(column, "missing value", allowed)
            if x is not None and ((lo is not None and x < lo) or (hi is not None and x > hi)):
                raise cell_error(column, f"{x:g} is out of range", allowed)
        value, low, high = self.value, self.low, self.high
        if low is not None and value is not None and low > value:
            raise cell_error("low", f"{low} is above value {value}", f"<= {value}")
        if high is not None and value is not None and high < value:
            raise cell_error("high", f"{high} is below value {value}", f">= {value}")
        if low is not None and high is not None and not low < high:
            raise cell_error("high", f"the interval [{low}, {high}] is empty", f"> low ({low})")
        if (self.role == "structural" and STRUCTURAL_MEASURES[structural_measure(self.quantity)][1]
                and self.n_firms is None):
            raise cell_error("n_firms", "a structural total needs the number of firms it sums over", "an integer >= 1")
        want = expected_unit(self.quantity, self.role, profile(self.cluster).profile.currency)
        if want is not None and self.unit != want:
            raise cell_error("unit", f"{self.unit!r} does not match quantity {self.quantity!r}", want)
        return self


def load_targets(path: str | Path) -> list[Target]:
    """Read and validate a target file (format in this module's docstring)."""
    path = Path(path)
    out: list[Target] = []
    seen: dict[str, int] = {}
    for row in read_csv(path, TARGET_COLUMNS, (), "target")[1]:
        t = validate_row(TargetRow, row)
        if t.id in seen:
            raise row.error("id", f"{t.id!r} repeats row {seen[t.id]}", "unique ids")
        seen[t.id] = row.index
        out.append(Target(**t.model_dump(), origin=f"{path}: row {row.index}"))
    if not out:
        raise CalibrationError(f"{path}: no target rows")
    return out


# --------------------------------------------------------------------------- structural checks
def structural_value(target: Target) -> float:
    """The value a cluster profile implies for a ``structural`` target.

    Per-firm quantities use the mean water use of the size class (lognormal:
    median x exp(sigma^2 / 2)); totals multiply by ``n_firms``. Without a size,
    payback is ``12 capex_per_m3 / savings_per_m3`` (the fixed cost ignored).
    """
    prof = profile(target.cluster)
    m = STRUCTURAL.fullmatch(target.quantity)
    option, measure, size = m.group(1), m.group(2), m.group(3)
    o = prof.technologies[option]
    if measure == "water_saving":
        return o.water_saving
    if size is None:
        return 12.0 * o.capex_per_m3 / o.savings_per_m3 if measure == "payback_months" else float("nan")
    z = prof.sizes[size]
    w = z.water_use_median * math.exp(z.water_use_sigma ** 2 / 2)
    per_firm = {
        "payback_months": 12.0 * (o.capex_fixed + o.capex_per_m3 * w) / (o.savings_per_m3 * w),
        "investment": o.capex_fixed + o.capex_per_m3 * w,
        "savings_per_year": o.savings_per_m3 * w,
        "water_saved_m3_per_year": o.water_saving * w,
        "chemicals_t_per_year": o.chemicals_per_m3 * w / 1000.0,
        "power_kw": o.energy_per_m3 * w / 1000.0,
    }[measure]
    return per_firm * (target.n_firms if STRUCTURAL_MEASURES[measure][1] else 1)


def structural_checks(targets: list[Target]) -> list[dict]:
    """For every structural target: observed interval, profile value, and whether it lies inside."""
    rows = []
    for t in targets:
        if t.role != "structural":
            continue
        model = structural_value(t)
        lo = t.low if t.low is not None else t.value
        hi = t.high if t.high is not None else t.value
        rows.append({"id": t.id, "cluster": t.cluster, "quantity": t.quantity, "unit": t.unit, "value": t.value,
                     "low": lo, "high": hi, "model": model, "inside": bool(lo <= model <= hi)})
    return rows



_USER_DATA = ("USER_OPTIONAL", "USER_REQUIRED", "Observation", "UserRow", "default_interval", "load_user_data",
              "observations_to_targets")


def __getattr__(name: str) -> Any:
    """The user-data names (:mod:`.userdata`), importable from here as before; lazy, as userdata imports Target."""
    if name in _USER_DATA:
        from . import userdata

        return getattr(userdata, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
