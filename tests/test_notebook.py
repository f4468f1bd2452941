"""examples/quickstart.ipynb runs top to bottom in a fresh kernel of this interpreter, and shows what it says."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

NOTEBOOK = Path(__file__).parent.parent / "examples" / "quickstart.ipynb"


def outputs(cell, mime: str) -> list[str]:
    """Every ``mime`` payload of a cell: rich outputs and, for text/plain, the streams too."""
    found = [o["data"][mime] for o in cell.get("outputs", []) if mime in o.get("data", {})]
    if mime == "text/plain":
        found += [o["text"] for o in cell.get("outputs", []) if o["output_type"] == "stream"]
    return found


def source_cell(nb, needle: str):
    hits = [c for c in nb.cells if c.cell_type == "code" and needle in c.source]
    assert len(hits) == 1, needle
    return hits[0]


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """The notebook executed in an empty folder (it writes adoptsim-out/ there); any cell error fails."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    workdir = tmp_path_factory.mktemp("quickstart")
    client = nbclient.NotebookClient(nb, kernel_name="python3", timeout=300,
                                     resources={"metadata": {"path": str(workdir)}})
    client.execute()  # raises CellExecutionError on the first failing cell
    return nb, workdir


def test_notebook_is_stored_without_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in nb.cells if c.cell_type == "code")


def test_runs_in_this_interpreter(executed):
    nb, _ = executed
    printed = "".join(outputs(source_cell(nb, "print(sys.executable)"), "text/plain")).splitlines()
    assert Path(printed[0]).resolve() == Path(sys.executable).resolve()
    assert Path(printed[1]).resolve() == Path(sys.prefix).resolve()


def test_results_display_as_tables_and_curves(executed):
    nb, _ = executed
    for needle in ("result = run()", "subsidy = run(capex_subsidy_share=0.3)"):
        (html,) = outputs(source_cell(nb, needle), "text/html")
        assert "Firms that adopted something" in html and "% of firms" in html
        assert "data:image/png;base64," in html
    (html,) = outputs(source_cell(nb, "subsidy = run("), "text/html")
    assert "Public money spent" in html
    printed = "".join(outputs(source_cell(nb, "gain in adoption"), "text/plain"))
    assert "percentage points" in printed and "INR" in printed
    assert outputs(source_cell(nb, "gain in adoption"), "image/png")


def test_sweep_and_comparison(executed):
    nb, workdir = executed
    results = workdir / "adoptsim-out" / "quickstart" / "results"
    assert (results / "compare" / "compare.csv").exists()
    assert "12 runs" in "".join(outputs(source_cell(nb, "run_sweep(sweep"), "text/plain"))
    (html,) = outputs(source_cell(nb, "comparison = Comparison(table)"), "text/html")
    for text in ("after 36 months (3 years)", "after 60 months (5 years)", "capex subsidy 30 %",
                 "capex subsidy 50 %", "4 paired runs per scenario"):
        assert text in html
    assert outputs(source_cell(nb, "fan_chart(frame, manifest)"), "image/png")
