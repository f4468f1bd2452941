"""Reports, slide figures and animations: offline, complete, and made for every shipped experiment."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from adoptsim.profiles import load_profile
from adoptsim.report import ReportError, markdown, plain_name, write_report
from adoptsim.scenario import with_overrides
from adoptsim.sweep import load_results, load_sweep, run_sweep
from adoptsim.tomlfile import read_toml

EXPERIMENTS = Path(__file__).resolve().parents[1] / "adoptsim" / "experiments"
PNG = b"\x89PNG\r\n\x1a\n"


def _kind(path: Path) -> str:
    """'sweep', 'sensitivity' or 'scenario', from the file's top-level tables."""
    data = read_toml(path, ValueError, "experiment")
    return "sweep" if "sweep" in data else "sensitivity" if "sensitivity" in data else "scenario"


FILES = sorted(EXPERIMENTS.glob("*.toml"))
SCENARIOS = [p for p in FILES if _kind(p) == "scenario"]
SWEEPS = [p for p in FILES if _kind(p) == "sweep"]


def tiny_sweep(path: Path, out: Path, *, n_firms: int = 60, months: int = 24, replicates: int = 2) -> Path:
    """Run a shipped sweep file shrunk to seconds: few firms, two years, two replicates."""
    sweep = load_sweep(path)
    sweep.base = with_overrides(sweep.base, origin=f"tiny {path.name}", n_firms=n_firms, months=months)
    sweep.replicates = replicates
    run_sweep(sweep, out, progress=False)
    return out


def external_references(text: str) -> list[str]:
    """Every src/href (or CSS url()) in ``text`` that points off the page."""
    refs = re.findall(r"""(?:src|href)\s*=\s*["']?([^"'\s>]+)""", text, flags=re.IGNORECASE)
    refs += re.findall(r"url\(\s*['\"]?([^'\")]+)", text, flags=re.IGNORECASE)
    return [r for r in refs if not r.startswith(("data:", "#"))]


@pytest.fixture(scope="module")
def smoke_report(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("report")
    results = tiny_sweep(EXPERIMENTS / "smoke-sweep.toml", root / "smoke", n_firms=120, months=36, replicates=3)
    return results, write_report(results, root / "out")


def test_report_is_one_offline_file_with_every_scenario(smoke_report):
    results, page = smoke_report
    text = page.read_text(encoding="utf-8")
    assert external_references(text) == []
    assert not re.search(r"https?://|<script|<link|@import", text, flags=re.IGNORECASE)
    assert len(re.findall(r"<img src='data:image/png;base64,", text)) >= 3
    _, manifest = load_results(results)
    lahore = load_profile("lahore")
    for variant in manifest["sweep"]["variants"]:
        shown = plain_name(variant["name"], lahore)
        assert html.escape(shown, quote=True) in text, shown
    assert "Capex subsidy share 30 %" in text  # generated names put into words
    assert "baseline" in text and "PKR" in text


def test_report_leads_with_the_answer(smoke_report):
    """The first sentence names the scenario with the largest gain (read from compare's table by hand), the ranking
    and cost-effectiveness come before the fans, and columns that are zero for every scenario are left out."""
    from adoptsim.compare import compare

    results, page = smoke_report
    text = page.read_text(encoding="utf-8")
    frame, manifest = load_results(results)
    table = compare(frame, manifest, horizons=(36,), level=0.9)
    best = table.loc[table["gain_share_adopted"].idxmax()]
    lahore = load_profile("lahore")
    name = plain_name(next(v["name"] for v in manifest["sweep"]["variants"] if v["id"] == best.variant), lahore)
    first = re.search(r"<b>(.*?)</b>", text).group(1)
    assert first.startswith("Of 4 scenarios, “" + html.escape(name, quote=True) + "” raises adoption most"), first
    assert f"{100 * best.gain_share_adopted:+.1f} points" in first
    assert text.index("raises adoption most") < text.index("scenarios (the first is the baseline")
    assert text.index("What each scenario adds") < text.index("scenario by scenario")
    head = re.findall(r"<th[^>]*>(.*?)</th>", text)
    assert "scenario" in head and "gain (points)" in head
    for column, values in (("closed", table["share_closed"]), ("moved", table["share_relocated"])):
        assert (column in head) == bool((values.fillna(0) != 0).any()), column


def _first_sentence(text: str) -> str:
    return html.unescape(re.search(r"<b>(.*?)</b>", text).group(1))


def test_report_by_water_leads_with_the_largest_water_gain(smoke_report, tmp_path):
    """--by water: the first sentence names the scenario with the largest water gain in compare(by="water")'s
    table, the ranking chart is of water, and the cost-effectiveness chart plots water against money."""
    from adoptsim.compare import compare

    results, _ = smoke_report
    frame, manifest = load_results(results)
    table = compare(frame, manifest, horizons=(36,), level=0.9, by="water")
    best = table.loc[table["gain_water_m3_per_year"].idxmax()]
    adoption_best = table.loc[table["gain_share_adopted"].idxmax()]
    name = plain_name(next(v["name"] for v in manifest["sweep"]["variants"] if v["id"] == best.variant),
                      load_profile("lahore"))
    text = write_report(results, tmp_path / "out", formats=("png",), dpi=40, by="water").read_text("utf-8")
    first = _first_sentence(text)
    assert first.startswith(f"Of 4 scenarios, “{name}” saves the most water after 3 years: "
                            f"{best.gain_water_m3_per_year:+,.0f} m³ a year"), first
    assert "What each scenario adds to water saved after 3 years" in text
    if adoption_best.variant != best.variant:  # the adoption answer is still said, after the water one
        assert "For adoption, “" in text
    assert "raises adoption most" not in text


@pytest.mark.parametrize("by", ["compliance", "pollution", "public-cost", "cost-per-adopter", "cost-per-m3"])
def test_headline_answers_every_ranking(smoke_report, by):
    """Each --by outcome gets its own first sentence naming the table's best scenario on it."""
    from adoptsim.compare import BY, compare
    from adoptsim.report.headline import headline
    from adoptsim.report.measures import WORDING

    results, _ = smoke_report
    frame, manifest = load_results(results)
    table = compare(frame, manifest, horizons=(36,), level=0.9, by=by)
    names = dict(zip(table["variant"], table["variant_name"]))
    said = headline(table, names)
    valued = table[table[BY[by].column].notna()]
    if len(valued):
        best = valued.loc[valued[BY[by].column].idxmin() if BY[by].better == "lower"
                          else valued[BY[by].column].idxmax()]
        if BY[by].money or best[BY[by].column] > 0:
            assert said[0].startswith(f"Of 4 scenarios, “{best.variant_name}” {WORDING[by].most}"), said[0]
        else:  # nothing gained (compliance in this small sweep): said so, not named as "most"
            assert said[0].startswith(f"No scenario gains {WORDING[by].noun}"), said[0]
            assert f"“{best.variant_name}”'s" in said[0]
    else:
        assert said[0].startswith("No scenario has a value"), said[0]


def test_optimise_and_discover_come_after_the_answer_and_before_the_fans(smoke_report, tmp_path):
    from report_fixtures import discover_folder, optimise_folder

    results, _ = smoke_report
    opt, disc = optimise_folder(tmp_path / "opt"), discover_folder(tmp_path / "disc")
    text = write_report(results, tmp_path / "out", formats=("png",), dpi=40, optimise=[opt],
                        discover=[disc]).read_text("utf-8")
    at = [text.index(s) for s in ("raises adoption most", "What each scenario buys for its public money",
                                  "Optimisation toy-front", "Where it fails", "scenario by scenario")]
    assert at == sorted(at), at


def test_slide_figures_are_16_by_9_png_and_svg(smoke_report):
    from PIL import Image

    _, page = smoke_report
    figures = sorted((page.parent / "figures").iterdir())
    names = {p.stem for p in figures}
    assert any("adoption-fans" in n for n in names) and any("comparison" in n for n in names)
    assert any("cost-effectiveness" in n for n in names)
    for png in (p for p in figures if p.suffix == ".png"):
        assert png.read_bytes()[:8] == PNG
        w, h = Image.open(png).size
        assert (w, h) == (2000, 1125), png.name
        assert png.with_suffix(".svg").read_text().lstrip().startswith("<?xml")


def test_report_of_a_calibration_like_directory_and_nothing_to_report(tmp_path, smoke_report):
    _, page = smoke_report
    calib = tmp_path / "calib"
    calib.mkdir()
    (calib / "report.md").write_text("# Calibration x\n\nSome **text** and a [link](https://example.org).\n\n"
                                     "| a | b |\n|---|---|\n| 1 | 2 |\n\n- one\n- two\n")
    (calib / "pairs.png").write_bytes((page.parent / "figures").glob("*.png").__next__().read_bytes())
    (calib / "posterior.csv").write_text("x,y\n1,2\n")
    text = write_report(calib, tmp_path / "out").read_text()
    assert "<h3>Calibration x</h3>" in text and "<strong>text</strong>" in text and re.search(r"<td[^>]*>2</td>", text)
    assert "example.org" not in text and external_references(text) == []
    assert text.count("data:image/png;base64,") == 1
    (tmp_path / "empty").mkdir()
    with pytest.raises(ReportError, match="nothing to report"):
        write_report(tmp_path / "empty", tmp_path / "out2")
    assert markdown("plain") == "<p>plain</p>"


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_every_shipped_scenario_gets_an_adoption_figure(path, tmp_path):
    from adoptsim.run import run
    from adoptsim.viz import adoption_figure, save_figure

    result = run(path)
    out = save_figure(adoption_figure(result.frame, result.model.profile, title=result.scenario.name),
                      tmp_path / "adoption.png")
    assert out.read_bytes()[:8] == PNG


def test_every_shipped_sweep_gets_a_report(tmp_path):
    for path in SWEEPS:
        results = tiny_sweep(path, tmp_path / path.stem)
        page = write_report(results, tmp_path / f"{path.stem}-report", formats=("png",), dpi=40)
        text = page.read_text(encoding="utf-8")
        assert external_references(text) == [], path.name
        _, manifest = load_results(results)
        named = [v["name"] for v in manifest["sweep"]["variants"] if "=" not in v["name"]]
        for name in named:  # names a sweep file gives its variants appear as written
            assert html.escape(name, quote=True) in text, (path.name, name)


def test_animation_is_a_gif_with_many_frames(tmp_path):
    from PIL import Image

    from adoptsim.scenario import load_scenario
    from adoptsim.viz.animate import animate, line_names

    tiny = [with_overrides(load_scenario(EXPERIMENTS / name), n_firms=80, months=24)
            for name in ("lahore-baseline.toml", "lahore-green-finance.toml")]
    assert line_names(tiny) == ["No intervention (baseline)", "Green finance"]
    out = animate(tiny, tmp_path / "curves.gif", months_per_frame=6, hold_seconds=0, dpi=40)
    with Image.open(out) as gif:
        assert gif.format == "GIF" and gif.n_frames > 1
    assert not list(tmp_path.glob(".*partial*"))
    with pytest.raises(ValueError, match=r"\.gif or \.mp4"):
        animate(tiny, tmp_path / "curves.avi")


def test_report_of_a_posterior_ensemble_counts_its_draws_and_shows_the_ranges(tmp_path):
    """A `run --posterior` folder: the page says how many draws x replicates each scenario ran and carries the
    ensemble's own summary (the median and range the terminal prints), not a bare fan."""
    from adoptsim import run_ensemble
    from adoptsim.ensemble import ensemble_table
    from adoptsim.scenario import Scenario

    posterior = Path(__file__).parent / "data" / "posterior" / "small.csv"
    result = run_ensemble(Scenario(cluster="lahore", months=12, n_firms=60), posterior=posterior, draws=3,
                          replicates=2, out_dir=tmp_path / "ens")
    page = write_report(tmp_path / "ens", tmp_path / "out").read_text(encoding="utf-8")
    text = html.unescape(re.sub(r"<[^>]+>", " ", page))
    assert "One scenario, 6 runs" in text and "3 weighted draws of a calibrated posterior" in text
    table = ensemble_table(result.summary, "PKR")
    last = table.iloc[-4]  # share adopted at the last milestone, as the terminal prints it
    assert f"{last['90 % range']}" in text and f"{last['from parameters']}" in text
