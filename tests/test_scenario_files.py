"""Scenario files: bad input gives a ScenarioError that names the file, the key and the range.

Also covers the flat-name machinery (``flat_keys``, ``with_overrides``) used by
``AdoptionModel(**kwargs)`` and ``mesa.batch_run``, and checks that every
non-sweep experiment file shipped in ``adoptsim/experiments/`` validates.
"""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest
from pydantic import BaseModel

from adoptsim.profiles import load_profile, profile_path, shipped_profiles
from adoptsim.scenario import (Behaviour, Levers, Scenario, ScenarioError, flat_keys, load_scenario,
                               scenario_from_dict, with_overrides)

ROOT = Path(__file__).resolve().parents[1]


def write(tmp_path: Path, text: str, name: str = "scenario.toml") -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def load_error(path: Path) -> str:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return str(info.value)


# --------------------------------------------------------------------------- wrong types
WRONG_TYPES = [
    ('months = "ten"\n', "months"),
    ('seed = "lucky"\n', "seed"),
    ("name = 5\n", "name"),
    ('[behaviour]\nattention = "high"\n', "behaviour.attention"),
    ('[levers.green_finance]\nenabled = "maybe"\n', "levers.green_finance.enabled"),
    ("[levers]\ncapex_subsidy = 0.3\n", "levers.capex_subsidy"),
    ("behaviour = 3\n", "behaviour"),
    ("months = 10.5\n", "months"),
]


@pytest.mark.parametrize("text, key", WRONG_TYPES, ids=[key for _, key in WRONG_TYPES])
def test_wrong_type_names_file_and_key(tmp_path, text, key):
    path = write(tmp_path, text)
    msg = load_error(path)
    assert str(path) in msg
    assert f": {key}:" in msg, msg


def test_wrong_type_message_says_expected_type_and_range(tmp_path):
    msg = load_error(write(tmp_path, 'months = "ten"\n'))
    assert "integer" in msg
    assert "'ten'" in msg  # the offending input is echoed
    assert "type int" in msg and ">= 1" in msg and "<= 1200" in msg


@pytest.mark.parametrize("text, key", [
    ("months = true\n", "months"),
    ("months = 10.0\n", "months"),
    ('[behaviour]\nattention = "0.1"\n', "behaviour.attention"),
    ("[behaviour]\nattention = true\n", "behaviour.attention"),
    ("[levers.green_finance]\nenabled = 1\n", "levers.green_finance.enabled"),
    ('[levers.green_finance]\nenabled = "yes"\n', "levers.green_finance.enabled"),
], ids=["bool-for-int", "float-for-int", "numeric-string-for-float", "bool-for-float", "int-for-bool",
        "string-for-bool"])
def test_coercible_wrong_types_are_rejected(tmp_path, text, key):
    """Strict fields: no silent coercion (``months = true`` must not become a 1-month run)."""
    path = write(tmp_path, text)
    msg = load_error(path)
    assert str(path) in msg and f": {key}:" in msg, msg


def test_int_is_accepted_for_float(tmp_path):
    s = load_scenario(write(tmp_path, "[behaviour]\nattention = 1\n[levers.mandate]\npenalty = 5000\n"))
    assert s.behaviour.attention == 1.0 and s.levers.mandate.penalty == 5000.0


# --------------------------------------------------------------------------- ranges
OUT_OF_RANGE = [
    ("[behaviour]\nattention = 1.5\n", "behaviour.attention", "<= 1"),
    ("[behaviour]\nattention = -0.1\n", "behaviour.attention", ">= 0"),
    ("[behaviour]\nhorizon_median = 0.05\n", "behaviour.horizon_median", ">= 0.1"),
    ("[behaviour]\nq_imitation = 6.0\n", "behaviour.q_imitation", "<= 5"),
    ("months = 0\n", "months", ">= 1"),
    ("months = 1201\n", "months", "<= 1200"),
    ("seed = -1\n", "seed", ">= 0"),
    ("n_firms = 0\n", "n_firms", ">= 1"),
    ("[levers.capex_subsidy]\nshare = 1.01\n", "levers.capex_subsidy.share", "<= 1"),
    ("[levers.capex_subsidy]\ncap = -5.0\n", "levers.capex_subsidy.cap", ">= 0"),
    ("[levers.demonstration]\npilots = -1\n", "levers.demonstration.pilots", ">= 0"),
    ("[levers.vendors]\ncapacity_per_month = nan\n", "levers.vendors.capacity_per_month", ">= 0"),
]


@pytest.mark.parametrize("text, key, bound", OUT_OF_RANGE, ids=[f"{k} {b}" for _, k, b in OUT_OF_RANGE])
def test_out_of_range_names_file_key_and_allowed_range(tmp_path, text, key, bound):
    path = write(tmp_path, text)
    msg = load_error(path)
    assert str(path) in msg
    assert f": {key}:" in msg, msg
    assert "allowed" in msg and bound in msg, msg


def test_attention_out_of_range_message(tmp_path):
    msg = load_error(write(tmp_path, "[behaviour]\nattention = 1.5\n"))
    assert "behaviour.attention" in msg
    assert "<= 1" in msg
    assert "1.5" in msg  # the value that was given
    assert "1/month" in msg  # the unit


def test_mandate_level_outside_literal(tmp_path):
    path = write(tmp_path, "[levers.mandate]\nlevel = 3\n")
    msg = load_error(path)
    assert str(path) in msg and "levers.mandate.level" in msg
    assert "0, 1 or 2" in msg


def test_every_problem_is_reported(tmp_path):
    path = write(tmp_path, 'months = 0\n[behaviour]\nattention = 2.0\n[levers.capex_subsidy]\nshar = 0.1\n')
    lines = load_error(path).splitlines()
    assert len(lines) == 3
    assert all(line.startswith(f"{path}: ") for line in lines)
    joined = "\n".join(lines)
    assert "months" in joined and "behaviour.attention" in joined and "levers.capex_subsidy.shar" in joined


# --------------------------------------------------------------------------- unknown keys
def test_unknown_top_level_key(tmp_path):
    path = write(tmp_path, "monhts = 12\n")
    msg = load_error(path)
    assert str(path) in msg
    assert "monhts: unknown key" in msg
    assert "months" in msg  # known keys are listed


def test_unknown_nested_key(tmp_path):
    path = write(tmp_path, "[levers.capex_subsidy]\nshar = 0.3\n")
    msg = load_error(path)
    assert str(path) in msg
    assert "levers.capex_subsidy.shar" in msg
    assert "unknown key" in msg
    assert "known keys here: cap, share" in msg


def test_unknown_lever_table(tmp_path):
    path = write(tmp_path, "[levers.carbon_tax]\nrate = 0.1\n")
    msg = load_error(path)
    assert "levers.carbon_tax: unknown key" in msg
    assert "capex_subsidy" in msg  # lists the known levers


def test_unknown_behaviour_key(tmp_path):
    msg = load_error(write(tmp_path, "[behaviour]\nattenton = 0.1\n"))
    assert "behaviour.attenton: unknown key" in msg
    assert "attention" in msg


# --------------------------------------------------------------------------- profiles
def test_missing_profile_names_cluster_and_lists_shipped(tmp_path):
    path = write(tmp_path, 'cluster = "atlantis"\n')
    msg = load_error(path)
    assert str(path) in msg
    assert "cluster" in msg and "atlantis" in msg
    shipped = shipped_profiles()
    assert shipped, "no shipped profiles found"
    for name in shipped:
        assert name in msg


def test_missing_profile_file_path(tmp_path):
    path = write(tmp_path, 'cluster = "nowhere.toml"\n')
    msg = load_error(path)
    assert str(path) in msg and "cluster" in msg
    assert str(tmp_path / "nowhere.toml") in msg  # resolved relative to the scenario file


def test_relative_profile_path_resolves_next_to_scenario(tmp_path, monkeypatch):
    sub = tmp_path / "scen"
    sub.mkdir()
    shutil.copy(profile_path("lahore"), sub / "my_lahore.toml")
    path = write(sub, 'cluster = "my_lahore.toml"\nmonths = 6\n', name="run.toml")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # must not resolve against the working directory
    scenario = load_scenario(path)
    assert Path(scenario.cluster) == (sub / "my_lahore.toml").resolve()
    assert load_profile(scenario.cluster).name == "lahore"


# --------------------------------------------------------------------------- file-level errors
def test_invalid_toml(tmp_path):
    path = write(tmp_path, "months = \n[behaviour\n")
    msg = load_error(path)
    assert str(path) in msg
    assert "not valid TOML" in msg
    assert "line 1" in msg


def test_nonexistent_file(tmp_path):
    path = tmp_path / "does_not_exist.toml"
    msg = load_error(path)
    assert str(path) in msg
    assert "no such scenario file" in msg


def test_directory_is_not_a_scenario_file(tmp_path):
    msg = load_error(tmp_path)
    assert str(tmp_path) in msg


def test_scenario_error_is_a_value_error():
    assert issubclass(ScenarioError, ValueError)


# --------------------------------------------------------------------------- valid files
def test_minimal_file_name_defaults_to_stem(tmp_path):
    path = write(tmp_path, 'cluster = "lahore"\nmonths = 12\n', name="my_run.toml")
    s = load_scenario(path)
    assert s.name == "my_run"
    assert s.cluster == "lahore"
    assert s.months == 12
    assert s.behaviour == Behaviour()
    assert s.levers == Levers()
    default = Scenario()
    assert (s.seed, s.n_firms, s.description) == (default.seed, default.n_firms, default.description)


def test_empty_file_is_the_default_scenario(tmp_path):
    s = load_scenario(write(tmp_path, "", name="empty.toml"))
    assert s == Scenario(name="empty")


def test_explicit_name_is_kept(tmp_path):
    path = write(tmp_path, 'name = "baseline"\ncluster = "kanpur"\n[behaviour]\nattention = 0.2\n'
                           '[levers.capex_subsidy]\nshare = 0.25\n', name="file_stem.toml")
    s = load_scenario(path)
    assert s.name == "baseline"
    assert s.cluster == "kanpur"
    assert s.behaviour.attention == 0.2
    assert s.levers.capex_subsidy.share == 0.25


def test_scenario_from_dict_reports_origin():
    with pytest.raises(ScenarioError, match=r"^my-origin: behaviour\.attention:"):
        scenario_from_dict({"behaviour": {"attention": 3.0}}, origin="my-origin")


def test_unknown_demonstration_option_is_a_scenario_error(tmp_path):
    path = write(tmp_path, 'cluster = "lahore"\n[levers.demonstration]\npilots = 1\noption = "bwpm"\n')
    msg = load_error(path)
    assert str(path) in msg and "levers.demonstration.option" in msg
    assert "'bwpm'" in msg
    assert all(opt in msg for opt in load_profile("lahore").option_names)  # lists the valid options


def test_known_demonstration_option_loads(tmp_path):
    path = write(tmp_path, 'cluster = "lahore"\n[levers.demonstration]\npilots = 1\noption = "etp"\n')
    assert load_scenario(path).levers.demonstration.option == "etp"


def test_invalid_profile_is_a_scenario_error(tmp_path):
    text = profile_path("lahore").read_text(encoding="utf-8").replace("[sizes.medium]", "[sizes.large]")
    (tmp_path / "broken.toml").write_text(text, encoding="utf-8")
    path = write(tmp_path, 'cluster = "broken.toml"\n')
    msg = load_error(path)
    assert str(path) in msg and "cluster" in msg and "sizes must be exactly" in msg


# --------------------------------------------------------------------------- flat names
def _leaf_paths(model: type[BaseModel], prefix: tuple = ()) -> set[tuple[str, ...]]:
    out = set()
    for name, info in model.model_fields.items():
        ann = info.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            out |= _leaf_paths(ann, prefix + (name,))
        else:
            out.add(prefix + (name,))
    return out


def _get(obj, path):
    for part in path:
        obj = getattr(obj, part)
    return obj


def _flatten(d: dict, prefix: tuple = ()) -> dict:
    out = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(_flatten(v, prefix + (k,)))
        else:
            out[prefix + (k,)] = v
    return out


def test_flat_keys_are_a_bijection_onto_scenario_leaves():
    keys = flat_keys()
    paths = list(keys.values())
    assert len(set(paths)) == len(paths), "two flat names point at the same field"
    assert set(paths) == _leaf_paths(Scenario), "flat names must cover exactly the scenario's leaf fields"
    assert len(keys) == len(_leaf_paths(Scenario))


def test_flat_keys_map_to_real_fields():
    scenario = Scenario()
    for flat, path in flat_keys().items():
        model = Scenario
        for part in path[:-1]:
            model = model.model_fields[part].annotation
        assert path[-1] in model.model_fields, (flat, path)
        _get(scenario, path)  # resolves on an instance too
        if path[0] == "levers":
            assert flat == f"{path[1]}_{path[2]}"
        else:
            assert flat == path[-1]


@pytest.mark.parametrize("flat, value", [
    ("attention", 0.2),
    ("months", 24),
    ("seed", 7),
    ("cluster", "lahore"),
    ("n_firms", 50),
    ("capex_subsidy_share", 0.3),
    ("capex_subsidy_cap", 1e6),
    ("green_finance_enabled", True),
    ("demonstration_pilots", 3),
    ("outreach_channel", "direct"),
    ("enforcement_penalty", 1000.0),
    ("mandate_level", 2),
    ("vendors_capacity_per_month", 5.0),
])
def test_with_overrides_changes_exactly_one_value(flat, value):
    base = Scenario()
    before = _flatten(base.model_dump())
    path = flat_keys()[flat]
    assert before[path] != value, "pick a value that differs from the default"
    new = with_overrides(base, **{flat: value})
    after = _flatten(new.model_dump())
    changed = {p for p in before if before[p] != after[p]}
    assert changed == {path}
    assert _get(new, path) == value
    assert _flatten(base.model_dump()) == before, "the original scenario must not be modified"


def test_with_overrides_several_values():
    new = with_overrides(Scenario(), attention=0.5, mandate_deadline_month=36, q_association=1.0)
    assert (new.behaviour.attention, new.levers.mandate.deadline_month, new.behaviour.q_association) == (0.5, 36, 1.0)


def test_with_overrides_unknown_name_raises():
    with pytest.raises(ScenarioError) as info:
        with_overrides(Scenario(), capex_subsidy_shar=0.3)
    msg = str(info.value)
    assert "capex_subsidy_shar" in msg and "unknown parameter" in msg
    assert "capex_subsidy_share" in msg  # the known names are listed


def test_with_overrides_nested_path_name_is_not_a_flat_name():
    with pytest.raises(ScenarioError, match="unknown parameter"):
        with_overrides(Scenario(), **{"behaviour.attention": 0.2})


def test_with_overrides_out_of_range_names_key_and_range():
    with pytest.raises(ScenarioError) as info:
        with_overrides(Scenario(), origin="batch", capex_subsidy_share=1.5)
    msg = str(info.value)
    assert msg.startswith("batch: levers.capex_subsidy.share:")
    assert "<= 1" in msg


def test_with_overrides_missing_cluster_raises():
    with pytest.raises(ScenarioError, match="atlantis"):
        with_overrides(Scenario(), cluster="atlantis")


# --------------------------------------------------------------------------- experiments/*.toml
def _non_sweep_experiments() -> list[Path]:
    out = []
    for path in sorted((ROOT / "adoptsim" / "experiments").glob("*.toml")):
        try:
            with path.open("rb") as fh:
                data = tomllib.load(fh)
        except tomllib.TOMLDecodeError:
            out.append(path)  # keep it: load_scenario must then fail loudly
            continue
        if not {"sweep", "sensitivity"} & set(data):  # scenario files only
            out.append(path)
    return out


EXPERIMENTS = _non_sweep_experiments()


@pytest.mark.parametrize("path", EXPERIMENTS or [None], ids=[p.name for p in EXPERIMENTS] or ["none"])
def test_experiment_file_loads(path):
    if path is None:
        pytest.skip("experiments/ has no *.toml without a [sweep] table yet")
    scenario = load_scenario(path)
    with path.open("rb") as fh:
        raw = tomllib.load(fh)
    assert scenario.name == raw.get("name", path.stem)
    assert load_profile(scenario.cluster).option_names


def test_demonstration_of_a_blocked_option_is_refused(tmp_path):
    path = tmp_path / "blocked-demo.toml"
    path.write_text('cluster = "taihu"\n[levers.expansion_rule]\nblocks_new_lines = true\n'
                    '[levers.demonstration]\npilots = 1\noption = "modern_dyeing"\n')
    with pytest.raises(ScenarioError, match=r"blocked-demo.toml: levers.demonstration.option: .*new production line"):
        load_scenario(path)
