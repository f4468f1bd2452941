"""The parameter space: every scenario parameter once, derived from the schema.

Each :class:`Parameter` carries its flat key (``capex_subsidy_share``), its
path in a scenario file (``levers.capex_subsidy.share``), its kind, default,
bounds, unit, a plain-language label, a one-sentence meaning and its source.
Everything that lists parameters takes them from :data:`PARAMETERS`: flat
keyword overrides (:func:`~adoptsim.scenario.flat_keys`), sweep and
sensitivity designs, calibration prior checks, dashboard sliders, report
labels, the property tests and the parameter tables of ``docs/ODD.md``.

The schema (:mod:`adoptsim.scenario.schema`) stays the one place a parameter
is declared; this module only reads it.
"""

from __future__ import annotations

import difflib
import math
import types
import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from .schema import Scenario

Kind = Literal["float", "int", "bool", "choice", "text"]


@dataclass(frozen=True)
class Parameter:
    """One scenario parameter, as the schema declares it."""

    key: str                      # flat key, e.g. "capex_subsidy_share"
    path: tuple[str, ...]         # e.g. ("levers", "capex_subsidy", "share")
    kind: Kind
    default: Any                  # the schema default (behaviour keys: before calibrated defaults)
    low: float | int | None = None   # None: unbounded (int kinds: exact integers)
    high: float | int | None = None
    low_open: bool = False        # True: low itself is excluded (gt rather than ge)
    high_open: bool = False
    choices: tuple = ()           # kind "choice": the allowed values
    optional: bool = False        # None is allowed (e.g. "use the profile's value")
    unit: str = ""
    label: str = ""
    meaning: str = ""
    source: str = ""

    @property
    def group(self) -> str:
        """``"scenario"``, ``"behaviour"`` or the lever's name."""
        return self.path[1] if self.path[0] == "levers" else ("behaviour" if self.path[0] == "behaviour" else "scenario")

    @property
    def dotted(self) -> str:
        """The key as written in a scenario file, e.g. ``levers.capex_subsidy.share``."""
        return ".".join(self.path)

    @property
    def numeric(self) -> bool:
        return self.kind in ("float", "int")

    @property
    def bounded(self) -> bool:
        """Both ends finite: a range a sampler can draw from without more information."""
        return self.low is not None and self.high is not None and math.isfinite(self.low) and math.isfinite(self.high)

    @property
    def is_share(self) -> bool:
        """A 0-1 share or rate (shown as a percentage to people)."""
        return (self.kind == "float" and self.low == 0 and self.high == 1
                and self.unit in ("", "1/yr", "1/month"))

    def value_in(self, scenario: Scenario) -> Any:
        """This parameter's value in ``scenario``."""
        node: Any = scenario
        for part in self.path:
            node = getattr(node, part)
        return node

    def contains(self, value: float) -> bool:
        """Whether a number lies inside the declared bounds."""
        if self.low is not None and (value < self.low or (self.low_open and value == self.low)):
            return False
        if self.high is not None and (value > self.high or (self.high_open and value == self.high)):
            return False
        return True

    def range_text(self) -> str:
        """The allowed values in words: ``[0,1]``, ``≥ 0``, ``0–1200``, ``{0,1,2}``, ``bool``."""
        if self.kind == "bool":
            return "bool"
        if self.kind == "choice":
            return "{" + ",".join(str(c) for c in self.choices) + "}"
        if self.kind == "text":
            return "text"
        lo, hi = self.low, self.high
        fmt = (lambda x: f"{int(x):,}") if self.kind == "int" else _num
        if lo is not None and hi is not None:
            if self.kind == "int":
                return f"{fmt(lo)}–{fmt(hi)}"
            return ("(" if self.low_open else "[") + f"{fmt(lo)},{fmt(hi)}" + (")" if self.high_open else "]")
        if lo is not None:
            return ("> " if self.low_open else "≥ ") + fmt(lo)
        if hi is not None:
            return ("< " if self.high_open else "≤ ") + fmt(hi)
        return "any"

    def default_text(self) -> str:
        v = self.default
        if v is None:
            return "None"
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, float):
            return "∞" if math.isinf(v) else _num(v)
        if isinstance(v, str):
            return v if v else '""'
        return str(v)


def _num(x: float) -> str:
    if math.isinf(x):
        return "∞"
    return f"{x:g}" if abs(x) < 1e6 else f"{x:.0e}".replace("e+", "e")


def _bounds(info: FieldInfo) -> tuple[float | None, float | None, bool, bool]:
    lo = hi = None
    lo_open = hi_open = False
    for m in info.metadata:
        for attr, is_open in (("ge", False), ("gt", True)):
            if getattr(m, attr, None) is not None:
                lo, lo_open = float(getattr(m, attr)), is_open
        for attr, is_open in (("le", False), ("lt", True)):
            if getattr(m, attr, None) is not None:
                hi, hi_open = float(getattr(m, attr)), is_open
    return lo, hi, lo_open, hi_open


def _raw_bound(info: FieldInfo, closed: str, open_: str) -> Any:
    value = None
    for m in info.metadata:
        for attr in (closed, open_):
            if getattr(m, attr, None) is not None:
                value = getattr(m, attr)
    return value


def _kind(annotation: Any) -> tuple[Kind, tuple, bool]:
    """(kind, choices, optional) of a field annotation."""
    args = (set(typing.get_args(annotation)) if isinstance(annotation, types.UnionType)
            or typing.get_origin(annotation) is typing.Union else {annotation})
    optional = type(None) in args
    args.discard(type(None))
    (ann,) = args
    if typing.get_origin(ann) is Literal:
        return "choice", typing.get_args(ann), optional
    if ann is bool:
        return "bool", (), optional
    if ann is int:
        return "int", (), optional
    if ann is float:
        return "float", (), optional
    return "text", (), optional


def _extra(info: FieldInfo) -> dict:
    return info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}


def _label(path: tuple[str, ...], extra: dict) -> str:
    """Plain-language label: the schema's ``label`` if given, else the lever and key in words."""
    if extra.get("label"):
        return str(extra["label"])
    words = path[-1].replace("_", " ")
    if path[0] == "levers":
        return f"{path[1].replace('_', ' ').capitalize()}: {words}"
    return words.capitalize()


def _parameter(key: str, path: tuple[str, ...], info: FieldInfo) -> Parameter:
    kind, choices, optional = _kind(info.annotation)
    lo, hi, lo_open, hi_open = _bounds(info)
    if kind == "int":  # integer bounds exactly, and closed: lt 2**63 is <= 2**63 - 1
        lo = None if lo is None else int(_raw_bound(info, "ge", "gt"))
        hi = None if hi is None else int(_raw_bound(info, "le", "lt"))
        lo, hi = (lo + 1 if lo_open and lo is not None else lo), (hi - 1 if hi_open and hi is not None else hi)
        lo_open = hi_open = False
    if kind == "choice" and all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in choices):
        lo, hi = min(choices), max(choices)
    extra = _extra(info)
    default = info.get_default(call_default_factory=True)
    return Parameter(key=key, path=path, kind=kind, default=default, low=lo, high=hi, low_open=lo_open,
                     high_open=hi_open, choices=tuple(choices), optional=optional, unit=str(extra.get("unit", "")),
                     label=_label(path, extra), meaning=(info.description or "").strip(),
                     source=str(extra.get("source", "")))


class ParameterSpace(Mapping[str, Parameter]):
    """All scenario parameters by flat key, in schema order."""

    def __init__(self, parameters: list[Parameter]) -> None:
        self._by_key: dict[str, Parameter] = {}
        for p in parameters:
            if p.key in self._by_key:
                raise RuntimeError(f"two scenario parameters share the flat key {p.key!r}")
            self._by_key[p.key] = p

    def __getitem__(self, key: str) -> Parameter:
        return self._by_key[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_key)

    def __len__(self) -> int:
        return len(self._by_key)

    def lookup(self, key: str, origin: str = "") -> Parameter:
        """The parameter ``key``, or a KeyError whose message suggests the closest keys."""
        try:
            return self._by_key[key]
        except KeyError:
            close = difflib.get_close_matches(key, list(self._by_key), n=5, cutoff=0.6)
            where = f"{origin}: " if origin else ""
            raise KeyError(f"{where}{key}: unknown parameter"
                           + (f" (did you mean: {', '.join(close)})" if close else "")) from None

    def group(self, name: str) -> list[Parameter]:
        """The parameters of one group: ``"behaviour"``, ``"scenario"`` or a lever name."""
        return [p for p in self.values() if p.group == name]

    @property
    def groups(self) -> list[str]:
        return list(dict.fromkeys(p.group for p in self.values()))


def _walk(model: type[BaseModel], prefix: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], FieldInfo]]:
    for name, info in model.model_fields.items():
        ann = info.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            yield from _walk(ann, prefix + (name,))
        else:
            yield prefix + (name,), info


def flat_key(path: tuple[str, ...]) -> str:
    """Top-level and behaviour keys keep their names; lever keys are ``<lever>_<key>``."""
    return "_".join(path[1:]) if path[0] == "levers" else path[-1]


@cache
def parameter_space() -> ParameterSpace:
    """The scenario's parameter space (built once from the schema)."""
    return ParameterSpace([_parameter(flat_key(path), path, info) for path, info in _walk(Scenario, ())])


PARAMETERS: ParameterSpace = parameter_space()
"""Every scenario parameter by flat key (see :class:`Parameter`)."""


def markdown_table(parameters: list[Parameter]) -> str:
    """A Markdown table of parameters: key, meaning, unit, default, allowed, source."""
    rows = ["| key | meaning | unit | default | allowed | source |", "|---|---|---|---|---|---|"]
    for p in parameters:
        cells = [f"`{p.dotted}`", p.meaning, p.unit or "—", p.default_text(), p.range_text(), p.source or "—"]
        rows.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(rows)


def reference_markdown() -> str:
    """The parameter reference (docs/ODD.md appendix): one table per group, generated from the space."""
    space = parameter_space()
    parts = []
    for group in space.groups:
        title = {"scenario": "Scenario", "behaviour": "Behaviour"}.get(group, f"Lever `{group}`")
        parts.append(f"#### {title}\n\n{markdown_table(space.group(group))}\n")
    return "\n".join(parts)


BEGIN, END = "<!-- parameters:begin -->", "<!-- parameters:end -->"


def write_reference(path: str) -> None:
    """Replace the text between the parameter markers of a Markdown file with :func:`reference_markdown`."""
    from pathlib import Path

    text = Path(path).read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        raise SystemExit(f"{path}: no {BEGIN} ... {END} markers")
    head, rest = text.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    Path(path).write_text(f"{head}{BEGIN}\n{reference_markdown()}\n{END}{tail}", encoding="utf-8")


if __name__ == "__main__":  # python -m adoptsim.scenario.space [--write-odd]: print or regenerate the reference
    import sys

    if sys.argv[1:] == ["--write-odd"]:
        write_reference(str(__import__("pathlib").Path(__file__).parents[2] / "docs" / "ODD.md"))
    else:
        print(reference_markdown())
