"""Reading scenario files, with errors that name the file, the key and the range."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..errors import format_errors
from ..tomlfile import read_toml
from .schema import Scenario


class ScenarioError(ValueError):
    """A scenario (or override) that does not validate; the message says where and why."""


def with_calibrated_defaults(data: dict) -> dict:
    """``data`` with the shipped calibrated behaviour values for every behaviour key it leaves out.

    The values come from :func:`adoptsim.calibrate.calibrated_behaviour` (package data;
    ``ADOPTSIM_CALIBRATED`` names another file, or ``none`` for the schema defaults).
    """
    from ..calibrate.calibrated import calibrated_behaviour

    values = calibrated_behaviour()
    if not values:
        return data
    behaviour = data.get("behaviour", {})
    if not isinstance(behaviour, dict):
        return data  # not a table: validation reports it
    return {**data, "behaviour": {**values, **behaviour}}


def scenario_from_dict(data: dict, origin: str = "<scenario>", *, calibrated: bool = True) -> Scenario:
    """Validate a nested dict (as read from TOML) into a :class:`Scenario`.

    With ``calibrated`` (the default), behaviour keys the dict leaves out take the
    shipped calibrated values (:func:`with_calibrated_defaults`), then the schema's.
    """
    if calibrated and isinstance(data, dict):
        data = with_calibrated_defaults(data)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as err:
        raise ScenarioError(format_errors(err, origin, Scenario)) from None
    from ..profiles import load_profile  # a missing profile is a scenario error too

    try:
        profile = load_profile(scenario.cluster)
    except FileNotFoundError as err:
        raise ScenarioError(f"{origin}: cluster: {err}") from None
    except OSError as err:  # e.g. a name too long for a file name
        name = scenario.cluster if len(scenario.cluster) <= 80 else f"{scenario.cluster[:60]}... ({len(scenario.cluster)} characters)"
        raise ScenarioError(f"{origin}: cluster: {name!r} is neither a shipped cluster nor a readable profile file "
                            f"({err.strerror or err})") from None
    except ValueError as err:
        raise ScenarioError(f"{origin}: cluster: {err}") from None
    demo = scenario.levers.demonstration.option
    if demo and demo not in profile.technologies:
        raise ScenarioError(f"{origin}: levers.demonstration.option: {demo!r} is not an option of cluster "
                            f"{profile.name!r} (allowed: {', '.join(profile.technologies)})")
    demo_option = profile.technologies[demo or next(iter(profile.technologies))]
    if (scenario.levers.demonstration.pilots and demo_option.needs_new_line
            and scenario.levers.expansion_rule.blocks_new_lines):
        raise ScenarioError(f"{origin}: levers.demonstration.option: {demo or 'the first option'!r} needs a new "
                            "production line, which levers.expansion_rule.blocks_new_lines forbids")
    _check_collective(scenario, profile, origin)
    return scenario


def _check_collective(scenario: Scenario, profile, origin: str) -> None:
    """The collective levers need the profile tables that give them numbers."""
    lv = scenario.levers
    cp = lv.common_plant
    if cp.design and not (cp.enabled or cp.existing) and cp.design not in (profile.common_plants or {}):
        raise ScenarioError(f"{origin}: levers.common_plant.design: {cp.design!r} is not a plant of cluster "
                            f"{profile.name!r} (allowed: {', '.join(profile.common_plants or {}) or 'none'})")
    if cp.enabled or cp.existing:
        if not profile.common_plants:
            raise ScenarioError(f"{origin}: levers.common_plant: cluster {profile.name!r} has no [common_plants] table "
                                "(add one to the profile; see profiles/FORMAT.md)")
        if cp.design and cp.design not in profile.common_plants:
            raise ScenarioError(f"{origin}: levers.common_plant.design: {cp.design!r} is not a plant of cluster "
                                f"{profile.name!r} (allowed: {', '.join(profile.common_plants)})")
    total = cp.grant_share + cp.interest_free_share + cp.consortium_share
    if total > 1.0 + 1e-12:
        raise ScenarioError(f"{origin}: levers.common_plant: grant_share + interest_free_share + consortium_share "
                            f"= {total:.6g} (allowed: <= 1)")
    if lv.mandate.exit_after_months >= 0 and profile.relocation is None:
        raise ScenarioError(f"{origin}: levers.mandate.exit_after_months: cluster {profile.name!r} has no [relocation] "
                            "table with moving and land costs")
    if lv.water.feedback and profile.water is None:
        raise ScenarioError(f"{origin}: levers.water.feedback: cluster {profile.name!r} has no [water] table")


def default_scenario(**overrides: Any) -> Scenario:
    """The built-in default scenario (Moradabad, ten years) with the calibrated behaviour, plus flat overrides.

    ``Scenario()`` is the schema alone (every behaviour value its documented
    default); this is what ``adoptsim run`` and ``AdoptionModel()`` run.
    """
    scenario = scenario_from_dict({}, origin="<default scenario>")
    return with_overrides(scenario, origin="<default scenario>", **overrides) if overrides else scenario


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario TOML file, or a shipped scenario by name (``"lahore-green-finance"``).

    An existing file always wins; a bare name that is no file is looked up among the shipped
    experiments (:func:`adoptsim.examples.find_shipped`).
    """
    path = Path(path)
    if not path.exists():
        from ..examples import find_shipped

        path = find_shipped(path, "scenario") or path
    data = read_toml(path, ScenarioError, "scenario")
    data.setdefault("name", path.stem)
    cluster = data.get("cluster")
    if isinstance(cluster, str) and (cluster.endswith(".toml")) and not Path(cluster).is_absolute():
        data["cluster"] = str((path.parent / cluster).resolve())
    return scenario_from_dict(data, origin=str(path))


def load_base(ref: str, relative_to: Path, origin: str, **overrides: Any) -> Scenario:
    """The base scenario a sweep or study file names: a scenario file (relative to
    the file naming it) or a shipped cluster, with top-level overrides applied."""
    if ref.endswith(".toml"):
        scenario = load_scenario(Path(relative_to).parent / ref)
    else:
        scenario = scenario_from_dict({"cluster": ref, "name": ref}, origin=origin)
    overrides = {k: v for k, v in overrides.items() if v is not None}
    return with_overrides(scenario, origin=origin, **overrides) if overrides else scenario


def flat_keys() -> dict[str, tuple[str, ...]]:
    """Every scenario value under one flat keyword name, e.g. ``capex_subsidy_share``, with its path.

    Top-level and behaviour keys keep their names; lever keys are
    ``<lever>_<key>``. Used for ``AdoptionModel(**kwargs)`` and ``mesa.batch_run``.
    The full description of each is in :data:`adoptsim.scenario.space.PARAMETERS`.
    """
    from .space import parameter_space

    return {key: p.path for key, p in parameter_space().items()}


def with_overrides(scenario: Scenario, origin: str = "<overrides>", **overrides: Any) -> Scenario:
    """A copy of ``scenario`` with flat-named values replaced and revalidated."""
    keys = flat_keys()
    data = scenario.model_dump()
    for flat, value in overrides.items():
        if flat not in keys:
            raise ScenarioError(f"{origin}: {flat}: unknown parameter (known: {', '.join(sorted(keys))})")
        node = data
        *parents, leaf = keys[flat]
        for p in parents:
            node = node[p]
        node[leaf] = value.item() if hasattr(value, "item") else value  # numpy scalars from sweeps
    return scenario_from_dict(data, origin=origin)
