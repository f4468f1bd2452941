"""The parameter space and the outcome table: declared once, complete, and what the docs say."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest

from adoptsim.outcome_table import COLUMNS, PUBLIC_COSTS, SERIES, aggregation, column, label, unit
from adoptsim.profiles import load_profile, shipped_profiles
from adoptsim.run import run
from adoptsim.scenario import Scenario, flat_keys, with_overrides
from adoptsim.scenario.space import PARAMETERS, reference_markdown
from adoptsim.state import Series

ODD = Path(__file__).parent.parent / "docs" / "ODD.md"


def _schema_leaves(model, prefix=()):
    for name, info in model.model_fields.items():
        ann = info.annotation
        if isinstance(ann, type) and hasattr(ann, "model_fields"):
            yield from _schema_leaves(ann, prefix + (name,))
        else:
            yield prefix + (name,), info


def test_every_schema_field_is_one_parameter_with_its_declared_default():
    leaves = dict(_schema_leaves(Scenario))
    assert {p.path for p in PARAMETERS.values()} == set(leaves)
    assert flat_keys() == {k: p.path for k, p in PARAMETERS.items()}
    for p in PARAMETERS.values():
        want = leaves[p.path].get_default(call_default_factory=True)
        assert p.default == want or (isinstance(want, float) and math.isnan(want)), p.key
        assert p.meaning, f"{p.key}: no one-sentence meaning in the schema"


def test_bounds_are_what_validation_enforces():
    """Each numeric bound is the edge of what a scenario accepts (just inside passes, just outside fails)."""
    base = Scenario(cluster="lahore", n_firms=10, months=2)
    for p in PARAMETERS.values():
        if p.kind != "float" or p.key.startswith(("common_plant_", "relocation_")) or p.group == "water":
            continue
        for edge, step, is_open in ((p.low, -1, p.low_open), (p.high, +1, p.high_open)):
            if edge is None or not math.isfinite(edge):
                continue
            outside = edge + step * max(abs(edge), 1.0) * 1e-6
            with pytest.raises(Exception):
                with_overrides(base, **{p.key: outside})
            if not is_open:
                with_overrides(base, **{p.key: edge})


def test_unknown_key_suggests_close_ones():
    with pytest.raises(KeyError, match="did you mean: capex_subsidy_share"):
        PARAMETERS.lookup("capex_subsidy_shar")


def _odd_parameter_rows() -> list[tuple[str, list[str]]]:
    rows = []
    for line in ODD.read_text().splitlines():
        m = re.match(r"\| `((?:levers|behaviour)\.[a-z_.]+)`[^|]*\|(.*)\|\s*$", line)
        if m:
            rows.append((m.group(1), [c.strip() for c in m.group(2).split("|")]))
    return rows


def test_odd_parameter_tables_match_the_space():
    """docs/ODD.md's tables (meaning | unit | default | range | source) state each parameter's declared values."""
    by_dotted = {p.dotted: p for p in PARAMETERS.values()}
    rows = _odd_parameter_rows()
    assert len(rows) > 40
    drift = []
    for dotted, cells in rows:
        if dotted not in by_dotted:
            drift.append(f"{dotted}: not a parameter")
            continue
        p = by_dotted[dotted]
        if len(cells) < 4:
            continue
        _, unit_cell, default_cell, range_cell = cells[:4]
        if p.kind in ("float", "int", "bool") and range_cell not in (p.range_text(), "—"):
            drift.append(f"{dotted}: range {range_cell!r}, declared {p.range_text()!r}")
        head = default_cell.split(" (")[0].strip()
        if p.kind in ("float", "int") and head not in ("None", "—") and not head.startswith('"'):
            value = math.inf if head == "∞" else float(head.replace(",", ""))
            if not (value == p.default or (p.default is not None and math.isclose(value, p.default))):
                drift.append(f"{dotted}: default {head!r}, declared {p.default_text()!r}")
        if p.kind == "bool" and head not in (p.default_text(), "—"):
            drift.append(f"{dotted}: default {head!r}, declared {p.default_text()!r}")
    assert not drift, "docs/ODD.md drifted from the schema:\n" + "\n".join(drift)


def test_odd_parameter_reference_is_generated_from_the_space():
    text = ODD.read_text()
    begin, end = "<!-- parameters:begin -->", "<!-- parameters:end -->"
    assert begin in text and end in text
    inside = text.split(begin, 1)[1].split(end, 1)[0].strip()
    assert inside == reference_markdown().strip(), (
        "docs/ODD.md appendix A is stale: regenerate it with `python -m adoptsim.scenario.space --write-odd`")


def test_series_record_is_the_table():
    assert Series._fields == tuple(m.name for m in SERIES)


@pytest.mark.parametrize("cluster", shipped_profiles())
def test_every_published_column_is_declared_with_label_unit_and_aggregation(cluster):
    result = run(Scenario(cluster=cluster, n_firms=30, months=3))
    profile = load_profile(cluster)
    assert len(result.frame.columns) == len(set(result.frame.columns))
    for name in result.frame.columns:
        assert label(name) and unit(name) and aggregation(name) in ("stock", "flow", "cumulative"), name
    for k, option in enumerate(profile.option_names):
        col, member = column(f"share_option_{option}")
        assert member == option and label(f"share_option_{option}") == f"Share of firms with {option.replace('_', ' ')}"
    frame = result.frame
    assert np.array_equal(frame["public_cost_total"], sum(frame[f"public_cost_{e.name}"] for e in PUBLIC_COSTS))
    with pytest.raises(KeyError):
        column("no_such_outcome")


def test_every_ledger_entry_names_a_lever():
    levers = {p.group for p in PARAMETERS.values()}
    assert {e.lever for e in PUBLIC_COSTS} <= levers
    assert len({c.name for c in COLUMNS}) == len(COLUMNS)


def test_params_are_the_numeric_parameters_plus_the_declared_derived_ones():
    from adoptsim.population import build_params, derived_params
    from adoptsim.state import DERIVED_PARAMS, Params

    scenario = with_overrides(Scenario(cluster="kanpur"), capex_subsidy_share=0.25, mandate_level=2)
    derived = derived_params(scenario, load_profile("kanpur"), 1e6)
    assert list(derived) == [name for name, _ in DERIVED_PARAMS]
    direct = [f for f in Params._fields if f not in derived]
    assert all(PARAMETERS[f].kind in ("float", "int", "bool", "choice") for f in direct)
    params = build_params(scenario, load_profile("kanpur"), 1e6)
    assert (params.capex_subsidy_share, params.mandate_level) == (0.25, 2)  # a scenario value under its flat key
