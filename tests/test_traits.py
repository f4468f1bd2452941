"""Correlated firm traits by size class and the installed base at month 0.

``[sizes.X].credit_access`` / ``association_share`` / ``export_share_mean`` override the
profile-wide value for that size class; ``technologies.K.installed_share`` marks firms that
already have option K at month 0 (``adoptsim/profiles/FORMAT.md``).
"""

from __future__ import annotations

import math
import re
import tomllib
from pathlib import Path

import numpy as np
import pytest

from adoptsim import rng
from adoptsim.population import _beta, place_installed_base, synthesise_firms
from adoptsim.profiles import DATA, SIZES, load_profile
from adoptsim.scenario import scenario_from_dict

OVERRIDES = ("credit_access", "association_share", "export_share_mean")
N = 20_000


def _set(text: str, table: str, key: str, value, note: str = "test") -> str:
    """Set ``key`` in ``[table]`` to ``value`` (replacing its line, or adding one under the header)."""
    lines = text.splitlines()
    start = lines.index(f"[{table}]")
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("[")), len(lines))
    new = f'{key} = {{ value = {value}, assumption = "{note}" }}'
    for i in range(start + 1, end):
        if lines[i].startswith(f"{key} ="):
            lines[i] = new
            break
    else:
        lines.insert(start + 1, new)
    return "\n".join(lines) + "\n"


def _without_size_overrides(text: str) -> str:
    """The profile text with every size-class override removed (the profile-wide values apply)."""
    out, table = [], ""
    for line in text.splitlines():
        if line.startswith("["):
            table = line
        if table.startswith("[sizes.") and line.split(" =")[0] in OVERRIDES:
            continue
        if line.split(" =")[0] == "installed_share":
            continue
        out.append(line)
    return "\n".join(out) + "\n"


def _write(tmp_path: Path, text: str, name: str = "custom.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _scenario(cluster: Path | str, n: int = N, seed: int = 4242):
    return scenario_from_dict({"cluster": str(cluster), "n_firms": n, "seed": seed}, "<test>", calibrated=False)


def _band(p: float, n: int, sigmas: float = 4.0) -> float:
    """Half-width of a binomial ``sigmas``-sigma band for a share (at least one firm's worth)."""
    return sigmas * math.sqrt(p * (1 - p) / n) + 1.0 / n


# (a) no overrides: bit-identical to the profile-wide formula ------------------------------------
@pytest.mark.parametrize("cluster", ["lahore", "moradabad", "kanpur", "taihu"])
def test_no_size_overrides_gives_the_old_population(tmp_path, cluster):
    text = _without_size_overrides((DATA / f"{cluster}.toml").read_text())
    path = _write(tmp_path, text)
    profile = load_profile(path)
    assert all(getattr(profile.sizes[s], k) is None for s in SIZES for k in OVERRIDES)
    sc = _scenario(path, n=3000)
    firms = synthesise_firms(sc, profile, 3000)
    ids = np.arange(3000, dtype=np.int64)
    info = profile.profile
    # the formula before size overrides existed: one threshold / one Beta for every firm
    member = rng.uniforms(sc.seed, ids, 0, rng.MEMBER) < info.association_share
    bank = rng.uniforms(sc.seed, ids, 0, rng.BANK) < info.credit_access
    m, c = info.export_share_mean, info.export_share_concentration
    u = rng.uniforms(sc.seed, ids, 0, rng.EXPORT)
    export = _beta(u, m * c, (1 - m) * c) if 0.0 < m < 1.0 else np.full(3000, m)
    np.testing.assert_array_equal(firms.member, member)
    np.testing.assert_array_equal(firms.bank, bank)
    np.testing.assert_array_equal(firms.export_share, export)
    np.testing.assert_array_equal(firms.body, np.where(member, firms.locality, -1))
    assert firms.adopted.max() == 0 and not firms.aware.any()


def test_an_override_changes_only_its_own_trait(tmp_path):
    base = _without_size_overrides((DATA / "moradabad.toml").read_text())
    plain = load_profile(_write(tmp_path, base, "plain.toml"))
    tilted = load_profile(_write(tmp_path, _set(base, "sizes.micro", "credit_access", 0.9), "tilted.toml"))
    sc = _scenario(tmp_path / "plain.toml", n=4000)
    a, b = synthesise_firms(sc, plain, 4000), synthesise_firms(sc, tilted, 4000)
    micro = a.size_class == 0
    for field in a.dtype.names:
        if field != "bank":
            np.testing.assert_array_equal(a[field], b[field], err_msg=field)
    np.testing.assert_array_equal(a.bank[~micro], b.bank[~micro])
    assert b.bank[micro].sum() > a.bank[micro].sum()  # same draws, higher threshold: a superset
    assert np.all(b.bank[micro] >= a.bank[micro])


# (b) with overrides: each size class gets its own share ------------------------------------------
def test_size_overrides_set_the_share_within_each_class(tmp_path):
    text = _without_size_overrides((DATA / "moradabad.toml").read_text())
    text = _set(text, "profile", "credit_access", 0.2)
    text = _set(text, "sizes.micro", "credit_access", 0.05)
    text = _set(text, "sizes.medium", "credit_access", 0.7)
    text = _set(text, "sizes.micro", "association_share", 0.1)
    text = _set(text, "sizes.small", "export_share_mean", 0.6)
    path = _write(tmp_path, text)
    profile = load_profile(path)
    info = profile.profile
    firms = synthesise_firms(_scenario(path), profile, N)
    expected = {  # size class -> (bank, member, export mean)
        0: (0.05, 0.1, info.export_share_mean),
        1: (0.2, info.association_share, 0.6),
        2: (0.7, info.association_share, info.export_share_mean),
    }
    c = info.export_share_concentration
    for z, (bank, member, export) in expected.items():
        at = firms.size_class == z
        n = int(at.sum())
        assert n >= 200, (z, n)
        assert abs(firms.bank[at].mean() - bank) <= _band(bank, n), (SIZES[z], firms.bank[at].mean(), bank)
        assert abs(firms.member[at].mean() - member) <= _band(member, n), (SIZES[z], firms.member[at].mean())
        sd = math.sqrt(export * (1 - export) / (c + 1))  # Beta(m c, (1 - m) c) standard deviation
        assert abs(firms.export_share[at].mean() - export) <= 4 * sd / math.sqrt(n) + 0.002, (SIZES[z], export)


@pytest.mark.parametrize("cluster", ["lahore", "moradabad", "kanpur", "taihu"])
def test_shipped_overrides_keep_the_profile_wide_share(cluster):
    """The size-class values are a mixture that keeps each profile-wide value within 0.01."""
    profile = load_profile(cluster)
    info = profile.profile
    for key in OVERRIDES:
        mix = sum(profile.sizes[s].share * (getattr(info, key) if getattr(profile.sizes[s], key) is None
                                            else getattr(profile.sizes[s], key)) for s in SIZES)
        assert abs(mix - getattr(info, key)) <= 0.01, (cluster, key, mix)


# (c) installed base ------------------------------------------------------------------------------
def test_installed_base_share_and_state(tmp_path):
    text = _without_size_overrides((DATA / "moradabad.toml").read_text())
    names = list(load_profile(DATA / "moradabad.toml").technologies)
    text = _set(text, f"technologies.{names[1]}", "installed_share", 0.3)
    text = _set(text, f"technologies.{names[2]}", "installed_share", 0.6)
    path = _write(tmp_path, text)
    profile = load_profile(path)
    sc = _scenario(path)
    firms = synthesise_firms(sc, profile, N)
    count = place_installed_base(sc, profile, firms)
    bits = {k: ((firms.adopted >> k) & 1).astype(bool) for k in range(len(names))}
    for k, share in ((0, 0.0), (1, 0.3), (2, 0.6), (3, 0.0)):
        assert abs(bits[k].mean() - share) <= _band(share, N), (names[k], bits[k].mean(), share)
    np.testing.assert_array_equal(firms.operating, firms.adopted)  # installed treatment runs at month 0 too
    installed = firms.adopted != 0
    assert count == int(installed.sum())
    assert firms.aware[installed].all() and not firms.aware[~installed].any()
    # independent draws per option: the joint share is the product of the shares
    both = (bits[1] & bits[2]).mean()
    assert abs(both - 0.18) <= _band(0.18, N)
    # exactly the documented draws: option k installed iff u(INSTALLED + k) < share
    u = rng.uniforms(sc.seed, np.arange(N, dtype=np.int64), 0, rng.INSTALLED + 2)
    np.testing.assert_array_equal(bits[2], u < 0.6)


def test_no_installed_base_changes_nothing(tmp_path):
    profile = load_profile(DATA / "lahore.toml")
    assert all(o.installed_share == 0.0 for o in profile.technologies.values())
    sc = _scenario("lahore", n=2000)
    firms = synthesise_firms(sc, profile, 2000)
    before = firms.copy()
    assert place_installed_base(sc, profile, firms) == 0
    for field in firms.dtype.names:
        np.testing.assert_array_equal(firms[field], before[field], err_msg=field)


def test_kanpur_starts_with_a_majority_of_installed_etps():
    profile = load_profile("kanpur")
    k = profile.option_names.index("etp")
    assert profile.technologies["etp"].installed_share > 0.5
    sc = _scenario("kanpur", n=N)
    firms = synthesise_firms(sc, profile, N)
    place_installed_base(sc, profile, firms)
    share = profile.technologies["etp"].installed_share
    has = ((firms.adopted >> k) & 1).astype(bool)
    assert abs(has.mean() - share) <= _band(share, N)


def test_random_purposes_do_not_collide():
    purposes = {name: value for name, value in vars(rng).items() if name.isupper() and isinstance(value, int)
                and not name.startswith("_")}
    used: dict[int, str] = {}
    for name, value in purposes.items():
        span = range(value, value + 8) if name in ("ADOPT", "INSTALLED") else range(value, value + 1)
        for v in span:
            assert v not in used, f"purpose {v} of {name} collides with {used[v]}"
            used[v] = name
    assert rng.INSTALLED >= 113


# (d) the loader rejects bad values with the file and key -----------------------------------------
@pytest.mark.parametrize("table, key, value", [
    ("sizes.micro", "credit_access", 1.5),
    ("sizes.medium", "association_share", -0.1),
    ("sizes.small", "export_share_mean", 2.0),
    ("technologies.etp", "installed_share", 1.2),
    ("profile", "import_duty", 1.5),
    ("profile", "debt_service_cover", 0.8),
    ("sectors.metalware", "operating_margin", -0.05),
])
def test_loader_rejects_out_of_range_values(tmp_path, table, key, value):
    text = _set((DATA / "moradabad.toml").read_text(), table, key, value)
    path = _write(tmp_path, text, "bad.toml")
    with pytest.raises(ValueError) as err:
        load_profile(path)
    msg = str(err.value)
    assert str(path.resolve()) in msg
    assert f"{table}.{key}" in msg, msg


@pytest.mark.parametrize("table, key", [
    ("profile", "import_duty"), ("profile", "retained_share"), ("profile", "default_rate"),
    ("profile", "debt_service_cover"), ("sectors.metalware", "operating_margin"),
])
def test_loader_requires_the_finance_fields(tmp_path, table, key):
    text = (DATA / "moradabad.toml").read_text()
    lines, current, out = text.splitlines(), "", []
    for line in lines:
        if line.startswith("["):
            current = line.strip("[]")
        if not (current == table and line.startswith(f"{key} =")):
            out.append(line)
    path = _write(tmp_path, "\n".join(out) + "\n", "missing.toml")
    with pytest.raises(ValueError, match=re.escape(f"{table}.{key}")):
        load_profile(path)


def test_profit_margin_is_gone_from_the_relocation_table(tmp_path):
    text = (DATA / "kanpur.toml").read_text()
    assert all("profit_margin" not in tomllib.loads((DATA / f"{c}.toml").read_text()).get("relocation", {})
               for c in ("lahore", "moradabad", "kanpur", "taihu"))
    path = _write(tmp_path, _set(text, "relocation", "profit_margin", 0.08), "old.toml")
    with pytest.raises(ValueError, match=r"relocation\.profit_margin"):
        load_profile(path)


def test_margin_is_the_sectors_operating_margin():
    profile = load_profile("lahore")
    margins = np.array([s.operating_margin for s in profile.sectors.values()])
    assert len(set(margins)) > 1  # the test needs sectors that differ
    firms = synthesise_firms(_scenario("lahore", n=3000), profile, 3000)
    np.testing.assert_array_equal(firms.margin, margins[firms.sector])
    assert set(np.unique(firms.sector)) == set(range(len(margins)))


# -- the synthesis cache ----------------------------------------------------------------------------------------

def test_synthesis_cache_returns_the_drawn_population_as_a_new_table():
    """A hit gives the same bytes as drawing afresh, in a table of its own (a run changes its firms)."""
    from adoptsim.population import SynthesisCache, _synthesise, trait_inputs

    profile, sc = load_profile("moradabad"), _scenario("moradabad", n=500)
    cache = SynthesisCache(budget=2**30)
    first = cache.firms(profile, 500, trait_inputs(sc))
    first.cash[:] = -1.0  # a run spends the cash of its own table
    second = cache.firms(profile, 500, trait_inputs(sc))
    assert (cache.hits, cache.misses) == (1, 1)
    assert second.tobytes() == _synthesise(profile, 500, trait_inputs(sc)).tobytes()
    assert second is not first and not np.shares_memory(second, first)


def test_synthesis_cache_keys_on_every_trait_input_and_keeps_to_its_budget():
    """Each input of TraitInputs changes the population, so each must be (and is) part of the key; the cache
    drops the least recently used population beyond its budget."""
    from adoptsim.population import SynthesisCache, _synthesise, trait_inputs

    profile = load_profile("moradabad")
    base = trait_inputs(_scenario("moradabad", n=300))
    drawn = _synthesise(profile, 300, base)
    changed = dict(seed=base.seed + 1, liquidity=2 * base.liquidity, horizon_median=2 * base.horizon_median,
                   horizon_sigma=base.horizon_sigma / 2, belief_prior=base.belief_prior / 2,
                   scheme_awareness=1.0 - 0.5 * base.scheme_awareness, guarantee=1.0 - 0.5 * base.guarantee)
    assert set(changed) == set(base._fields)
    cache = SynthesisCache(budget=3 * drawn.nbytes)
    cache.firms(profile, 300, base)
    for name, value in changed.items():
        other = base._replace(**{name: value})
        assert cache.firms(profile, 300, other).tobytes() != drawn.tobytes(), name
        assert cache.firms(profile, 300, other).tobytes() == _synthesise(profile, 300, other).tobytes(), name
    assert cache.nbytes <= cache.budget and len(cache.entries) == 3
    assert cache.misses == 1 + len(changed) and cache.hits == len(changed)
    assert (id(profile), 300, base) not in cache.entries  # the oldest went first
