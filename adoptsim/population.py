"""From a validated scenario to the arrays the engines run on.

Every firm trait is drawn with the counter-based generator keyed by the firm's
id, so firm *i* is the same firm whatever the population size or order.
"""

from __future__ import annotations

import functools
import math
import os
from collections import OrderedDict
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from scipy import special, stats

from . import rng
from .profiles import SIZES, Profile, load_profile
from .scenario import Scenario
from .state import (ACTIVE, MAX_OPTIONS, NEVER, PLANT_BUILT, ClusterCosts, Options, Params, Series, empty_series,
                    new_bodies, new_firms)


@dataclass
class World:
    """Everything one run needs: scenario, profile and the engine arrays."""

    scenario: Scenario
    profile: Profile
    firms: np.recarray
    bodies: np.recarray
    options: Options
    params: Params
    cost: ClusterCosts
    series: Series


def _categorical(u: np.ndarray, shares: list[float]) -> np.ndarray:
    edges = np.cumsum(shares)
    edges[-1] = 1.0 + 1e-12
    return np.searchsorted(edges, u, side="right").astype(np.int64)


def _lognormal(u: np.ndarray, median: np.ndarray | float, sigma: np.ndarray | float) -> np.ndarray:
    z = special.ndtri(np.clip(u, 1e-12, 1 - 1e-12))
    return np.asarray(median) * np.exp(np.asarray(sigma) * z)


@functools.lru_cache(maxsize=32)
def _beta_table(a: float, b: float, points: int = 4097) -> tuple[np.ndarray, np.ndarray]:
    """Beta(a, b) quantiles on a grid of probabilities, denser in the tails."""
    x = np.linspace(0.0, 1.0, points)
    u = 0.5 - 0.5 * np.cos(np.pi * x)  # Chebyshev spacing: fine near 0 and 1
    return u, stats.beta.ppf(u, a, b)


def _beta(u: np.ndarray, a: float, b: float) -> np.ndarray:
    """Beta(a, b) by inverse CDF, interpolated from a cached table (exact ppf is ~1,000x slower)."""
    grid, q = _beta_table(float(a), float(b))
    return np.interp(u, grid, q)


class TraitInputs(NamedTuple):
    """Everything :func:`synthesise_firms` reads from a scenario: with the profile and the size, it decides the
    population (the key of the synthesis cache)."""

    seed: int
    liquidity: float
    horizon_median: float
    horizon_sigma: float
    belief_prior: float
    scheme_awareness: float
    guarantee: float


def trait_inputs(scenario: Scenario) -> TraitInputs:
    """The scenario's :class:`TraitInputs`."""
    beh, gf = scenario.behaviour, scenario.levers.green_finance
    return TraitInputs(scenario.seed, beh.liquidity, beh.horizon_median, beh.horizon_sigma, beh.belief_prior,
                       gf.scheme_awareness, gf.guarantee)


class SynthesisCache:
    """The last populations drawn in this process, up to ``budget`` bytes, least recently used out first.

    A sweep runs many variants of one cluster on the same seeds, and most variants change no trait input: their
    runs start from the same population, which is then copied (a tenth of the cost of drawing it). Keyed by the
    profile object (profiles are cached by path, :func:`~adoptsim.profiles.load_profile`), the size and the
    :class:`TraitInputs`; ``ADOPTSIM_SYNTHESIS_CACHE_MB`` sets the budget (default 256; 0 switches it off).
    """

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.entries: OrderedDict[tuple, tuple[Profile, np.recarray]] = OrderedDict()
        self.nbytes = 0
        self.hits = self.misses = 0

    def firms(self, profile: Profile, n: int, inputs: TraitInputs) -> np.recarray:
        """A fresh copy of the population (drawn now, or copied from an earlier draw of the same inputs)."""
        key = (id(profile), n, inputs)
        entry = self.entries.get(key)
        if entry is not None and entry[0] is profile:
            self.entries.move_to_end(key)
            self.hits += 1
            return entry[1].copy()
        self.misses += 1
        firms = _synthesise(profile, n, inputs)
        if 0 < firms.nbytes <= self.budget:
            if entry is not None:
                self.nbytes -= self.entries.pop(key)[1].nbytes
            self.entries[key] = (profile, firms.copy())
            self.nbytes += firms.nbytes
            while self.nbytes > self.budget:
                self.nbytes -= self.entries.popitem(last=False)[1][1].nbytes
        return firms

    def clear(self) -> None:
        self.entries.clear()
        self.nbytes = 0


SYNTHESIS_CACHE = SynthesisCache(int(float(os.environ.get("ADOPTSIM_SYNTHESIS_CACHE_MB", "256")) * 2**20))


def synthesise_firms(scenario: Scenario, profile: Profile, n: int) -> np.recarray:
    """Draw a heterogeneous firm population from a cluster profile (a new table; see :class:`SynthesisCache`).

    Membership, bank access and the mean export share may differ by size class
    (``[sizes.X].association_share`` / ``credit_access`` / ``export_share_mean``;
    the profile-wide value where a class gives none). Only the threshold or the
    Beta mean depends on the class: each trait keeps its one draw per firm
    (purposes ``MEMBER``, ``BANK``, ``EXPORT``), so a profile without size
    overrides gives the same population as before overrides existed.
    """
    return SYNTHESIS_CACHE.firms(profile, n, trait_inputs(scenario))


def _synthesise(profile: Profile, n: int, t: TraitInputs) -> np.recarray:
    """:func:`synthesise_firms` from its inputs alone (it can read nothing else of the scenario)."""
    seed = t.seed
    ids = np.arange(n, dtype=np.int64)
    draw = lambda purpose: rng.uniforms(seed, ids, 0, purpose)  # noqa: E731
    info = profile.profile
    sectors = list(profile.sectors.values())
    sizes = [profile.sizes[s] for s in SIZES]
    sector = _categorical(draw(rng.SECTOR), [s.share for s in sectors])
    size = _categorical(draw(rng.SIZE), [s.share for s in sizes])
    median = np.array([s.water_use_median for s in sizes])[size]
    sigma = np.array([s.water_use_sigma for s in sizes])[size]
    water = _lognormal(draw(rng.WATER), median, sigma)
    revenue = np.array([s.revenue_per_m3 for s in sectors])[sector] * water
    margin = np.array([s.operating_margin for s in sectors])[sector]
    cash = revenue * _lognormal(draw(rng.CASH), info.cash_share_median * t.liquidity, info.cash_share_sigma)
    export = _export_shares(draw(rng.EXPORT), _by_size(sizes, "export_share_mean", info)[size],
                            info.export_share_concentration)
    horizon = _lognormal(draw(rng.HORIZON), t.horizon_median, t.horizon_sigma)
    locality = np.minimum((draw(rng.LOCALITY) * info.n_localities).astype(np.int64), info.n_localities - 1)
    firms = new_firms(n)
    firms.id, firms.sector, firms.size_class, firms.locality = ids, sector, size, locality
    firms.member = draw(rng.MEMBER) < _by_size(sizes, "association_share", info)[size]
    firms.bank = draw(rng.BANK) < _by_size(sizes, "credit_access", info)[size]
    firms.scheme_known = draw(rng.SCHEME) < t.scheme_awareness
    firms.guaranteed = draw(rng.GUARANTEE) < t.guarantee
    firms.water_use, firms.revenue, firms.horizon, firms.cash = water, revenue, horizon, cash
    firms.reserve = cash
    firms.export_share, firms.margin = export, margin
    firms.belief = t.belief_prior
    firms.body = np.where(firms.member, locality, -1)  # each locality's members form one chapter
    return firms


def _by_size(sizes: list, attr: str, info) -> np.ndarray:
    """Per size class (micro, small, medium): the class's value of ``attr``, else the profile-wide one."""
    return np.array([getattr(info, attr) if getattr(s, attr) is None else getattr(s, attr) for s in sizes])


def _export_shares(u: np.ndarray, mean: np.ndarray, concentration: float) -> np.ndarray:
    """Beta(m c, (1 - m) c) export shares by inverse CDF, ``m`` per firm (a constant share at m = 0 or 1)."""
    out = np.empty(u.shape[0])
    for m in np.unique(mean):
        at = mean == m
        out[at] = _beta(u[at], m * concentration, (1 - m) * concentration) if 0.0 < m < 1.0 else m
    return out


def place_installed_base(scenario: Scenario, profile: Profile, firms: np.recarray) -> int:
    """Mark the firms that already have an option installed at month 0 (the installed base).

    Firm *i* has option *k* installed when its draw ``rng.INSTALLED + k`` (month 0)
    falls below ``technologies.K.installed_share``; draws of different options are
    independent, so a firm may hold several. An installed firm gets bit *k* in
    ``adopted`` and in ``operating`` and is ``aware``; its belief, cash and
    finance are untouched (the base was bought before the simulation: no
    capex, subsidy or loan is booked). Treatment options (``compliance_level``
    >= 1) also start with the bit in ``operating``: month 0 records them as
    running, and from month 1 the monthly ``operate`` rule decides, as for any
    adopter, whether the plant runs or stands idle ("installed but idle").
    Options with ``installed_share = 0`` draw nothing. Returns the number of
    firms with at least one installed option.
    """
    ids = np.ascontiguousarray(firms.id)
    base = np.zeros(ids.shape[0], dtype=bool)
    for k, option in enumerate(profile.technologies.values()):
        if option.installed_share <= 0.0:
            continue
        has = rng.uniforms(scenario.seed, ids, 0, rng.INSTALLED + k) < option.installed_share
        firms.adopted[has] |= np.uint8(1 << k)
        firms.operating[has] |= np.uint8(1 << k)
        firms.aware[has] = True
        base |= has
    return int(base.sum())


def build_options(scenario: Scenario, profile: Profile) -> Options:
    opts = list(profile.technologies.values())
    if len(opts) > MAX_OPTIONS:
        raise ValueError(f"{profile.path}: at most {MAX_OPTIONS} technology options")
    blocks = scenario.levers.expansion_rule.blocks_new_lines
    col = lambda attr, kind=float: tuple(kind(getattr(o, attr)) for o in opts)  # noqa: E731
    return Options(
        capex_fixed=col("capex_fixed"), capex_per_m3=col("capex_per_m3"), savings_per_m3=col("savings_per_m3"),
        water_saving=col("water_saving"), chemicals_per_m3=col("chemicals_per_m3"),
        energy_per_m3=col("energy_per_m3"), pollution_removed=col("pollution_removed"),
        compliance_level=col("compliance_level", int), imported_share=col("imported_share"),
        buyer_credit=col("buyer_credit"), blocked=tuple(bool(blocks and o.needs_new_line) for o in opts),
    )


def plant_design(scenario: Scenario, profile: Profile):
    """The profile's common-plant design the scenario names (None if the profile has none)."""
    if not profile.common_plants:
        return None
    name = scenario.levers.common_plant.design or next(iter(profile.common_plants))
    return profile.common_plants[name]


#: Months of negative cash after which a firm is insolvent: the 90-day overdue rule by which Indian and
#: Pakistani banks classify a loan as non-performing (RBI prudential norms; SBP prudential regulations for SMEs).
ARREARS_LIMIT = 3


def demo_option(scenario: Scenario, profile: Profile) -> int:
    """Index of the option the demonstration pilots install (the first option by default)."""
    name = scenario.levers.demonstration.option
    names = profile.option_names
    if name and name not in names:
        raise ValueError(f"levers.demonstration.option: {name!r} is not an option of "
                         f"{profile.name} ({', '.join(names)})")
    return names.index(name) if name else 0


def monthly_hazard(yearly: float) -> float:
    """The monthly probability of an event with yearly probability ``yearly`` (computed once per run, not per
    firm-month; the same float the rules computed before)."""
    return 1.0 - math.pow(1.0 - yearly, 1.0 / 12.0)


def derived_params(scenario: Scenario, profile: Profile, initial_use: float = 0.0) -> dict:
    """The :data:`~adoptsim.state.DERIVED_PARAMS`: profile values, combinations and switches.

    Every other field of ``Params`` is the scenario value of the same flat key.
    """
    lv, info = scenario.levers, profile.profile
    enf, man, cp = lv.enforcement, lv.mandate, lv.common_plant
    plant, park, water = plant_design(scenario, profile), profile.relocation, profile.water
    g = lambda obj, attr, default=0.0: default if obj is None else getattr(obj, attr)  # noqa: E731
    return dict(
        n_localities=info.n_localities, bank_rate=info.bank_rate, loan_term=float(info.loan_term_months),
        inspection_rate=min(1.0, info.inspection_rate + enf.extra_inspection_rate),
        penalty=info.penalty if enf.penalty is None else enf.penalty,
        outreach_by_association=lv.outreach.channel == "association",
        capacity=lv.vendors.capacity_per_month + lv.vendors.extra_capacity,
        inspect_operation=enf.inspection_mode == "operation",
        cp_enabled=cp.enabled and not cp.existing,
        cp_min_share=g(plant, "min_pledge_share"), cp_capex_fixed=g(plant, "capex_fixed"),
        cp_capex_per_m3=g(plant, "capex_per_m3"), cp_opex_per_m3=g(plant, "opex_per_m3"),
        cp_fee=g(plant, "connection_fee"), cp_level=int(g(plant, "compliance_level", 0)),
        cp_removed=g(plant, "pollution_removed"), cp_recovered=g(plant, "water_recovered"),
        cp_buyer_credit=g(plant, "buyer_credit"), cp_by_flow=cp.cost_sharing == "flow",
        cp_build_months=int(g(plant, "construction_months", 0)), inlet_max_load=g(plant, "inlet_max_load", 1.0),
        exit_month=man.deadline_month + man.exit_after_months if man.exit_after_months >= 0 else NEVER,
        import_duty=info.import_duty, retained_share=info.retained_share, default_hazard=monthly_hazard(info.default_rate),
        debt_cover=info.debt_service_cover,
        arrears_limit=ARREARS_LIMIT,
        demo_option=demo_option(scenario, profile),
        park_land_cost=g(park, "land_cost"), park_fee=g(park, "park_fee"),
        move_cost_per_m3=g(park, "move_cost_per_m3"), move_fixed=g(park, "move_fixed"),
        consumption=g(water, "consumption_share"), recharge=g(water, "recharge_share", 1.0) * initial_use,
        storage_per_m=g(water, "storage_years_per_m", 1.0) * initial_use,
        cost_per_m=g(water, "supply_cost_per_m"), cod_per_m3=g(water, "cod_kg_per_m3"),
        chem_per_m3=g(water, "chemicals_kg_per_m3"),
    )


def build_params(scenario: Scenario, profile: Profile, initial_use: float = 0.0) -> Params:
    """Every scalar the rules read; ``initial_use`` (m3/yr) scales the water resource.

    A field named after a flat scenario key (``capex_subsidy_share``) is that
    scenario value; the rest are :func:`derived_params`.
    """
    from .scenario.space import PARAMETERS

    derived = derived_params(scenario, profile, initial_use)
    values = {}
    for name in Params._fields:
        if name in derived:
            values[name] = derived[name]
        else:
            values[name] = PARAMETERS[name].value_in(scenario)
    return Params(**values)


def build_bodies(firms: np.recarray, p: Params) -> np.recarray:
    """One collective body per locality (its member firms); an existing park plant connects them all."""
    bodies = new_bodies(max(1, p.n_localities))
    if p.common_plant_existing:
        bodies.kind[:] = 1
        members = firms.body >= 0
        flow = np.bincount(firms.body[members], weights=firms.water_use[members], minlength=bodies.shape[0])
        count = np.bincount(firms.body[members], minlength=bodies.shape[0])
        for j in range(bodies.shape[0]):
            if count[j] == 0:
                continue
            bodies.state[j] = PLANT_BUILT
            bodies.members[j] = count[j]
            bodies.member_flow[j] = bodies.flow_now[j] = bodies.capacity[j] = bodies.committed_flow[j] = flow[j]
            bodies.connected[j] = count[j]
            bodies.connected_flow[j] = flow[j]
            bodies.capex[j] = p.cp_capex_fixed + p.cp_capex_per_m3 * flow[j]
            bodies.operating[j] = True
    return bodies


def connect_existing(firms: np.recarray, bodies: np.recarray, p: Params) -> None:
    """Members of an existing park plant start connected (it runs at month 0)."""
    if not p.common_plant_existing:
        return
    members = (firms.body >= 0) & (firms.status == ACTIVE)
    firms.pledged[members] = True
    firms.connected[members] = True
    firms.plant_level[members] = p.cp_level
    firms.plant_removed[members] = p.cp_removed
    firms.plant_recovered[members] = p.cp_recovered


def place_demonstrations(scenario: Scenario, profile: Profile, firms: np.recarray) -> int:
    """Install the demo option at the pilot firms (lowest DEMO draws among eligible)."""
    demo = scenario.levers.demonstration
    if demo.pilots == 0:
        return 0
    names = profile.option_names
    k = demo_option(scenario, profile)
    option = profile.technologies[names[k]]
    if option.needs_new_line and scenario.levers.expansion_rule.blocks_new_lines:
        raise ValueError(f"levers.demonstration.option: {names[k]!r} needs a new production line, "
                         "which levers.expansion_rule.blocks_new_lines forbids")
    u = rng.uniforms(scenario.seed, np.ascontiguousarray(firms.id), 0, rng.DEMO)
    eligible = firms.member if demo.placement == "association" and firms.member.any() else np.ones_like(firms.member)
    order = np.lexsort((firms.id, u, ~eligible))  # eligible first, then by draw, then id
    chosen = order[: min(demo.pilots, firms.id.shape[0])]
    firms.demo[chosen] = True
    firms.aware[chosen] = True
    firms.belief[chosen, k] = 1.0
    firms.adopted[chosen] |= np.uint8(1 << k)
    firms.operating[chosen] |= np.uint8(1 << k)
    return len(chosen)


def build_world(scenario: Scenario, pool: int | None = None, select=None) -> World:
    """Synthesise firms and derive every array a run needs.

    ``pool`` and ``select`` model a selected sample (e.g. audit volunteers,
    :mod:`adoptsim.calibrate.simulator`): ``pool`` firms are synthesised and only
    those at the indices ``select(firms)`` returns are kept (firm ids, hence their
    random draws, unchanged); everything after synthesis sees the kept firms only.
    """
    from .record import record

    profile = load_profile(scenario.cluster)
    opts = build_options(scenario, profile)
    firms = synthesise_firms(scenario, profile, pool or scenario.n_firms or profile.profile.n_firms)
    if select is not None:
        firms = firms[np.sort(np.asarray(select(firms), dtype=np.int64))]
    n = firms.shape[0]
    place_installed_base(scenario, profile, firms)
    pilots = place_demonstrations(scenario, profile, firms)
    params = build_params(scenario, profile, float(firms.water_use.sum()))
    bodies = build_bodies(firms, params)
    connect_existing(firms, bodies, params)
    lv = scenario.levers
    cost = ClusterCosts(
        per_contact=float(lv.outreach.cost_per_contact),
        inspections_per_month=float(n * (params.inspection_rate - profile.profile.inspection_rate)
                                    * lv.enforcement.cost_per_inspection),
        vendors_per_month=float(lv.vendors.extra_capacity * lv.vendors.cost_per_extra_installation),
        platform_per_month=float(lv.buyer_platform.cost_per_month),
        promotion_at_month_1=float(lv.green_finance.enabled * firms.scheme_known.sum() * lv.green_finance.promotion_cost),
        pilots_at_month_0=float(pilots * lv.demonstration.cost_per_pilot),
    )
    series = empty_series(scenario.months, len(opts.capex_fixed), len(profile.sectors))
    record(0, firms, bodies, opts, params, cost, series)
    return World(scenario, profile, firms, bodies, opts, params, cost, series)
