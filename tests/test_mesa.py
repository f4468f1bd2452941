"""The Mesa face: one schedule for both engines, steps, reporters, the firm_class hook, rng, the numba cache."""

from __future__ import annotations

import ast
import inspect
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import mesa
import numpy as np
import pytest

from adoptsim import AdoptionModel
from adoptsim import agents as agents_module
from adoptsim import model as model_module
from adoptsim.agents import Body, Firm
from adoptsim.rules import schedule
from adoptsim.rules.schedule import PHASES, step_month
from conftest import scenario

SMALL = dict(cluster="moradabad", n_firms=200, months=24, outreach_reach_per_month=20, outreach_business_case=0.5)
# every phase can act: exits under a mandate, common plants
ALL_PHASES = dict(cluster="kanpur", n_firms=150, months=3, mandate_level=1, mandate_deadline_month=1,
                  mandate_exit_after_months=1, common_plant_enabled=True, common_plant_proposal_month=1)


# -- one schedule -----------------------------------------------------------------------------------

def _kernel_calls() -> list[tuple[object, object]]:
    """(guard, function) for every phase function called in step_month's source, in order."""
    fn = step_month.py_func
    names = fn.__globals__
    guards = {ph.guard for ph in PHASES if ph.guard is not None}
    known = ({ph.cluster_fn for ph in PHASES} | {ph.rule for ph in PHASES}) - {None}
    calls: list[tuple[object, object]] = []

    class Visitor(ast.NodeVisitor):
        guard = None

        def visit_If(self, node: ast.If) -> None:
            test = node.test
            g = names.get(test.func.id) if isinstance(test, ast.Call) and isinstance(test.func, ast.Name) else None
            if g in guards:
                assert not node.orelse, "a guarded phase has no else branch"
                outer, self.guard = self.guard, g
                for stmt in node.body:
                    self.visit(stmt)
                self.guard = outer
            else:
                self.generic_visit(node)

        def visit_Call(self, node: ast.Call) -> None:
            if isinstance(node.func, ast.Name) and names.get(node.func.id) in known:
                calls.append((self.guard, names[node.func.id]))
            self.generic_visit(node)

    Visitor().visit(ast.parse(textwrap.dedent(inspect.getsource(fn))))
    return calls


def test_kernel_month_follows_phases():
    """step_month calls each phase's cluster function, then its rule, under the phase's guard, in PHASES order."""
    expected = [(ph.guard, f) for ph in PHASES for f in (ph.cluster_fn, ph.rule) if f is not None]
    assert _kernel_calls() == expected


def test_agent_methods_run_the_phase_rules():
    """Each phase's agent method calls the py_func of the phase's rule."""
    for ph in PHASES:
        if not ph.agents:
            continue
        cls = Firm if ph.agents == "firms" else Body
        method = getattr(cls, ph.agent_method)
        called = [getattr(agents_module, n, None) for n in method.__code__.co_names]
        assert ph.rule.py_func in called, f"{cls.__name__}.{ph.agent_method} does not run {ph.rule.__name__}"


@pytest.mark.parametrize("case", [SMALL, ALL_PHASES], ids=["guards-off", "guards-on"])
def test_agents_month_follows_phases(case, monkeypatch):
    """The per-agent month is PHASES in order: guard, cluster function, every agent's method."""
    log: list[tuple[str, str]] = []

    def logged(kind, name, fn):
        def wrapper(*args):
            log.append((kind, name))
            return fn(*args)
        return wrapper

    phases = tuple(ph._replace(guard=ph.guard and logged("guard", ph.name, ph.guard),
                               cluster_fn=logged("cluster", ph.name, ph.cluster_fn)) for ph in PHASES)
    monkeypatch.setattr(model_module, "PHASES", phases)
    for ph in PHASES:
        if ph.agents:
            cls = Firm if ph.agents == "firms" else Body
            monkeypatch.setattr(cls, ph.agent_method, logged("agents", ph.name, getattr(cls, ph.agent_method)))
    m = AdoptionModel(scenario(**{**case, "months": 1}), engine="agents")
    log.clear()
    m.step()
    collapsed = [e for i, e in enumerate(log) if i == 0 or log[i - 1] != e]
    p, expected = m.params, []
    for ph in PHASES:
        if ph.guard is not None:
            expected.append(("guard", ph.name))
            if not ph.guard(p):
                continue
        expected.append(("cluster", ph.name))
        if ph.agents:
            expected.append(("agents", ph.name))
    assert collapsed == expected
    if case is ALL_PHASES:
        assert all(ph.guard(p) for ph in PHASES if ph.guard is not None), "case must switch every phase on"


def test_kernel_reexports_the_schedule():
    from adoptsim import kernel

    assert kernel.step_month is schedule.step_month and kernel.water_cost_before is schedule.water_cost_before


# -- steps and reporters ------------------------------------------------------------------------------

@pytest.mark.parametrize("engine", ["numba", "agents"])
def test_steps_count_months(engine):
    s = scenario(**SMALL)
    m = AdoptionModel(s, engine=engine).run()
    assert m.steps == m.month == s.months and m.time == s.months and not m.running
    frame = m.datacollector.get_model_vars_dataframe()
    assert len(frame) == s.months + 1 and list(frame["month"]) == list(range(s.months + 1))
    looped = AdoptionModel(s, engine=engine)
    for _ in range(5):
        looped.step()
    assert looped.steps == looped.month == 5
    looped.run()
    assert looped.steps == s.months


def _members_adopted(model: AdoptionModel) -> int:
    return sum(a.member and a.is_adopter for a in model.firm_agents)


def test_agent_reading_reporter_sees_each_month_under_run():
    s = scenario(**SMALL)
    m = AdoptionModel(s, model_reporters={"members_adopted": _members_adopted})
    assert m.needs_monthly_state()
    ran = m.run().datacollector.get_model_vars_dataframe()["members_adopted"].to_numpy()
    looped = AdoptionModel(s, model_reporters={"members_adopted": _members_adopted})
    while looped.running:
        looped.step()
    stepped = looped.datacollector.get_model_vars_dataframe()["members_adopted"].to_numpy()
    assert np.array_equal(ran, stepped)
    assert np.all(np.diff(ran) >= 0) and ran[0] < ran[-1]
    assert np.array_equal(ran, m.series.by_member[:, 1])  # the state of each month, not the last one
    fast = AdoptionModel(s).run()  # outcome columns only: the single compiled call, same numbers
    assert not fast.needs_monthly_state()
    assert fast.series.adopters.tobytes() == m.series.adopters.tobytes()


def test_agent_reporters_one_row_per_firm_per_month():
    s = scenario(**{**SMALL, "months": 6})
    m = AdoptionModel(s, agent_reporters={"cash": "cash", "adopter": "is_adopter"}).run()
    frame = m.datacollector.get_agent_vars_dataframe()
    assert len(frame) == m.n_firms * (s.months + 1)
    last = frame.xs(float(s.months), level=0)
    assert np.array_equal(last["cash"].to_numpy(), m.firms.cash)
    names = m.profile.option_names
    assert m.firm_agents.to_list()[0].belief == dict(zip(names, m.firms.belief[0, :len(names)].tolist()))
    assert last["adopter"].sum() == m.series.adopters[-1]
    first = frame.xs(0.0, level=0)
    assert first["adopter"].sum() == m.series.adopters[0]


def test_outcome_reporters_cover_the_table_and_can_be_chosen():
    from adoptsim.run import tabulate

    s = scenario(**SMALL)
    m = AdoptionModel(s).run()
    frame, table = m.datacollector.get_model_vars_dataframe(), tabulate(m)
    for col in table.columns:
        assert np.array_equal(frame[col].to_numpy(), table[col].to_numpy()), col
    few = AdoptionModel(s, reporters=["firms_compliant", "adoption_share"]).run()
    assert list(few.datacollector.get_model_vars_dataframe().columns) == ["firms_compliant", "adoption_share"]
    assert few.outcome("water_saved_m3_per_year") == table["water_saved_m3_per_year"].iloc[-1]
    with pytest.raises(KeyError, match="not an outcome column"):
        AdoptionModel(s, reporters=["no_such_column"])

    class Few(AdoptionModel):
        reporters = ("share_adopted",)

    assert list(Few(s).datacollector.model_reporters) == ["share_adopted"]


def test_batch_run_sees_every_outcome_column():
    results = mesa.batch_run(
        AdoptionModel, parameters={"n_firms": 150, "months": 12, "cluster": "kanpur", "mandate_level": [0, 1]},
        rng=[1], max_steps=12, number_processes=1, display_progress=False)
    assert len(results) == 2 and all(r["Step"] == 12 for r in results)
    for r in results:
        assert {"water_saved_m3_per_year", "firms_compliant", "public_cost_inspection",
                "public_cost_cumulative"} <= set(r)


# -- firm_class hook ------------------------------------------------------------------------------------

class NeverAdopts(Firm):
    """Weighs options as usual, but never installs one."""

    def install(self) -> None:
        pass


class NeverModel(AdoptionModel):
    firm_class = NeverAdopts


class Labelled(Firm):
    @property
    def label(self) -> str:
        return f"{self.sector}/{self.size}"


class LabelledModel(AdoptionModel):
    firm_class = Labelled


def test_firm_subclass_acts_under_agents_engine():
    s = scenario(**{**SMALL, "months": 12})
    base = AdoptionModel(s, engine="agents").run()
    never = NeverModel(s, engine="agents").run()
    assert all(type(a) is NeverAdopts for a in never.firm_agents)
    assert base.series.adopters[-1] > base.series.adopters[0]
    assert never.series.adopters[-1] == never.series.adopters[0]


def test_custom_actions_refused_on_numba():
    with pytest.raises(ValueError, match="only acts under engine='agents'"):
        NeverModel(scenario(**SMALL))
    m = LabelledModel(scenario(**{**SMALL, "months": 3}), agent_reporters={"label": "label"}).run()  # no action
    assert m.datacollector.get_agent_vars_dataframe()["label"].iloc[0].count("/") == 1


# -- rng ---------------------------------------------------------------------------------------------

def test_generator_as_rng_is_reproducible():
    s = scenario(**{**SMALL, "months": 12})
    a = AdoptionModel(s, rng=np.random.default_rng(3)).run()
    b = AdoptionModel(s, rng=np.random.default_rng(3)).run()
    assert a.config.seed == b.config.seed and a.series.adopters.tobytes() == b.series.adopters.tobytes()
    gen = np.random.default_rng(3)
    c, d = AdoptionModel(s, rng=gen), AdoptionModel(s, rng=gen)
    assert c.config.seed == a.config.seed != d.config.seed  # one draw per model
    assert AdoptionModel(s, rng=7).config.seed == 7
    with pytest.raises(TypeError, match="rng must be"):
        AdoptionModel(s, rng="seven")


# -- numba cache ---------------------------------------------------------------------------------------

def test_numba_cache_configured_without_touching_the_environment():
    """Importing adoptsim keys numba's cache folder in numba's config only; compiled code is cached there."""
    code = textwrap.dedent("""
        import json, os
        from adoptsim import AdoptionModel, kernel, record
        from adoptsim._numba_cache import cache_dir
        from adoptsim.rules import decision, schedule
        from numba.core import config
        AdoptionModel(n_firms=20, months=1).run()
        print(json.dumps({"env": os.environ.get("NUMBA_CACHE_DIR"), "config": config.CACHE_DIR,
                          "keyed": str(cache_dir()),
                          "paths": [f._cache._cache_path for f in (kernel._simulate, schedule.step_month,
                                                                   decision.firm_month, record.record)]}))
    """)
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["env"] is None and got["config"] == got["keyed"]
    assert all(path.startswith(got["keyed"] + os.sep) for path in got["paths"])
    cached = {p.name.split("-")[0] for p in Path(got["keyed"]).rglob("*.nbi")}
    assert {"kernel._simulate", "schedule.step_month", "record.record"} <= cached
