"""The page's main area: a plain-language readout, the curves, the levers in use, the legend.

Each function adds its elements to the component that calls it
(:func:`Dashboard`), which the page redraws after every month through its
``tick`` prop. (As separate components they would not redraw: their only
prop, the model, is the same object from step to step.) The chart
is a Matplotlib PNG with the moving curves as SVG on top (:mod:`.chart`): no
JavaScript chart library to fetch, so the page works offline.
"""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")
import solara  # noqa: E402

from ..scenario import Scenario  # noqa: E402
from .band import Band  # noqa: E402
from .chart import background_of, overlay  # noqa: E402
from .controls import CONTROLS, LEVERS, legend  # noqa: E402
from .model import DashboardModel, base_scenario  # noqa: E402


def money(x: float, currency: str) -> str:
    """``INR 1.7 billion``, ``INR 12.3 million``, ``INR 850,000``."""
    if abs(x) >= 1e9:
        return f"{currency} {x / 1e9:,.1f} billion"
    if abs(x) >= 1e6:
        return f"{currency} {x / 1e6:,.1f} million"
    return f"{currency} {x:,.0f}"


def water_pair(now: float, base: float) -> str:
    """``3.22 million m³ a year (without intervention: 0.92 million)``: one unit for both numbers."""
    if max(abs(now), abs(base)) >= 1e6:
        return f"{now / 1e6:,.2f} million m³ a year (without intervention: {base / 1e6:,.2f} million)"
    return f"{now:,.0f} m³ a year (without intervention: {base:,.0f})"


def _years(months: int) -> str:
    return f"{months / 12:g}" if months % 12 == 0 else f"{months / 12:.1f}"


def uncosted_levers(config: Scenario) -> list[str]:
    """Running costs left at 0 for levers that are switched on, e.g. ``outreach cost per contact``.

    Found from the schema: fields in a currency unit whose name says ``cost``
    (per contact, per pilot, per inspection, per month), still 0 while their
    lever differs from its default. Public money then leaves them out, and the
    readout says so rather than letting the lever look free.
    """
    from ..scenario.space import PARAMETERS

    out = []
    for lever, info in type(config.levers).model_fields.items():
        value = getattr(config.levers, lever)
        if value == info.annotation():
            continue
        for p in PARAMETERS.group(lever):
            key = p.path[-1]
            if "cost" in key and "currency" in p.unit and getattr(value, key) == 0:
                title = LEVERS[lever][0] if lever in LEVERS else lever.replace("_", " ")
                out.append(f"{title.lower()} {key.replace('_', ' ')}")
    return out


def collective_lines(model: DashboardModel) -> list[str]:
    """Firm status, treatment installed vs running and the load discharged, when there is any to tell."""
    s, m, n = model.series, model.month, model.n_firms
    compliant, short, park, away, closed = (int(x) for x in s.status[m])
    installed = s.installed_own[m] + s.installed_common[m]
    running = s.operating_own[m] + s.operating_common[m]
    if park + away + closed == 0 and installed == 0:
        return []
    if model.config.levers.mandate.level > 0:  # "meet the standard" only where there is one
        lines = [f"Of the {n:,} firms at the start: {compliant:,} meet the standard, {short:,} do not, "
                 f"{park:,} moved to the industrial park, {away:,} moved away, {closed:,} closed."]
    else:
        gone = [f"{k:,} {what}" for k, what in ((park, "moved to the industrial park"), (away, "moved away"),
                                                (closed, "closed")) if k]
        lines = [f"Of the {n:,} firms at the start: " + ", ".join(gone) + "."] if gone else []
    if installed > 0:
        lines.append(f"Treatment installed for {installed:,.0f} m3/yr of water use; running: {running / installed:.0%}. "
                     f"Pollution discharged: {s.organic_load[m]:,.0f} t COD/yr.")
    return lines


def readout_lines(model: DashboardModel) -> list[str]:
    """The readout as plain sentences (also what the browser test reads)."""
    now, base = model.now, model.baseline
    m, months = model.month, model.config.months
    cur = model.profile.profile.currency
    share, base_share = now.adoption_share[-1], base.adoption_share[m]
    gain = share - base_share
    firms = now.adopters[-1] - base.adopters[m]
    lines = [f"Month {m} of {months} (year {_years(m)} of {_years(months)}): "
             f"{share:.1%} of firms have adopted cleaner production."]
    if m == 0:
        lines.append(f"Without any intervention, {base.adoption_share[-1]:.1%} would have adopted after "
                     f"{_years(months)} years (grey dashed line). Press ▶ to play.")
    else:
        sign = "more" if gain >= 0 else "fewer"
        lines.append(f"Without any intervention: {base_share:.1%}. Difference: {100 * gain:+.1f} percentage "
                     f"points ({abs(firms):,.0f} {sign} firms).")
    lines.append(f"Water saved: {water_pair(now.water_saved[-1], base.water_saved[m])}. "
                 f"Public money spent so far: {money(now.public_cost[-1], cur)}.")
    lines.extend(collective_lines(model))
    missing = uncosted_levers(model.config)
    if missing:
        lines.append("Not in the public money above (no cost set for them here): " + ", ".join(missing) + ".")
    if m >= months:
        lines.append(f"Finished: {_years(months)} years played. Press ▶ to play it again, or change the levers "
                     "first.")
    return lines


def Readout(model: DashboardModel):
    """Where the run is, in sentences: adoption, the gap to the baseline, water, public money."""
    lines = readout_lines(model)
    with solara.Column(gap="4px", classes=["adoptsim-readout"]):
        solara.Text(lines[0], style={"font-size": "20px", "font-weight": "600"}, classes=["adoptsim-headline"])
        for line in lines[1:]:
            solara.Text(line, style={"font-size": "15px"},
                        classes=["adoptsim-final"] if line.startswith("Finished") else [])


def Curves(model: DashboardModel, band: Band | None = None, band_note: str = ""):
    """Adoption, water saved and public money over years; the baseline dashed grey (see :mod:`.chart`).

    ``band``: the uncertainty band, shaded behind the adoption curve; ``band_note``: a line above the
    chart while it is computed.
    """
    bg = background_of(model)
    if band_note:
        solara.Text(band_note, style={"color": "#555", "font-size": "14px", "font-style": "italic"},
                    classes=["adoptsim-band-note"])
    with solara.Div(style={"position": "relative", "width": "100%"}, classes=["adoptsim-curves"]):
        solara.HTML(tag="img", attributes={"src": bg.src, "alt": "adoption, water and public money over years"},
                    style="width: 100%; display: block")
        solara.HTML(tag="div", unsafe_innerHTML=overlay(model, bg, band),
                    style="position: absolute; left: 0; top: 0; width: 100%; height: 100%")


def settings(model: DashboardModel) -> list[str]:
    """The levers this run uses that differ from the no-intervention baseline, as ``label: value``."""
    base = base_scenario(model.cluster)
    out = []
    for c in CONTROLS:
        value = c.parameter.value_in(model.config)
        if value == c.parameter.value_in(base):
            continue
        out.append(f"{c.title}: {c.words} {_with_unit(c, value, model)}")
    return out


def _with_unit(control, value, model: DashboardModel) -> str:
    """A setting as people read it: ``30 %``, ``200,000 INR per adopter``, ``yes``."""
    shown = control.shown(value)
    if control.kind is bool:
        return "yes" if shown else "no"
    if control.choices:
        return shown
    if control.unlimited and math.isinf(shown):
        return "no limit"
    number = f"{shown:,d}" if control.kind is int else (f"{shown:,.4g}" if abs(shown) < 1e4 else f"{shown:,.0f}")
    unit = control.unit(model.profile)
    return f"{number} {unit}".strip()


PENDING = ("You moved levers since this run started: ▶ or STEP starts a new run with them "
           "(Start again: at once).")


def Settings(model: DashboardModel, pending: bool = False):
    """The levers of the run on screen, so the room can read them; says so when the sidebar differs."""
    rows = settings(model)
    with solara.Column(gap="2px", classes=["adoptsim-settings"]):
        solara.Text("Levers in this run", style={"font-size": "16px", "font-weight": "600"})
        if not rows:
            solara.Text("none: this run is the no-intervention baseline")
        for row in rows:
            solara.Text(row)
        if pending:
            solara.Text(PENDING, style={"color": "#b35900", "font-weight": "600"}, classes=["adoptsim-pending"])


def Legend(model: DashboardModel):
    """What each lever does, one sentence each (from the scenario schema)."""
    with solara.Column(gap="2px", classes=["adoptsim-legend"]):
        solara.Text("What the levers do", style={"font-size": "16px", "font-weight": "600"})
        for title, sentence in legend(model.profile):
            with solara.Row(gap="6px"):
                solara.Text(f"{title}:", style={"font-weight": "600", "white-space": "nowrap"})
                solara.Text(sentence)


HOW_TO = ("Choose a cluster at the top. Set the levers on the left, then press ▶ to play ten years month by "
          "month (Step: one month; Start again: back to month 0). Grey dashed lines: the same cluster with no "
          "intervention, same firms and same luck.")

# Mesa's sliders show their value only while dragged, and a long label squeezes the slider to a dot.
# In a workshop the room must read every setting: labels go above their slider, values stay visible.
SIDEBAR_CSS = """
.v-navigation-drawer .v-input__slider .v-input__slot { flex-wrap: wrap; }
.v-navigation-drawer .v-input__slider .v-input__slot > .v-label {
    flex: 1 0 100%; max-width: 100%; white-space: normal; margin-bottom: 4px; }
.v-navigation-drawer .v-slider__thumb-label-container { display: block !important; }
.v-navigation-drawer .v-slider__thumb-label {
    width: auto !important; height: 22px !important; min-width: 30px; padding: 0 6px; border-radius: 11px !important;
    bottom: auto !important; top: 0; transform: translate(-50%, -50%) !important; font-size: 12px; }
.v-navigation-drawer .v-slider__thumb-label > div, .v-navigation-drawer .v-slider__thumb-label > div > span {
    transform: none !important; }
"""


@solara.component
def Dashboard(model: DashboardModel, pending: bool = False, tick: int = 0, band: Band | None = None,
              band_note: str = ""):
    """The main area: how to use it, the readout, the curves, the levers in use and what they do.

    ``pending``: the sidebar's levers differ from the run's; ``tick`` changes
    every month so the page redraws; ``band``, ``band_note``: see :func:`Curves`.
    """
    solara.Style(SIDEBAR_CSS)
    with solara.Column(style={"padding": "12px 20px", "max-width": "1400px"}, classes=["adoptsim-dashboard"]):
        solara.Text(HOW_TO, style={"color": "#555", "font-size": "14px"})
        Readout(model)
        Curves(model, band, band_note)
        with solara.Columns([1, 2], gutters_dense=True):
            Settings(model, pending)
            Legend(model)


__all__ = ["Curves", "Dashboard", "Legend", "Readout", "Settings", "readout_lines", "settings"]
