"""Observed figures as calibration targets: the seed target file and researchers' own data.

Two CSV formats, both validated row by row with errors of the form
``FILE: row N (line L): column C: problem (allowed: ...)``.

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

User data (``adoptsim calibrate CONFIG --data FILE``)
-----------------------------------------------------
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
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import CalibrationError

SETS = ("calibration", "validation")
ROLES = ("behavioural", "lever_check", "input", "structural", "qualitative")
SIMULATED_ROLES = ("behavioural", "lever_check")

TARGET_COLUMNS = ("id", "set", "role", "cluster", "scenario", "quantity", "month", "cohort_month", "value",
                  "low", "high", "n_firms", "unit", "date", "statement", "source_document", "source_section",
                  "notes")
#: Columns of the monthly outcome table that a target may name (besides the per-option,
#: per-sector and per-size shares). Kept equal to ``outcomes.series_columns`` by a test.
COUNT_COLUMNS = ("firms", "aware", "adopters", "compliant", "installs", "outreach_contacts", "reached")
SHARE_COLUMNS = ("share_aware", "share_adopted", "share_members", "share_non_members",
                 "share_adopted_among_reached")
COHORT = "cohort_share_adopted_among_reached"
PHYSICAL_COLUMNS = {"water_saved_m3_per_year": "m3/yr", "chemicals_avoided_t_per_year": "t/yr",
                    "power_avoided_kw": "kW", "pollution_load_m3eq_per_year": "m3eq/yr"}
MONEY_COLUMNS = {"net_savings_per_year": "{cur}/yr", "private_investment": "{cur}",
                 "private_investment_cumulative": "{cur}", "public_cost_total": "{cur}",
                 "public_cost_cumulative": "{cur}"}
SHARE_PREFIXES = ("share_option_", "share_sector_", "share_size_")
#: Structural measures of an option: (unit, per-firm total needs a size and n_firms).
STRUCTURAL_MEASURES = {
    "payback_months": ("months", False),
    "water_saving": ("share", False),
    "investment": ("{cur}", True),
    "savings_per_year": ("{cur}/yr", True),
    "water_saved_m3_per_year": ("m3/yr", True),
    "chemicals_t_per_year": ("t/yr", True),
    "power_kw": ("kW", True),
}
SIZES = ("micro", "small", "medium")
DATE = re.compile(r"^\d{4}(-(0[1-9]|1[0-2]))?(/\d{4}(-(0[1-9]|1[0-2]))?)?$")
ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")
MAX_MONTH = 1200


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


class _Row:
    """Accessors for one CSV row that raise errors naming file, row and column."""

    def __init__(self, path: Path, number: int, line: int, data: dict[str, str]):
        self.path, self.index, self.line, self.data = path, number, line, data

    @property
    def where(self) -> str:
        return f"{self.path}: row {self.index} (line {self.line})"

    def error(self, column: str, message: str, allowed: str = "") -> CalibrationError:
        return CalibrationError(f"{self.where}: column '{column}': {message}"
                                + (f" (allowed: {allowed})" if allowed else ""))

    def text(self, column: str, required: bool = True) -> str:
        value = (self.data.get(column) or "").strip()
        if required and not value:
            raise self.error(column, "missing value", "non-empty text")
        return value

    def choice(self, column: str, allowed: tuple[str, ...]) -> str:
        value = self.text(column)
        if value not in allowed:
            raise self.error(column, f"{value!r} is not allowed", ", ".join(allowed))
        return value

    def number(self, column: str, required: bool, lo: float | None = None, hi: float | None = None,
               allowed: str = "") -> float | None:
        raw = self.text(column, required=False)
        if not raw:
            if required:
                raise self.error(column, "missing value", allowed or "a number")
            return None
        try:
            value = float(raw)
        except ValueError:
            raise self.error(column, f"{raw!r} is not a number", allowed or "a number") from None
        if not math.isfinite(value):
            raise self.error(column, f"{raw!r} is not finite", allowed or "a finite number")
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            raise self.error(column, f"{raw} is out of range", allowed or _range(lo, hi))
        return value

    def integer(self, column: str, required: bool, lo: int | None = None, hi: int | None = None) -> int | None:
        allowed = "an integer " + _range(lo, hi)
        value = self.number(column, required, lo, hi, allowed)
        if value is None:
            return None
        if value != int(value):
            raise self.error(column, f"{self.text(column)!r} is not an integer", allowed)
        return int(value)


def _range(lo, hi) -> str:
    if lo is not None and hi is not None:
        return f"{lo} to {hi}"
    if lo is not None:
        return f">= {lo}"
    if hi is not None:
        return f"<= {hi}"
    return "any number"


def _read_csv(path: Path, required: tuple[str, ...], optional: tuple[str, ...], what: str):
    """Yield :class:`_Row` objects; check the header first."""
    path = Path(path)
    if not path.is_file():
        raise CalibrationError(f"{path}: no such {what} file")
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            raise CalibrationError(f"{path}: empty {what} file "
                                   f"(expected a header row: {', '.join(required)})") from None
        missing = [c for c in required if c not in header]
        if missing:
            raise CalibrationError(f"{path}: line 1: missing column(s) {', '.join(missing)} "
                                   f"(required: {', '.join(required)}; optional: {', '.join(optional) or 'none'})")
        unknown = [c for c in header if c not in required + optional]
        if unknown:
            raise CalibrationError(f"{path}: line 1: unknown column(s) {', '.join(unknown)} "
                                   f"(allowed: {', '.join(required + optional)})")
        dup = sorted({c for c in header if header.count(c) > 1})
        if dup:
            raise CalibrationError(f"{path}: line 1: duplicate column(s) {', '.join(dup)}")
        number = 0
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            number += 1
            row = _Row(path, number, reader.line_num, {})
            if len(cells) != len(header):
                raise CalibrationError(f"{row.where}: {len(cells)} cells but the header has {len(header)} columns")
            row.data = dict(zip(header, cells))
            yield row


# --------------------------------------------------------------------------- quantities and units
def _profile(cluster: str):
    from ..profiles import load_profile

    return load_profile(cluster)


def expected_unit(quantity: str, role: str, currency: str) -> str | None:
    """The unit a quantity must be given in (None: any non-empty unit, for inputs and qualitative rows)."""
    if role in ("input", "qualitative"):
        return None
    if role == "structural":
        measure = quantity.split(".", 1)[1].split("@")[0]
        return STRUCTURAL_MEASURES[measure][0].format(cur=currency)
    if quantity in COUNT_COLUMNS:
        return "firms"
    if quantity in SHARE_COLUMNS or quantity == COHORT or quantity.startswith(SHARE_PREFIXES):
        return "share"
    if quantity in PHYSICAL_COLUMNS:
        return PHYSICAL_COLUMNS[quantity]
    if quantity in MONEY_COLUMNS or quantity.startswith("public_cost_"):
        return MONEY_COLUMNS.get(quantity, "{cur}").format(cur=currency)
    return None


def quantity_range(quantity: str, role: str) -> tuple[float | None, float | None]:
    """Allowed range of a target's value/low/high."""
    if role in ("input", "qualitative"):
        return (None, None)
    if role == "structural":
        measure = quantity.split(".", 1)[1].split("@")[0]
        if measure == "water_saving":
            return (0.0, 1.0)
        return (None, None) if measure == "savings_per_year" else (0.0, None)
    if expected_unit(quantity, role, "") == "share":
        return (0.0, 1.0)
    if quantity == "net_savings_per_year":
        return (None, None)
    return (0.0, None)


def check_quantity(row: _Row, quantity: str, role: str, cluster: str) -> None:
    """Raise if ``quantity`` is not a known model quantity for ``role`` and ``cluster``."""
    profile = _profile(cluster)
    if role == "input":
        from ..scenario import flat_keys

        if quantity not in flat_keys():
            raise row.error("quantity", f"{quantity!r} is not a scenario parameter", "a flat scenario key, "
                            "e.g. n_firms, demonstration_pilots, outreach_reach_per_month")
        return
    if role == "qualitative":
        return
    if role == "structural":
        m = re.fullmatch(r"([A-Za-z0-9_]+)\.([a-z0-9_]+)(?:@([a-z]+))?", quantity)
        allowed = (f"<option>.<measure>[@<size>] with option in {', '.join(profile.option_names)}, measure in "
                   f"{', '.join(STRUCTURAL_MEASURES)}, size in {', '.join(SIZES)}")
        if not m or m.group(1) not in profile.option_names or m.group(2) not in STRUCTURAL_MEASURES:
            raise row.error("quantity", f"{quantity!r} is not a structural quantity of cluster {cluster!r}", allowed)
        if m.group(3) is not None and m.group(3) not in SIZES:
            raise row.error("quantity", f"unknown size {m.group(3)!r}", allowed)
        if STRUCTURAL_MEASURES[m.group(2)][1] and m.group(3) is None:
            raise row.error("quantity", f"{m.group(2)!r} is a total over firms and needs a size, e.g. "
                            f"{m.group(1)}.{m.group(2)}@medium", allowed)
        return
    names = (list(COUNT_COLUMNS) + list(SHARE_COLUMNS) + [COHORT] + list(PHYSICAL_COLUMNS) + list(MONEY_COLUMNS)
             + [f"share_option_{o}" for o in profile.option_names]
             + [f"share_sector_{s}" for s in profile.sectors] + [f"share_size_{z}" for z in SIZES])
    if quantity not in names:
        raise row.error("quantity", f"{quantity!r} is not an outcome of cluster {cluster!r}", ", ".join(names))


# --------------------------------------------------------------------------- target files
def load_targets(path: str | Path) -> list[Target]:
    """Read and validate a target file (format in this module's docstring)."""
    from ..profiles import shipped_profiles

    path = Path(path)
    out: list[Target] = []
    seen: dict[str, int] = {}
    clusters = tuple(shipped_profiles())
    for row in _read_csv(path, TARGET_COLUMNS, (), "target"):
        tid = row.text("id")
        if not ID.match(tid):
            raise row.error("id", f"{tid!r} is not a valid id",
                            "letters, digits and _ . : - (starting with a letter or digit)")
        if tid in seen:
            raise row.error("id", f"{tid!r} repeats row {seen[tid]}", "unique ids")
        seen[tid] = row.index
        tset = row.choice("set", SETS)
        role = row.choice("role", ROLES)
        cluster = row.choice("cluster", clusters)
        scenario = row.text("scenario")
        quantity = row.text("quantity")
        check_quantity(row, quantity, role, cluster)
        simulated = role in SIMULATED_ROLES
        month = row.integer("month", required=simulated, lo=0, hi=MAX_MONTH)
        cohort_month = row.integer("cohort_month", required=simulated and quantity == COHORT, lo=0, hi=MAX_MONTH)
        if cohort_month is not None and quantity != COHORT:
            raise row.error("cohort_month", f"only used with quantity {COHORT}", "blank")
        if cohort_month is not None and month is not None and cohort_month > month:
            raise row.error("cohort_month", f"{cohort_month} is after month {month}", f"0 to {month}")
        lo, hi = quantity_range(quantity, role)
        allowed = _range(lo, hi) + (f" ({quantity} is a share)" if (lo, hi) == (0.0, 1.0) else "")
        needs_value = role != "qualitative"
        value = row.number("value", needs_value, lo, hi, allowed)
        low = row.number("low", simulated, lo, hi, allowed)
        high = row.number("high", simulated, lo, hi, allowed)
        if low is not None and value is not None and low > value:
            raise row.error("low", f"{low} is above value {value}", f"<= {value}")
        if high is not None and value is not None and high < value:
            raise row.error("high", f"{high} is below value {value}", f">= {value}")
        if low is not None and high is not None and not low < high:
            raise row.error("high", f"the interval [{low}, {high}] is empty", f"> low ({low})")
        n_firms = row.integer("n_firms", required=False, lo=1)
        if role == "structural" and STRUCTURAL_MEASURES[quantity.split(".", 1)[1].split("@")[0]][1] and n_firms is None:
            raise row.error("n_firms", "a structural total needs the number of firms it sums over", "an integer >= 1")
        unit = row.text("unit")
        want = expected_unit(quantity, role, _profile(cluster).profile.currency)
        if want is not None and unit != want:
            raise row.error("unit", f"{unit!r} does not match quantity {quantity!r}", want)
        date = row.text("date")
        if not DATE.match(date):
            raise row.error("date", f"{date!r} is not a date", "YYYY, YYYY-MM or a range A/B of those")
        out.append(Target(
            id=tid, set=tset, role=role, cluster=cluster, scenario=scenario, quantity=quantity, month=month,
            cohort_month=cohort_month, value=value, low=low, high=high, n_firms=n_firms, unit=unit, date=date,
            statement=row.text("statement"), source_document=row.text("source_document"),
            source_section=row.text("source_section"), notes=row.text("notes", required=False),
            origin=f"{path}: row {row.index}",
        ))
    if not out:
        raise CalibrationError(f"{path}: no target rows")
    return out


# --------------------------------------------------------------------------- user data
USER_REQUIRED = ("cluster", "month")
USER_OPTIONAL = ("adopters", "share_adopted", "n_firms", "low", "high", "source", "note")


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


def load_user_data(path: str | Path) -> list[Observation]:
    """Read and validate a researcher's CSV of observed adoption over time (format above)."""
    path = Path(path)
    rows = list(_read_csv(path, USER_REQUIRED, USER_OPTIONAL, "data"))
    if not rows:
        raise CalibrationError(f"{path}: no data rows (expected: {', '.join(USER_REQUIRED)}, "
                               "and adopters or share_adopted)")
    header = set(rows[0].data)
    if ("adopters" in header) == ("share_adopted" in header):
        raise CalibrationError(f"{path}: line 1: give exactly one of the columns adopters or share_adopted")
    if ("low" in header) != ("high" in header):
        raise CalibrationError(f"{path}: line 1: columns low and high go together (give both or neither)")
    quantity = "adopters" if "adopters" in header else "share_adopted"
    out: list[Observation] = []
    seen: dict[tuple[str, int], int] = {}
    for row in rows:
        cluster = row.text("cluster")
        month = row.integer("month", required=True, lo=0, hi=MAX_MONTH)
        if (cluster, month) in seen:
            raise row.error("month", f"cluster {cluster!r} month {month} repeats row {seen[cluster, month]}",
                            "one row per cluster and month")
        seen[cluster, month] = row.index
        n_firms = row.integer("n_firms", required=False, lo=1) if "n_firms" in header else None
        if quantity == "share_adopted":
            value = row.number("share_adopted", True, 0.0, 1.0, "a share from 0 to 1")
            lo, hi = 0.0, 1.0
        else:
            value = row.integer("adopters", required=True, lo=0, hi=n_firms)
            lo, hi = 0.0, (float(n_firms) if n_firms else None)
        low = row.number("low", False, lo, hi) if "low" in header else None
        high = row.number("high", False, lo, hi) if "high" in header else None
        if (low is None) != (high is None):
            raise row.error("high" if high is None else "low", "low and high go together", "both or neither")
        if low is not None:
            if low > value:
                raise row.error("low", f"{low} is above the observed value {value}", f"<= {value}")
            if high < value:
                raise row.error("high", f"{high} is below the observed value {value}", f">= {value}")
            if not low < high:
                raise row.error("high", f"the interval [{low}, {high}] is empty", f"> low ({low})")
        else:
            low, high = default_interval(quantity, float(value), n_firms)
        if quantity == "adopters" and n_firms:
            # compare shares: the simulated population need not have the observed size
            value, low, high, q = value / n_firms, low / n_firms, high / n_firms, "share_adopted"
        else:
            q = quantity
        out.append(Observation(cluster=cluster, month=month, quantity=q, value=float(value), low=float(low),
                               high=float(high), n_firms=n_firms, source=row.text("source", False),
                               note=row.text("note", False), origin=f"{path}: row {row.index}",
                               row=row.index, line=row.line))
    return out


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
                            data_path: str | Path) -> list[Target]:
    """Map user rows to targets of the config's scenarios.

    ``scenarios`` maps scenario id -> cluster (profile) name. A row's ``cluster``
    is a scenario id, or the cluster of exactly one scenario.
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


# --------------------------------------------------------------------------- structural checks
def structural_value(target: Target) -> float:
    """The value a cluster profile implies for a ``structural`` target.

    Per-firm quantities use the mean water use of the size class (lognormal:
    median x exp(sigma^2 / 2)); totals multiply by ``n_firms``. Without a size,
    payback is ``12 capex_per_m3 / savings_per_m3`` (the fixed cost ignored).
    """
    profile = _profile(target.cluster)
    m = re.fullmatch(r"([A-Za-z0-9_]+)\.([a-z0-9_]+)(?:@([a-z]+))?", target.quantity)
    option, measure, size = m.group(1), m.group(2), m.group(3)
    o = profile.technologies[option]
    if measure == "water_saving":
        return o.water_saving
    if size is None:
        return 12.0 * o.capex_per_m3 / o.savings_per_m3 if measure == "payback_months" else float("nan")
    z = profile.sizes[size]
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

