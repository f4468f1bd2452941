"""The scenario schema: every parameter and lever, once, with bounds and units.

A scenario is a cluster profile plus behavioural parameters plus intervention
levers. Each field carries its unit, allowed range and default; defaults that
are not plain "off" switches say where they come from (``source``) or that
they are assumptions. Unknown keys are errors (``extra="forbid"``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

INF = float("inf")


class _Strict(BaseModel):
    # allow_inf_nan=False: every float refuses NaN and infinities, except the few whose default inf means
    # "unlimited" (F(..., unlimited=True)), which accept inf but still refuse NaN (it fails their ge bound).
    model_config = ConfigDict(extra="forbid", strict=True, validate_assignment=True, allow_inf_nan=False)


#: Guard bound of money fields (currency): above any cluster's yearly output, yet a cost this size booked every
#: month for 5 million firms over 1,200 months (6e21) stays far from float overflow; refuses only absurd input.
MONEY_MAX = 1e12
#: Guard bound of count-per-month fields (firms, installations): 2,000 x the largest cluster allowed (5 million).
COUNT_MAX = 1e10


def F(default, lo=None, hi=None, *, unit: str = "", doc: str, source: str = "assumption", gt=None, lt=None,
      unlimited: bool = False):
    """A documented numeric field with bounds (ge/le unless gt/lt given).

    Finite values only, unless ``unlimited``: then inf (the default, "no limit") is accepted too; NaN never.
    """
    extra = {"unit": unit, "source": source}
    return Field(default, ge=lo, le=hi, gt=gt, lt=lt, description=doc, json_schema_extra=extra,
                 allow_inf_nan=True if unlimited else None)


class Behaviour(_Strict):
    """Behavioural parameters: the uncertain ones a calibration fits.

    The defaults here are the schema's documented values. Scenarios built from
    files or dicts (:func:`adoptsim.scenario.scenario_from_dict`,
    :func:`adoptsim.scenario.default_scenario`) take the shipped calibrated
    values for every key they leave out; ``Behaviour()`` itself never does.
    """

    p_innovation: float = F(0.004, 0, 1, unit="1/month", doc="spontaneous awareness hazard (Bass innovation p)",
                            source="assumption, to be calibrated: above the durable-goods Bass priors of docs/PATTERNS.md §3 "
                                   "(p 0.001-0.03/yr) because p here drives awareness, not purchase")
    q_imitation: float = F(0.15, 0, 5, unit="1/month", doc="awareness hazard per unit adopter share (Bass imitation q)",
                           source="assumption, to be calibrated: above the durable-goods Bass priors of docs/PATTERNS.md §3 "
                                  "(q 0.1-0.6/yr) because q here drives awareness, not purchase")
    q_association: float = F(0.2, 0, 5, unit="1/month", doc="extra awareness hazard for members per unit member-adopter share",
                             source="case-study, Key lessons: associations 'far more likely to be successful'; strength assumed")
    locality_weight: float = F(0.5, 0, 1, doc="weight of own-locality adopters in the peer signal (0 = full mixing)")
    belief_prior: float = F(0.4, 0, 1, doc="prior perceived share of the true savings (scepticism)",
                            source="case-study, What didn't go so well > Overcoming scepticism; level assumed")
    learn_peer: float = F(2.0, 0, 50, unit="1/month", doc="belief learning rate per unit peer-adopter share")
    learn_demo: float = F(0.3, 0, 5, unit="1/month", doc="belief learning rate from a visible demonstration site",
                          source="case-study, CHINA: demo mill 'generating strong interest'; rate assumed")
    belief_spillover: float = F(0.5, 0, 1, doc="how far seeing peers adopt one option raises belief in the others "
                                "(0: each option's belief learns only from its own adopters; 1: one shared belief)",
                                source="assumption: the same auditors and the same kind of savings stand behind every "
                                       "option, so an adopter of one is partial evidence on the rest; no seed figure")
    learn_dropout: float = F(2.0, 0, 50, unit="1/month",
                             doc="belief loss rate per unit share of peers who installed an option and dropped it "
                                 "(left it idle, or closed)",
                             source="assumption: as strong as learning from adopters (learn_peer's default); no seed figure")
    attention: float = F(0.08, 0, 1, unit="1/month", doc="probability an aware firm evaluates options in a month (inertia)",
                         source="docs/PATTERNS.md §3: ~13-25 % uptake of paying measures (ENWORKS/DECC); rate assumed")
    horizon_median: float = F(9.0, 0.1, 120, unit="months", doc="median longest acceptable payback",
                              source="case-study, PAKISTAN > Demonstration project (~9-month payback); Qiu et al. 2015 via docs/PATTERNS.md §3")
    horizon_sigma: float = F(0.6, 0, 3, doc="lognormal sigma of horizons across firms (skew: rarely > 2-3 years)")
    decision_noise: float = F(0.15, 0, 2, doc="logistic scale of the payback test, relative to the horizon (0 = deterministic)")
    down_payment: float = F(0.0, 0, 1, doc="share of net cost a firm must pay from own cash when borrowing")
    upfront_weight: float = F(1.4, 1, 5, doc="how much more a firm weighs its own upfront outlay than equal savings "
                                             "in its payback test (repayments out of savings weigh as savings)",
                              source="docs/PATTERNS.md §3: upfront cost weighs about 40 % more than equal annual "
                                     "savings (Anderson & Newell 2004)")
    free_riding: float = F(0.3, 0, 1, doc="share of a common plant's value a member expects to get without pledging (by joining late)",
                           source="assumption: late joiners pay the same share, so waiting costs only the delay; "
                                  "no seed figure, calibrate")
    liquidity: float = F(1.0, 0.01, 100, doc="multiplier on the profile's free-cash share (cash_share_median): "
                                             "how much own money firms can put into an investment",
                         source="assumption, to be calibrated: no seed gives free cash; the Lahore audit "
                                "(35 of 35 invested) bounds it from below")


class CapexSubsidy(_Strict):
    share: float = F(0.0, 0, 1, doc="share of capex paid by a public cleaner-production fund")
    cap: float = F(INF, 0, None, unit="currency/firm", unlimited=True,
                   doc="maximum subsidy per adoption (inf = no cap)")


class GreenFinance(_Strict):
    enabled: bool = Field(False, description="a green-finance scheme exists")
    rate_subsidy: float = F(0.0, 0, 1, unit="1/yr", doc="interest-rate reduction on scheme loans")
    guarantee: float = F(0.0, 0, 1, doc="share of credit-rationed firms a partial guarantee brings to credit")
    guarantee_cover: float = F(0.75, 0, 1, doc="share of a defaulted guaranteed loan's outstanding principal the public guarantor pays",
                               source="literature: India's CGTMSE credit guarantee covers 75-85 % of the amount in default "
                                      "(85 % for micro loans); the lower end used")
    consortium: bool = Field(False, description="association members can borrow through a consortium loan")
    scheme_awareness: float = F(1.0, 0, 1, doc="share of firms that know the scheme exists",
                                source="case-study, INDIA: schemes 'under-utilised ... lack of awareness'")
    promotion_cost: float = F(0.0, 0, MONEY_MAX, unit="currency/firm", doc="cost of informing one firm about the scheme")


class TariffRebate(_Strict):
    share: float = F(0.0, 0, 1, doc="share of the import duty on the imported part of capex refunded "
                                    "(the duty rate is the profile's import_duty)",
                     source="sindh, 4.4.2 Technology barriers: 'reduce import tariffs on CP technologies'")


class ExpansionRule(_Strict):
    blocks_new_lines: bool = Field(False, description="options needing a new production line are forbidden",
                                   json_schema_extra={"source": "case-study, What didn't go so well > Legal and regulatory challenges (Jiangsu)"})


class Demonstration(_Strict):
    pilots: int = Field(0, ge=0, le=10_000, description="demonstration sites installed at month 0")
    option: str = Field("", max_length=200, description="option the pilots install (default: the first option)")
    placement: Literal["association", "random"] = Field("association", description="where pilots are placed")
    cost_per_pilot: float = F(0.0, 0, MONEY_MAX, unit="currency", doc="public cost of one pilot")
    visits_per_month: float = F(4.0, 0, COUNT_MAX, unit="firms/pilot/month",
                                doc="firms one pilot hosts per month on demo days: its neighbours (locality) first, then "
                                    "association members elsewhere, then the rest",
                                source="assumption: a demo day a month with a few owners; case-study, PAKISTAN: the business "
                                       "case was shared with about 300 businesses")
    visit_learning: float = F(1.0, 0, 10, unit="1/visit", doc="belief learning from one visit (seeing the option run, "
                              "with its costs and savings); a visit also makes the firm aware and prompts it to weigh its options",
                              source="assumption: a visit is worth about a costed business case; case-study, CHINA: "
                                     "the demonstration mill 'generating strong interest'")


class Outreach(_Strict):
    reach_per_month: float = F(0.0, 0, COUNT_MAX, unit="firms/month", doc="firms contacted per month by training and booklets")
    channel: Literal["association", "direct"] = Field("association", description="association: members first")
    business_case: float = F(0.0, 0, 10, unit="1/contact", doc="belief learning from one contact with a costed business case (0 = awareness only)")
    cost_per_contact: float = F(0.0, 0, MONEY_MAX, unit="currency", doc="public cost of one contact")


class BuyerPlatform(_Strict):
    engaged_share: float = F(0.0, 0, 1, doc="share of export buyers engaged in the platform",
                             source="case-study, INDIA: Kanpur/Unnao buyer platform")
    pressure: float = F(0.0, 0, 1, unit="1/yr", doc="share of exported revenue at risk per year without the buyer-credited option")
    cost_per_month: float = F(0.0, 0, MONEY_MAX, unit="currency/month", doc="public cost of running the platform")


class Enforcement(_Strict):
    extra_inspection_rate: float = F(0.0, 0, 1, unit="1/month", doc="inspections added to the profile's baseline")
    penalty: float | None = Field(None, ge=0, le=MONEY_MAX, description="penalty per detected violation (default: profile's)")
    cost_per_inspection: float = F(0.0, 0, MONEY_MAX, unit="currency", doc="public cost of one extra inspection")
    inspection_mode: Literal["operation", "presence"] = Field(
        "operation", description="what inspections check: that treatment runs, or only that it is installed",
        json_schema_extra={"source": "docs/PATTERNS.md §3: Kanpur PCB survey 2014, treatment installed but failing"})


class Mandate(_Strict):
    level: Literal[0, 1, 2] = Field(0, description="required compliance: 0 none, 1 treatment (ETP), 2 zero liquid discharge")
    deadline_month: int = Field(24, ge=0, le=1200, description="month the mandate takes effect")
    legal_uncertainty: float = F(0.0, 0, 1, doc="probability firms put on the mandate being struck down; discounts its expected penalty",
                                 source="case-study, What didn't go so well > Legal and regulatory challenges (Kanpur ZLD)")
    penalty: float = F(0.0, 0, MONEY_MAX, unit="currency", doc="penalty per inspection that finds a firm short of the mandate")
    exit_after_months: int = Field(-1, ge=-1, le=1200, description="months after the deadline from which firms still "
                                   "short of the mandate close or relocate (-1: never; they stay, non-compliant)",
                                   json_schema_extra={"source": "case-study, What didn't go so well > Legal and regulatory "
                                                                "challenges (Kanpur ZLD ruling; proposed relocation)"})


class Vendors(_Strict):
    capacity_per_month: float = F(INF, 0, None, unit="installations/month", unlimited=True,
                                  doc="installations vendors can make per month (inf = no limit)",
                                  source="case-study, Key lessons: suppliers need 'sufficient capacity to meet demand'")
    extra_capacity: float = F(0.0, 0, COUNT_MAX, unit="installations/month", doc="capacity added by vendor capacity building")
    cost_per_extra_installation: float = F(0.0, 0, MONEY_MAX, unit="currency", doc="public cost per month of each added installation slot")


class Recognition(_Strict):
    reward: float = F(0.0, 0, MONEY_MAX, unit="currency/adopter", doc="one-off reward or grading prize per adoption",
                      source="sindh, 4.4.2: 'a grading system and reward for those who achieve CP'")


class CommonPlant(_Strict):
    """A common treatment plant proposed to (or run by) each association chapter / park committee."""

    enabled: bool = Field(False, description="a common plant is proposed to each association chapter")
    existing: bool = Field(False, description="the plant exists at month 0 and every member is connected (industrial park)",
                           json_schema_extra={"source": "case-study, CHINA: 'Each IP has its own wastewater treatment plant'"})
    design: str = Field("", max_length=200, description="design from the profile's [common_plants] (default: the first)")
    proposal_month: int = Field(1, ge=1, le=1200, description="month the plant is proposed")
    pledge_months: int = Field(24, ge=1, le=1200, description="months members have to pledge before the proposal lapses")
    cost_sharing: Literal["flow", "equal"] = Field("flow", description="members share the cost by water use or equally")
    grant_share: float = F(0.0, 0, 1, doc="share of plant capex paid by a public grant")
    interest_free_share: float = F(0.0, 0, 1, doc="share of plant capex lent by the state without interest")
    consortium_share: float = F(0.0, 0, 1, doc="share of plant capex a bank lends to the association against pledges",
                                source="case-study, CHINA: the IP Committee 'has greater credibility than individual SMEs' with lenders")
    organising: bool = Field(False, description="the association organises pledges: every member weighs pledging every month",
                             json_schema_extra={"source": "case-study, Key lessons: working through associations"})
    organising_cost_per_member: float = F(0.0, 0, MONEY_MAX, unit="currency/member/month", doc="public cost of organising pledges")
    committee_monitoring: float = F(0.0, 0, 1, unit="1/month", doc="probability the committee samples a member's effluent in a month")
    non_member_fee: float = F(0.0, 0, MONEY_MAX, unit="currency", doc="one-off fee a non-member pays to join the plant "
                              "(besides its cost share and the connection fee); non-members join only when a mandate presses them")
    committee_penalty: float = F(0.0, 0, MONEY_MAX, unit="currency", doc="committee penalty per sample over the inlet standard",
                                 source="case-study, CHINA: failing facilities 'are subject to penalties fixed by the Administration Committee'")


class Relocation(_Strict):
    """Where firms go when a mandate closes them: an industrial park with shared treatment, or away."""

    park_plots: int = Field(0, ge=0, le=5_000_000, description="plots in an industrial park with shared treatment for relocating firms")
    land_subsidy: float = F(0.0, 0, 1, doc="share of the park plot price paid by government",
                            source="sindh, 4.4.2: 'the government should subsidize lands in industrial parks'")
    support_share: float = F(0.0, 0, 1, doc="share of a firm's moving cost into the park paid by government")
    out_of_cluster: bool = Field(True, description="firms that can pay the move may relocate out of the cluster instead of closing")
    away_margin_loss: float = F(0.5, 0, 1, doc="share of its operating margin a firm loses by moving out of the cluster "
                                "(suppliers, skilled labour, buyers of the cluster)",
                                source="assumption: clusters exist because of these economies; no seed figure, a wide uncertainty")


class Water(_Strict):
    feedback: bool = Field(False, description="the supply cost rises with drawdown of the shared resource and feeds back into the value of water savings")


class Levers(_Strict):
    capex_subsidy: CapexSubsidy = CapexSubsidy()
    green_finance: GreenFinance = GreenFinance()
    tariff_rebate: TariffRebate = TariffRebate()
    expansion_rule: ExpansionRule = ExpansionRule()
    demonstration: Demonstration = Demonstration()
    outreach: Outreach = Outreach()
    buyer_platform: BuyerPlatform = BuyerPlatform()
    enforcement: Enforcement = Enforcement()
    mandate: Mandate = Mandate()
    vendors: Vendors = Vendors()
    recognition: Recognition = Recognition()
    common_plant: CommonPlant = CommonPlant()
    relocation: Relocation = Relocation()
    water: Water = Water()


class Scenario(_Strict):
    """One simulation: a cluster, a horizon, a seed, behaviour and levers."""

    name: str = Field("default", max_length=200, description="short name used in outputs (folder names keep "
                      "only [A-Za-z0-9._-], at most 80 characters: adoptsim.paths.safe_name)")
    description: str = Field("", max_length=10_000, description="one or two sentences for people")
    cluster: str = Field("moradabad", min_length=1, max_length=4096,
                         description="a shipped profile name or a path to a profile TOML")
    months: int = Field(120, ge=1, le=1200, description="simulated months")
    seed: int = Field(20170301, ge=0, lt=2**63, description="seed of all counter-based draws")
    n_firms: int | None = Field(None, ge=1, le=5_000_000, description="firms simulated (default: the profile's)")
    behaviour: Behaviour = Field(default_factory=Behaviour)
    levers: Levers = Levers()
