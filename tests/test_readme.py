"""The README's "Python API" block runs as written, and does what its comments say."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

README = Path(__file__).parent.parent / "README.md"


def python_api_block() -> str:
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Python API\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 1
    return blocks[0]


def test_python_api_block_runs(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    ns: dict = {}
    exec(compile(python_api_block(), "README.md: Python API", "exec"), ns)
    result, comparison = ns["result"], ns["comparison"]
    assert result.summary["firms"] == 500 and result.summary["months"] == 60
    assert result.summary["public_cost"] > 0  # the subsidy was paid
    assert ns["model"].steps == 24
    assert isinstance(comparison.table, pd.DataFrame)
    assert len(comparison.table) == 4  # two variants at two horizons
    assert (tmp_path / "results" / "my-sweep" / "compare" / "compare.csv").exists()
    out = capsys.readouterr().out
    assert "firms that adopted something" in out
    assert "Compared with the baseline after 36 months (3 years)" in out
