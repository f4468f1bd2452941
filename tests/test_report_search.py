"""Optimise and discover folders in the report: found or given, said in plain sentences, errors naming the file."""

from __future__ import annotations

import html
import re

import pytest

from adoptsim.cli import main
from adoptsim.report import ReportError, write_report
from adoptsim.report.boxes import box_sentence
from report_fixtures import BOX, discover_folder, optimise_folder


def _bold(text: str) -> list[str]:
    return [html.unescape(b) for b in re.findall(r"<b>(.*?)</b>", text, flags=re.S)]


def test_a_box_is_one_plain_sentence():
    info = {"outcome": "share_adopted", "direction": "below", "threshold": 0.3}
    said = box_sentence(info, BOX, None)
    assert said.endswith("when Q imitation 0.49 or more and Attention 0.18 or less: 67 % of such runs are inside "
                         "the box (coverage), all runs inside it fail (density 1.00)."), said
    assert " stays below 30.0 % when " in said
    from adoptsim.profiles import load_profile

    assert "Attention 18 % per month or less" in box_sentence(info, BOX, load_profile("moradabad"))
    half = {**BOX, "density": 0.5, "limits": {"capex_subsidy_share": {"min": 0.1, "max": 0.3, "qp_low": 0.01,
                                                                         "qp_high": 0.02}}}
    said = box_sentence({**info, "direction": "above"}, half, load_profile("moradabad"))
    assert " goes above 30.0 % when Capex subsidy share 10 % to 30 %: " in said
    assert "50 % of the runs inside it fail (density 0.50)" in said


def test_optimise_and_discover_folders_found_in_dir(tmp_path):
    """A folder holding an optimise and a discover folder (nothing else) gets both sections: the front's best and
    cheapest mixes named in words, the front as a table, the figures, each box as a sentence and the table."""
    optimise_folder(tmp_path / "results" / "opt")
    discover_folder(tmp_path / "results" / "discover" / "share_adopted-below-0.3")  # where discover writes
    # the box's units come from the sweep it was found in (its manifest's cluster: Moradabad)
    (tmp_path / "results" / "manifest.json").write_text('{"sweep": {"base": {"cluster": "moradabad"}}}')
    text = write_report(tmp_path / "results", tmp_path / "out").read_text("utf-8")
    said = _bold(text)
    front = next(s for s in said if "mixes of 2 levers are on the front" in s)
    assert front.startswith("3 mixes of 2 levers are on the front")
    assert "within the budget of 200,000,000 INR" in front
    assert "“Capex subsidy share 50 %; Demonstration pilots 30” gives the best share of firms that adopted" in front
    assert "31.0 %, for 190,000,000 INR of public money" in front
    assert "The cheapest, “Capex subsidy share 0 %; Demonstration pilots 10”, costs 1,000,000 INR" in front
    head = re.findall(r"<th[^>]*>(.*?)</th>", text)
    assert "Capex subsidy share" in head and "Demonstration pilots" in head
    assert any(h.startswith("Public") and "INR" in h for h in head), head
    assert "<td>30 %</td>" in text
    box = next(s for s in said if "coverage" in s)
    assert "when Q imitation 0.49 per month or more and Attention 18 % per month or less: 67 % of such runs" in box
    assert text.count("data:image/png;base64,") == 2  # the front figure and the box figure, each once
    assert text.index("Where it fails") < text.index("Optimisation toy-front")  # found in path order: discover/ < opt/


def test_a_folder_given_outside_dir_and_dir_itself(tmp_path):
    opt = optimise_folder(tmp_path / "elsewhere" / "opt", figure=False)
    disc = discover_folder(tmp_path / "disc")
    text = write_report(disc, tmp_path / "out", optimise=[opt]).read_text("utf-8")
    assert text.count("Optimisation toy-front") == 1 and text.count("Where it fails") == 1
    assert text.index("Optimisation toy-front") < text.index("Where it fails")  # given first, then found
    assert text.count("data:image/png;base64,") == 1  # the box figure once, not again among DIR's own files
    text = write_report(disc, tmp_path / "out2", discover=[disc]).read_text("utf-8")
    assert text.count("Where it fails") == 1  # given and found: reported once


@pytest.mark.parametrize("broken, name", [("missing-summary", "summary.json"), ("bad-json", "summary.json"),
                                          ("bad-csv", "pareto.csv"), ("no-column", "pareto.csv"),
                                          ("missing-boxes", "boxes.csv"), ("bad-discover", "discover.json")])
def test_a_missing_or_corrupt_file_is_one_line_naming_it(tmp_path, capsys, broken, name):
    opt = optimise_folder(tmp_path / "opt")
    disc = discover_folder(tmp_path / "disc")
    if broken == "missing-summary":
        (opt / "summary.json").unlink()
    elif broken == "bad-json":
        (opt / "summary.json").write_text('{"problem": ')
    elif broken == "bad-csv":
        (opt / "pareto.csv").write_bytes(b"")
    elif broken == "no-column":
        (opt / "pareto.csv").write_text("capex_subsidy_share,share_adopted\n0.1,0.2\n")
    elif broken == "missing-boxes":
        (disc / "boxes.csv").unlink()
    else:
        (disc / "discover.json").write_text('{"outcome": "share_adopted", "threshold": 0.3, "boxes": [{"box": 1}]}')
    folder = disc if name in ("boxes.csv", "discover.json") else opt
    with pytest.raises(ReportError, match=re.escape(str(folder / name))):
        write_report(tmp_path, tmp_path / "out", optimise=[opt], discover=[disc])
    code = main(["report", str(tmp_path), "--out", str(tmp_path / "o"),
                 "--optimise", str(opt), "--discover", str(disc)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and err.startswith(f"adoptsim: {folder / name}: "), err


def test_a_given_folder_that_does_not_exist(tmp_path):
    with pytest.raises(ReportError, match=r"nope: no such directory \(--discover"):
        write_report(tmp_path, tmp_path / "out", discover=[tmp_path / "nope"])
