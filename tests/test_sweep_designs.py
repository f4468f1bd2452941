"""Sweep designs and tidy results: levers x uncertainties, posterior draws, shipped bases, mixed clusters."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from adoptsim.scenario import load_scenario
from adoptsim.sweep import SweepError, load_results, load_sweep, replicate_seed, run_sweep
from adoptsim.sweep.store import plan_units

EXPERIMENTS = Path(__file__).parent.parent / "adoptsim" / "experiments"

CROSSED = ('[sweep]\nbase = "base.toml"\nreplicates = 2\nseed = 11\ndesign = "lhs"\nsamples = 4\n'
           '[factors]\ncapex_subsidy_share = [0.2, 0.5]\noutreach_business_case = [0.0, 0.5]\n'
           '[ranges]\nattention = [0.05, 0.2]\nq_imitation = [0.05, 0.3]\n')


def write(tmp_path: Path, body: str, name: str = "s.toml", base: str = 'cluster = "lahore"\nmonths = 6\n'
          'n_firms = 30\n') -> Path:
    (tmp_path / "base.toml").write_text(base)
    path = tmp_path / name
    path.write_text(body)
    return path


def test_levers_x_uncertainties_has_levels_x_samples_x_replicates_runs(tmp_path):
    sweep = load_sweep(write(tmp_path, CROSSED))
    levels = 1 + 2 * 2  # the baseline's levers and every [factors] combination
    assert len(sweep.variants) == levels and len(sweep.worlds) == 4
    assert sweep.runs == levels * 4 * 2 and len(plan_units(sweep)) == levels * 4
    out = tmp_path / "out"
    report = run_sweep(sweep, out, progress=False)
    assert report.runs == levels * 4 * 2
    frame, manifest = load_results(out)
    runs = frame.groupby(["variant", "sample", "replicate"]).size()
    assert len(runs) == levels * 4 * 2 and (runs == 7).all()  # months 0..6
    # common random numbers: replicate r has one seed across every lever setting and sample point
    seeds = frame.groupby("replicate")["seed"].unique()
    assert [list(s) for s in seeds] == [[replicate_seed(11, r)] for r in range(2)]
    # tidy: one column per lever and per uncertain parameter, the value used
    first = frame.drop_duplicates(["variant", "sample"]).set_index(["variant", "sample"])
    assert set(first.index.get_level_values("sample")) == {0, 1, 2, 3} and (frame["draw"] == -1).all()
    levers = first["levers.capex_subsidy.share"].unstack()
    assert (levers.loc["s000"] == sweep.base.levers.capex_subsidy.share).all()  # the baseline's own value
    assert sorted(set(levers.drop("s000").to_numpy().ravel())) == [0.2, 0.5]
    attention = first["behaviour.attention"].unstack()
    assert (attention.nunique(axis=0) == 1).all()  # a sample point is the same for every lever setting
    sample = [w.overrides["attention"] for w in sweep.worlds]
    assert attention.loc["s000"].tolist() == pytest.approx(sample)
    assert min(sample) >= 0.05 and max(sample) <= 0.2
    assert list(frame.columns[:8]) == ["variant", "variant_name", "levers.capex_subsidy.share",
                                       "levers.outreach.business_case", "behaviour.attention", "behaviour.q_imitation",
                                       "sample", "draw"]


@pytest.mark.parametrize("body, table, hint", [
    ('[sweep]\nbase = "base.toml"\n[factors]\ncapex_subsidy_share = [0.1]\n[ranges]\nattention = [0.1, 0.2]\n',
     "ranges", "design = \"lhs\" or \"sobol\""),
    ('[sweep]\nbase = "base.toml"\ndesign = "list"\n[factors]\ncapex_subsidy_share = [0.1]\n'
     '[[variant]]\nname = "a"\ncapex_subsidy_share = 0.2\n', "factors", "factorial"),
    ('[sweep]\nbase = "base.toml"\ndesign = "list"\n[ranges]\nattention = [0.1, 0.2]\n'
     '[[variant]]\nname = "a"\ncapex_subsidy_share = 0.2\n', "ranges", "sample"),
])
def test_a_table_the_design_does_not_use_is_an_error_naming_file_and_table(tmp_path, body, table, hint):
    with pytest.raises(SweepError, match=rf"bad.toml: \[{table}\]: not used by design .*{hint}"):
        load_sweep(write(tmp_path, body, "bad.toml"))


def test_an_uncertain_parameter_cannot_also_be_a_lever(tmp_path):
    body = CROSSED.replace("outreach_business_case", "attention")
    with pytest.raises(SweepError, match=r"s.toml: \[ranges\] attention: also set by"):
        load_sweep(write(tmp_path, body))


def test_lhs_without_lever_settings_keeps_one_variant_per_sample_point(tmp_path):
    sweep = load_sweep(write(tmp_path, '[sweep]\nbase = "base.toml"\ndesign = "lhs"\nsamples = 4\n'
                                       '[ranges]\ncapex_subsidy_share = [0.0, 0.5]\n'))
    assert len(sweep.variants) == 5 and sweep.worlds == []


def test_base_by_shipped_scenario_name_or_path(tmp_path):
    shipped = load_scenario(EXPERIMENTS / "kanpur-zld-mandate.toml")
    by_name = load_sweep(write(tmp_path, '[sweep]\nbase = "kanpur-zld-mandate"\n[factors]\ncapex_subsidy_share = [0.1]\n'))
    by_path = load_sweep(write(tmp_path, f'[sweep]\nbase = "{EXPERIMENTS / "kanpur-zld-mandate.toml"}"\n'
                                         '[factors]\ncapex_subsidy_share = [0.1]\n'))
    assert by_name.base == shipped and by_path.base == shipped
    # a file of that name beside the sweep file wins (copied examples run their copies)
    (tmp_path / "kanpur-zld-mandate.toml").write_text('cluster = "lahore"\nname = "mine"\n')
    assert load_sweep(write(tmp_path, '[sweep]\nbase = "kanpur-zld-mandate"\n[factors]\ncapex_subsidy_share = [0.1]\n'
                            )).base.name == "mine"
    with pytest.raises(SweepError, match=r"\[sweep\] base"):
        load_sweep(write(tmp_path, '[sweep]\nbase = "no-such-scenario"\n[factors]\ncapex_subsidy_share = [0.1]\n'))


def test_shipped_sweeps_name_their_base_by_name():
    for path in sorted(EXPERIMENTS.glob("sweep-*.toml")) + [EXPERIMENTS / "smoke-sweep.toml"]:
        base = next(line for line in path.read_text().splitlines() if line.startswith("base"))
        assert not base.rstrip().endswith('.toml"'), path


POSTERIOR = "q_imitation,attention,weight\n0.05,0.08,1\n0.20,0.15,3\n0.30,0.10,0\n"


def test_every_new_field_is_in_the_definition_hash(tmp_path):
    path = write(tmp_path, CROSSED)
    digest = load_sweep(path).digest()
    for old, new in (("samples = 4", "samples = 8"), ('design = "lhs"', 'design = "sobol"'),
                     ("[0.05, 0.2]", "[0.05, 0.25]"), ("[0.2, 0.5]", "[0.2, 0.6]")):
        path.write_text(CROSSED.replace(old, new))
        assert load_sweep(path).digest() != digest, new
    (tmp_path / "post.csv").write_text(POSTERIOR)
    body = '[sweep]\nbase = "base.toml"\n[factors]\ncapex_subsidy_share = [0.1]\n'
    path.write_text(body)
    plain = load_sweep(path).digest()
    path.write_text(body + '[posterior]\nfile = "post.csv"\ndraws = 4\n')
    with_posterior = load_sweep(path).digest()
    assert with_posterior != plain and load_sweep(path, draws=5).digest() != with_posterior
    assert load_sweep(tmp_path / "s.toml", posterior=tmp_path / "post.csv", draws=4).digest() == with_posterior
    (tmp_path / "post.csv").write_text(POSTERIOR.replace("0.20", "0.21"))
    assert load_sweep(path).digest() != with_posterior


def test_posterior_draws_are_weighted_rows_crossed_with_every_scenario(tmp_path):
    (tmp_path / "post.csv").write_text(POSTERIOR)
    path = write(tmp_path, '[sweep]\nbase = "base.toml"\nreplicates = 2\n[factors]\ncapex_subsidy_share = [0.3]\n'
                           '[posterior]\nfile = "post.csv"\ndraws = 6\n')
    sweep = load_sweep(path)
    assert len(sweep.worlds) == 6 and {w.draw for w in sweep.worlds} == set(range(6))
    rows = {(w.overrides["q_imitation"], w.overrides["attention"]) for w in sweep.worlds}
    assert rows <= {(0.05, 0.08), (0.20, 0.15)}  # the zero-weight row is never drawn
    out = tmp_path / "out"
    run_sweep(sweep, out, progress=False)
    frame, _ = load_results(out)
    assert frame.groupby(["variant", "draw", "replicate"]).ngroups == 2 * 6 * 2 and (frame["sample"] == -1).all()
    q = frame.drop_duplicates(["variant", "draw"]).pivot(index="draw", columns="variant",
                                                         values="behaviour.q_imitation")
    assert (q["s000"] == q["s001"]).all()  # each draw is the same for every scenario
    assert q["s000"].tolist() == [w.overrides["q_imitation"] for w in sweep.worlds]
    with pytest.raises(SweepError, match=r"\[posterior\] q_imitation: a posterior column that the sweep also sets"):
        load_sweep(write(tmp_path, '[sweep]\nbase = "base.toml"\n[factors]\nq_imitation = [0.3]\n'
                                   '[posterior]\nfile = "post.csv"\n', "clash.toml"))
    with pytest.raises(SweepError, match=r"nope.toml: \[posterior\] file: .*missing.csv"):
        load_sweep(write(tmp_path, '[sweep]\nbase = "base.toml"\n[factors]\ncapex_subsidy_share = [0.3]\n'
                                   '[posterior]\nfile = "missing.csv"\n', "nope.toml"))


def test_a_sweep_across_clusters_loads_with_per_cluster_columns_aligned(tmp_path):
    path = write(tmp_path, '[sweep]\nbase = "base.toml"\nreplicates = 2\ndesign = "list"\n'
                           '[[variant]]\nname = "kanpur"\ncluster = "kanpur"\n'
                           '[[variant]]\nname = "moradabad"\ncluster = "moradabad"\n')
    out = tmp_path / "out"
    run_sweep(load_sweep(path), out, progress=False)
    frame, _ = load_results(out)
    assert frame.groupby(["variant", "replicate"]).ngroups == 6
    assert frame.drop_duplicates("variant")["cluster"].tolist() == ["lahore", "kanpur", "moradabad"]
    options = [c for c in frame.columns if c.startswith("share_option_")]
    lahore = frame[frame["variant"] == "s000"]
    missing = [c for c in options if lahore[c].isna().all()]
    assert missing and all(frame.loc[frame["variant"] != "s000", c].notna().any() for c in missing)
    assert frame["share_adopted"].notna().all()
    assert np.isfinite(frame["share_adopted"].to_numpy()).all()
    assert isinstance(frame, pd.DataFrame)


def test_named_variants_are_crossed_with_the_sample_too():
    sweep = load_sweep(EXPERIMENTS / "sweep-moradabad-robust.toml")
    assert [v.name for v in sweep.variants][1:] == ["capex subsidy 30 %", "outreach 23 firms/month",
                                                    "subsidy + outreach"]
    assert len(sweep.worlds) == 8 and sweep.runs == 4 * 8 * 5
    assert all(set(w.overrides) == {"attention", "q_imitation", "horizon_median"} for w in sweep.worlds)
