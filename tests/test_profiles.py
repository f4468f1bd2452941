"""Cluster profiles: shipped files load, every number is cited, bad files are rejected clearly.

The provenance rule (``adoptsim/profiles/FORMAT.md``): every number is an
inline table with ``value`` and exactly one of ``source`` / ``assumption``
with non-empty text; strings and booleans need no citation.
"""

from __future__ import annotations

import math
import re
import tomllib
from pathlib import Path

import pytest

from adoptsim.profiles import DATA, SIZES, Profile, load_profile, profile_path, shipped_profiles

SHIPPED = shipped_profiles()


def _raw(path: Path) -> dict:
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def _is_number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _walk(node, path: str, cited: dict[str, object], bad: list[str]) -> None:
    """Collect cited numbers (path -> value) and violations of the provenance rule."""
    if isinstance(node, dict):
        if "value" in node:
            cites = [k for k in ("source", "assumption") if k in node]
            extra = set(node) - {"value", "source", "assumption"}
            if len(cites) != 1:
                bad.append(f"{path}: needs exactly one of source/assumption, has {cites}")
            elif not isinstance(node[cites[0]], str) or not node[cites[0]].strip():
                bad.append(f"{path}: empty {cites[0]}")
            if extra:
                bad.append(f"{path}: extra keys {sorted(extra)}")
            if not _is_number(node["value"]):
                bad.append(f"{path}: value is not a number ({node['value']!r})")
            cited[path] = node["value"]
            return
        for k, v in node.items():
            _walk(v, f"{path}.{k}" if path else k, cited, bad)
    elif isinstance(node, list):
        for j, v in enumerate(node):
            _walk(v, f"{path}[{j}]", cited, bad)
    elif _is_number(node):
        bad.append(f"{path}: bare number {node!r}")


def _edit(text: str, table: str, key: str, new_line: str) -> str:
    """Replace the line assigning ``key`` inside ``[table]`` by ``new_line``."""
    lines = text.splitlines()
    current = None
    for i, line in enumerate(lines):
        s = line.strip()
        if s.startswith("[") and s.endswith("]"):
            current = s[1:-1].strip()
        elif current == table and re.match(rf"{re.escape(key)}\s*=", s):
            lines[i] = new_line
            return "\n".join(lines) + "\n"
    raise AssertionError(f"no {key} in [{table}]")


def _copy(tmp_path: Path, text: str, name: str = "edited.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _rejection(path: Path) -> str:
    with pytest.raises(ValueError) as info:
        load_profile(path)
    msg = str(info.value)
    assert str(path.resolve()) in msg, msg
    return msg


@pytest.fixture
def lahore_text() -> str:
    return profile_path("lahore").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- shipped profiles
def test_the_four_profiles_are_shipped():
    assert {"kanpur", "lahore", "moradabad", "taihu"} <= set(SHIPPED)
    assert SHIPPED == sorted(p.stem for p in DATA.glob("*.toml"))


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_profile_loads(name):
    p = load_profile(name)
    assert isinstance(p, Profile)
    assert p.name == name, "profile.name must be the file stem"
    assert set(p.sizes) == set(SIZES)
    assert math.isclose(sum(s.share for s in p.sectors.values()), 1.0, abs_tol=1e-6)
    assert math.isclose(sum(s.share for s in p.sizes.values()), 1.0, abs_tol=1e-6)
    assert 2 <= len(p.technologies) <= 6, "FORMAT.md: 2..6 options"
    assert p.option_names == list(_raw(profile_path(name))["technologies"])  # file order = evaluation order
    assert p.profile.n_localities >= 1 and p.profile.n_firms >= 1
    assert Path(p.path) == profile_path(name).resolve()
    assert load_profile(profile_path(name)) == p  # by path == by name


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_profile_follows_provenance_rule(name):
    cited: dict[str, object] = {}
    bad: list[str] = []
    _walk(_raw(profile_path(name)), "", cited, bad)
    assert not bad, "\n".join(bad)
    assert len(cited) >= 20, "a profile has at least its [profile] and per-option numbers"
    # the loader keeps one citation per number, under the same dotted key
    prov = load_profile(name).provenance
    assert set(prov) == set(cited)
    assert all(re.match(r"^(source|assumption): \S", text) for text in prov.values())


@pytest.mark.parametrize("name", SHIPPED)
def test_loaded_values_equal_the_cited_values(name):
    cited: dict[str, object] = {}
    _walk(_raw(profile_path(name)), "", cited, [])
    dump = load_profile(name).model_dump()
    for key, value in cited.items():
        node = dump
        for part in key.split("."):
            node = node[part]
        assert node == value, key


# --------------------------------------------------------------------------- provenance violations
def test_bare_number_is_rejected(tmp_path, lahore_text):
    path = _copy(tmp_path, _edit(lahore_text, "profile", "n_firms", "n_firms = 300"))
    msg = _rejection(path)
    assert "profile.n_firms" in msg
    assert "bare number" in msg and "300" in msg


def test_bare_number_in_nested_table_is_rejected(tmp_path, lahore_text):
    path = _copy(tmp_path, _edit(lahore_text, "technologies.bwmp", "capex_fixed", "capex_fixed = 25000"))
    msg = _rejection(path)
    assert "technologies.bwmp.capex_fixed" in msg and "bare number" in msg


@pytest.mark.parametrize("rhs", [
    "{ value = 300 }",
    '{ value = 300, source = "case-study", assumption = "also assumed" }',
    '{ value = 300, source = "   " }',
    '{ value = 300, assumption = "" }',
    '{ value = 300, source = "case-study", unit = "firms" }',
], ids=["no-citation", "both", "blank-source", "empty-assumption", "extra-key"])
def test_badly_cited_number_is_rejected(tmp_path, lahore_text, rhs):
    path = _copy(tmp_path, _edit(lahore_text, "profile", "n_firms", f"n_firms = {rhs}"))
    msg = _rejection(path)
    assert "profile.n_firms" in msg
    assert "exactly one of 'source' or 'assumption'" in msg


# --------------------------------------------------------------------------- structural checks
def test_sector_shares_must_sum_to_one(tmp_path, lahore_text):
    text = _edit(lahore_text, "sectors.textile", "share", 'share = { value = 0.65, assumption = "edited" }')
    msg = _rejection(_copy(tmp_path, text))
    assert "sectors.*.share must sum to 1" in msg
    assert "1.1" in msg  # what they do sum to


def test_size_shares_must_sum_to_one(tmp_path, lahore_text):
    text = _edit(lahore_text, "sizes.micro", "share", 'share = { value = 0.05, assumption = "edited" }')
    msg = _rejection(_copy(tmp_path, text))
    assert "sizes.*.share must sum to 1" in msg
    assert "0.95" in msg


def test_renamed_size_class_is_rejected(tmp_path, lahore_text):
    assert "[sizes.medium]" in lahore_text
    msg = _rejection(_copy(tmp_path, lahore_text.replace("[sizes.medium]", "[sizes.large]")))
    assert "sizes must be exactly micro, small, medium" in msg
    assert "large" in msg


def test_extra_size_class_is_rejected(tmp_path, lahore_text):
    extra = ('\n[sizes.large]\nshare = { value = 0.0, assumption = "x" }\n'
             'water_use_median = { value = 1e7, assumption = "x" }\nwater_use_sigma = { value = 0.5, assumption = "x" }\n')
    msg = _rejection(_copy(tmp_path, lahore_text + extra))
    assert "sizes must be exactly micro, small, medium" in msg


def test_missing_size_class_is_rejected(tmp_path, lahore_text):
    # drop [sizes.micro] and move its share into small, so only the size set is wrong
    text = _edit(lahore_text, "sizes.small", "share", 'share = { value = 0.65, assumption = "edited" }')
    start = text.index("[sizes.micro]")
    end = text.index("[sizes.small]")
    msg = _rejection(_copy(tmp_path, text[:start] + text[end:]))
    assert "sizes must be exactly micro, small, medium" in msg


def test_out_of_range_value_names_key(tmp_path, lahore_text):
    text = _edit(lahore_text, "technologies.bwmp", "water_saving", 'water_saving = { value = 1.5, assumption = "x" }')
    msg = _rejection(_copy(tmp_path, text))
    assert "technologies.bwmp.water_saving" in msg and "1.5" in msg


def test_unknown_profile_key_is_rejected(tmp_path, lahore_text):
    text = lahore_text.replace('currency = "PKR"', 'currency = "PKR"\nflag = "green"', 1)
    msg = _rejection(_copy(tmp_path, text))
    assert "profile.flag" in msg


def test_missing_profile_raises_file_not_found():
    with pytest.raises(FileNotFoundError) as info:
        load_profile("atlantis")
    msg = str(info.value)
    assert "atlantis" in msg and all(name in msg for name in SHIPPED)


# --------------------------------------------------------------------------- Lahore audit anchor
def test_lahore_bwmp_reproduces_the_audit():
    """Case study, Pakistan: 35 SMEs invested PKR 120 M, saved PKR 178 M/yr and 4.6 M m3/yr (10 % of use),
    with a payback 'typically around 9 months'."""
    bwmp = load_profile("lahore").technologies["bwmp"]
    payback = bwmp.capex_per_m3 / bwmp.savings_per_m3 * 12
    assert 8.0 <= payback <= 9.5
    assert bwmp.water_saving == 0.10
    total_use = 4.6e6 / bwmp.water_saving  # m3/yr used by the 35 audited firms
    assert math.isclose(bwmp.capex_per_m3 * total_use, 120e6, rel_tol=0.01)
    assert math.isclose(bwmp.savings_per_m3 * total_use, 178e6, rel_tol=0.01)
    assert bwmp.compliance_level == 0 and bwmp.kind == "practice"
    assert list(load_profile("lahore").technologies)[0] == "bwmp"  # the default demo option
