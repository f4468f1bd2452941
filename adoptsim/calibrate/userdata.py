"""A researcher's own data (``adoptsim calibrate CONFIG --data FILE``): observed adoption over time.

Each row is validated by :class:`UserRow` (pydantic, via :mod:`.csvrows`), then becomes an
:class:`Observation` and, bound to a scenario of the config, a :class:`~.targets.Target`.

Observed adoption over time per cluster::

    cluster,month,share_adopted,n_firms,low,high
    moradabad,12,0.04,400,0.02,0.06

``cluster`` (required) names a ``[[scenario]]`` id of the config or the cluster
(profile name) of exactly one of its scenarios. ``month`` (required): integer
months since the scenario's month 0, 0-1200. Exactly one of ``adopters``
(integer count >= 0) or ``share_adopted`` (0-1). Optional ``n_firms`` (integer
>= 1, the firms observed; ``adopters`` are divided by it), ``low`` and ``high``
(both or neither, same unit as the value, ``low <= value <= high``, ``low <
high``), ``source`` and ``note`` (free text). Without ``low``/``high`` the
interval is the 90 % binomial interval ``share +/- 1.645 sqrt(share (1 - share) / n_firms)``
(at least +/- 0.01) when ``n_firms`` is given, else ``share +/- 0.05``; for
``adopters`` without ``n_firms``, ``adopters +/- max(1.645 sqrt(adopters), 1)``.
One row per (cluster, month).

Checks beyond single cells: a cluster's series is cumulative, so a value below
an earlier month's is refused (``allow_decreasing=True``, ``--allow-decreasing``,
accepts it, e.g. when firms that adopted closed or removed the technology); and a
month beyond the horizon (``months``) of the scenario it belongs to is refused
rather than silently extending the simulation (give the scenario
``overrides = { months = N }`` in the config to simulate further).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Self

from pydantic import BaseModel, ConfigDict, ValidationInfo, model_validator

from .csvrows import OptionalText, Text, cell_error, integer, integer_range, number, read_csv, validate_row, value_range
from .errors import CalibrationError
from .quantities import MAX_MONTH
from .targets import Target

USER_REQUIRED = ("cluster", "month")
USER_OPTIONAL = ("adopters", "share_adopted", "n_firms", "low", "high", "source", "note")

Month = integer(0, MAX_MONTH)
Count = integer(0)
Share = number(0.0, 1.0, "a share from 0 to 1")
Firms = integer(1)
Number = number()


class UserRow(BaseModel):
    """One row of a user data file, validated from its text cells.

    The validation context gives ``quantity``: the one of ``adopters`` and
    ``share_adopted`` that the file's header has.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    cluster: Text
    month: Month
    adopters: Count = None
    share_adopted: Share = None
    n_firms: Firms = None
    low: Number = None
    high: Number = None
    source: OptionalText = ""
    note: OptionalText = ""

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> Self:
        quantity = info.context["quantity"]
        if self.month is None:
            raise cell_error("month", "missing value", integer_range(0, MAX_MONTH))
        value = getattr(self, quantity)
        if quantity == "share_adopted":
            if value is None:
                raise cell_error("share_adopted", "missing value", "a share from 0 to 1")
            lo, hi = 0.0, 1.0
        else:
            if value is None:
                raise cell_error("adopters", "missing value", integer_range(0, self.n_firms))
            if self.n_firms is not None and value > self.n_firms:
                raise cell_error("adopters", f"{value} is out of range", integer_range(0, self.n_firms))
            lo, hi = 0.0, (float(self.n_firms) if self.n_firms else None)
        for column in ("low", "high"):
            x = getattr(self, column)
            if x is not None and ((lo is not None and x < lo) or (hi is not None and x > hi)):
                raise cell_error(column, f"{x:g} is out of range", value_range(lo, hi))
        if (self.low is None) != (self.high is None):
            raise cell_error("high" if self.high is None else "low", "low and high go together", "both or neither")
        if self.low is not None:
            if self.low > value:
                raise cell_error("low", f"{self.low} is above the observed value {value}", f"<= {value}")
            if self.high < value:
                raise cell_error("high", f"{self.high} is below the observed value {value}", f">= {value}")
            if not self.low < self.high:
                raise cell_error("high", f"the interval [{self.low}, {self.high}] is empty", f"> low ({self.low})")
        return self


@dataclass(frozen=True)
class Observation:
    """One validated row of a user data file (cluster not yet matched to a scenario)."""

    cluster: str
    month: int
    quantity: str  # share_adopted or adopters
    value: float
    low: float
    high: float
    n_firms: int | None
    source: str
    note: str
    origin: str
    row: int
    line: int


def load_user_data(path: str | Path, allow_decreasing: bool = False) -> list[Observation]:
    """Read and validate a researcher's CSV of observed adoption over time (format above).

    A cluster's cumulative series that falls is an error unless ``allow_decreasing``.
    """
    path = Path(path)
    header, rows = read_csv(path, USER_REQUIRED, USER_OPTIONAL, "data")
    if not rows:
        raise CalibrationError(f"{path}: no data rows (expected: {', '.join(USER_REQUIRED)}, "
                               "and adopters or share_adopted)")
    if ("adopters" in header) == ("share_adopted" in header):
        raise CalibrationError(f"{path}: line 1: give exactly one of the columns adopters or share_adopted")
    if ("low" in header) != ("high" in header):
        raise CalibrationError(f"{path}: line 1: columns low and high go together (give both or neither)")
    quantity = "adopters" if "adopters" in header else "share_adopted"
    context = {"quantity": quantity}
    out: list[Observation] = []
    seen: dict[tuple[str, int], int] = {}
    for row in rows:
        r = validate_row(UserRow, row, context)
        if (r.cluster, r.month) in seen:
            raise row.error("month", f"cluster {r.cluster!r} month {r.month} repeats row {seen[r.cluster, r.month]}",
                            "one row per cluster and month")
        seen[r.cluster, r.month] = row.index
        value = getattr(r, quantity)
        low, high = (r.low, r.high) if r.low is not None else default_interval(quantity, float(value), r.n_firms)
        if quantity == "adopters" and r.n_firms:
            # compare shares: the simulated population need not have the observed size
            value, low, high, q = value / r.n_firms, low / r.n_firms, high / r.n_firms, "share_adopted"
        else:
            q = quantity
        out.append(Observation(cluster=r.cluster, month=r.month, quantity=q, value=float(value), low=float(low),
                               high=float(high), n_firms=r.n_firms, source=r.source, note=r.note,
                               origin=f"{path}: row {row.index}", row=row.index, line=row.line))
    if not allow_decreasing:
        check_cumulative(out, quantity)
    return out


def check_cumulative(observations: list[Observation], column: str) -> None:
    """Refuse a cluster's series whose value falls from one observed month to a later one.

    Values are compared as stored (shares when ``n_firms`` is given, else counts); ``column``
    is the file's column, named in the error.
    """
    by_cluster: dict[str, list[Observation]] = {}
    for ob in observations:
        by_cluster.setdefault(ob.cluster, []).append(ob)
    for cluster, obs in by_cluster.items():
        obs = sorted(obs, key=lambda o: o.month)
        for prev, ob in zip(obs, obs[1:]):
            if ob.quantity == prev.quantity and ob.value < prev.value:
                unit = "a share" if ob.quantity == "share_adopted" else "adopters"
                raise CalibrationError(
                    f"{ob.origin} (line {ob.line}): column '{column}': {ob.value:g} ({unit}) at month {ob.month} "
                    f"is below {prev.value:g} at month {prev.month} (row {prev.row}) for cluster {cluster!r}: "
                    f"cumulative adoption cannot fall (allowed: >= {prev.value:g}); if your series really falls "
                    "(adopters that closed or removed the technology), pass --allow-decreasing")


def default_interval(quantity: str, value: float, n_firms: int | None) -> tuple[float, float]:
    """The interval assumed when a user row gives none (see the module docstring)."""
    if quantity == "share_adopted":
        if n_firms:
            half = max(1.645 * math.sqrt(value * (1 - value) / n_firms), 0.01)
        else:
            half = 0.05
        return max(0.0, value - half), min(1.0, value + half)
    if n_firms:
        share = value / n_firms
        half = max(1.645 * math.sqrt(share * (1 - share) / n_firms), 0.01) * n_firms
        return max(0.0, value - half), min(float(n_firms), value + half)
    half = max(1.645 * math.sqrt(value), 1.0)
    return max(0.0, value - half), value + half


def observations_to_targets(observations: list[Observation], scenarios: dict[str, str],
                            data_path: str | Path, horizons: dict[str, int] | None = None) -> list[Target]:
    """Map user rows to targets of the config's scenarios.

    ``scenarios`` maps scenario id -> cluster (profile) name. A row's ``cluster``
    is a scenario id, or the cluster of exactly one scenario. ``horizons`` (scenario
    id -> months simulated): a row beyond its scenario's horizon is an error.
    """
    by_cluster: dict[str, list[str]] = {}
    for sid, cluster in scenarios.items():
        by_cluster.setdefault(cluster, []).append(sid)
    out = []
    for ob in observations:
        if ob.cluster in scenarios:
            sid = ob.cluster
        elif len(by_cluster.get(ob.cluster, [])) == 1:
            sid = by_cluster[ob.cluster][0]
        else:
            allowed = sorted(set(scenarios) | {c for c, s in by_cluster.items() if len(s) == 1})
            why = ("names several scenarios; use a scenario id" if ob.cluster in by_cluster
                   else "matches no scenario of the calibration config")
            raise CalibrationError(f"{ob.origin} (line {ob.line}): column 'cluster': {ob.cluster!r} {why} "
                                   f"(allowed: {', '.join(allowed)})")
        horizon = (horizons or {}).get(sid)
        if horizon is not None and ob.month > horizon:
            raise CalibrationError(
                f"{ob.origin} (line {ob.line}): column 'month': {ob.month} is beyond the horizon of scenario "
                f"{sid!r} ({horizon} months; allowed: 0 to {horizon}); to simulate further give that scenario "
                f"overrides = {{ months = {ob.month} }} in the calibration config")
        low, high = ob.low, ob.high
        if not low < high:  # a share of exactly 0 or 1 with a clipped default interval
            raise CalibrationError(f"{ob.origin} (line {ob.line}): column 'high': empty interval [{low}, {high}]")
        out.append(Target(
            id=f"data:{sid}:m{ob.month}", set="calibration", role="behavioural", cluster=scenarios[sid],
            scenario=sid, quantity=ob.quantity, month=ob.month, cohort_month=None, value=ob.value, low=low,
            high=high, n_firms=ob.n_firms if ob.quantity == "adopters" else None,
            unit="share" if ob.quantity == "share_adopted" else "firms", date="", statement=ob.note,
            source_document=ob.source or str(data_path), source_section=f"row {ob.row}", notes=ob.note,
            origin=ob.origin,
        ))
    return out
