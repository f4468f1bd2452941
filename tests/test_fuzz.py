"""Fuzzing the input path: every scenario or sweep file either runs with finite outcomes or stops with one
clean message (exit code 2) and no traceback.

Cases: byte-level corruption (flips, insertions, truncation) of the shipped experiment files, and random
values (huge, negative, NaN, infinities, strings, lists, tables) for random scenario keys and sweep entries.
Every case goes through ``adoptsim.cli.main``; runs are kept tiny (at most 60 firms, 12 months, 2 replicates,
3 variants) by wrapping the loaders, so the whole test takes well under a minute. ``FIGURES`` counts the
outcomes (printed by the last test, ``-s`` to see them).
"""

from __future__ import annotations

import json
import math
import re
import shutil
import tomllib
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import adoptsim.scenario as scenario_pkg
import adoptsim.sweep as sweep_pkg
from adoptsim.cli import main
from adoptsim.scenario import flat_keys, with_overrides

ROOT = Path(__file__).resolve().parents[1]
EXPERIMENTS = ROOT / "adoptsim" / "experiments"
SCENARIOS = sorted(p for p in EXPERIMENTS.glob("*.toml") if "sweep" not in p.name and "sensitivity" not in p.name)
SWEEPS = sorted(EXPERIMENTS.glob("*sweep*.toml"))
FIGURES: Counter = Counter()
FIRMS, MONTHS, REPLICATES, VARIANTS = 60, 12, 2, 3
SETTINGS = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))


@pytest.fixture(autouse=True)
def tiny(monkeypatch):
    """Shrink every loaded scenario and sweep, so each case runs in a fraction of a second."""
    real_scenario, real_sweep = scenario_pkg.load_scenario, sweep_pkg.load_sweep

    def small(s):
        return with_overrides(s, n_firms=min(s.n_firms or FIRMS, FIRMS), months=min(s.months, MONTHS))

    def load_scenario(path):
        return small(real_scenario(path))

    def load_sweep(path):
        sw = real_sweep(path)
        sw.base = small(sw.base)
        sw.replicates = min(sw.replicates, REPLICATES)
        sw.block = min(sw.block, REPLICATES)
        sw.variants = [type(v)(v.id, v.name, {k: x for k, x in v.overrides.items() if k not in ("n_firms", "months")})
                       for v in sw.variants[:VARIANTS]]
        return sw

    monkeypatch.setattr(scenario_pkg, "load_scenario", load_scenario)
    monkeypatch.setattr(sweep_pkg, "load_sweep", load_sweep)


def _check(argv: list[str], out: Path, kind: str, capsys) -> None:
    """Run one case; a traceback fails the test (hypothesis then shrinks it)."""
    FIGURES["cases"] += 1
    shutil.rmtree(out, ignore_errors=True)
    rc = main(argv)  # an unexpected exception propagates: a bug
    err = capsys.readouterr().err
    if rc == 2:
        FIGURES["clean errors"] += 1
        msg = err.strip()
        assert msg.startswith("adoptsim: ") and "Traceback" not in msg and len(msg) < 20_000, msg
        if kind == "run":
            assert not out.exists() or not any(out.iterdir()), "a refused run left files"
        return
    assert rc == 0, (rc, err)
    FIGURES["runs"] += 1
    if kind == "run":
        frame = pd.read_parquet(out / "series.parquet")
        assert np.isfinite(frame.select_dtypes("number").to_numpy(float)).all()
        text = (out / "summary.json").read_text()
        json.loads(text, parse_constant=lambda c: pytest.fail(f"non-strict JSON {c}"))
    else:
        from adoptsim.sweep import load_results

        frame, _ = load_results(out)
        assert np.isfinite(frame.select_dtypes("number").to_numpy(float)).all()


# ---------------------------------------------------------------- byte-level corruption

def _corrupt(raw: bytes, edits: list[tuple[int, int, int]], cut: float | None) -> bytes:
    data = bytearray(raw)
    for kind, where, value in edits:
        if not data:
            break
        i = where % len(data)
        if kind == 0:
            data[i] = value
        elif kind == 1:
            data.insert(i, value)
        else:
            del data[i]
    if cut is not None:
        data = data[: int(len(data) * cut)]
    return bytes(data)


EDITS = st.lists(st.tuples(st.integers(0, 2), st.integers(0, 10**6), st.integers(0, 255)), max_size=4)
CUT = st.none() | st.floats(0, 1)


@SETTINGS
@given(source=st.sampled_from(SCENARIOS), edits=EDITS, cut=CUT)
def test_corrupted_scenario_files(tmp_path_factory, capsys, source, edits, cut):
    tmp = tmp_path_factory.mktemp("s")
    path = tmp / source.name
    path.write_bytes(_corrupt(source.read_bytes(), edits, cut))
    _check(["run", str(path), "--out", str(tmp / "out"), "--no-figure"], tmp / "out", "run", capsys)


@settings(SETTINGS, max_examples=60)
@given(source=st.sampled_from(SWEEPS), edits=EDITS, cut=CUT)
def test_corrupted_sweep_files(tmp_path_factory, capsys, source, edits, cut):
    tmp = tmp_path_factory.mktemp("w")
    for p in EXPERIMENTS.glob("*.toml"):  # the bases the sweep names, beside it
        shutil.copy(p, tmp / p.name)
    path = tmp / source.name
    path.write_bytes(_corrupt(source.read_bytes(), edits, cut))
    _check(["sweep", str(path), "--out", str(tmp / "out"), "--quiet"], tmp / "out", "sweep", capsys)


# ---------------------------------------------------------------- random values for random keys

def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf") if math.isinf(v) else repr(v)
    if isinstance(v, str):
        return json.dumps(v).replace("\\/", "/")
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_key(k)} = {_toml_value(x)}" for k, x in v.items()) + "}"
    raise TypeError(v)


def _key(k: str) -> str:
    return k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else json.dumps(k)


def _toml(data: dict, prefix: str = "") -> str:
    scalars = {k: v for k, v in data.items() if not isinstance(v, dict)}
    tables = {k: v for k, v in data.items() if isinstance(v, dict)}
    lines = [f"[{prefix}]"] if prefix and scalars else []
    lines += [f"{_key(k)} = {_toml_value(v)}" for k, v in scalars.items()]
    text = "\n".join(lines) + "\n"
    for k, v in tables.items():
        text += _toml(v, f"{prefix}.{_key(k)}" if prefix else _key(k))
    return text


SCALARS = st.one_of(
    st.integers(-2**70, 2**70), st.sampled_from([0, 1, -1, 2**63, 10**9, 4_999_999]),
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([float("nan"), float("inf"), -float("inf"),
                                                                     1e308, -0.0, 1e-300, 0.5]),
    st.booleans(), st.text(max_size=30), st.sampled_from(["", "x" * 100_000, "../../etc", "lahore", "bwmp"]),
)
VALUES = st.one_of(SCALARS, st.lists(SCALARS, max_size=3), st.dictionaries(st.text(max_size=8), SCALARS, max_size=2))
KEYS = sorted(flat_keys().items())


@SETTINGS
@given(source=st.sampled_from(SCENARIOS),
       changes=st.lists(st.tuples(st.sampled_from(KEYS), VALUES), min_size=1, max_size=3),
       unknown=st.none() | st.text(min_size=1, max_size=10))
def test_random_values_for_random_scenario_keys(tmp_path_factory, capsys, source, changes, unknown):
    tmp = tmp_path_factory.mktemp("v")
    data = tomllib.loads(source.read_text())
    for (_, keypath), value in changes:
        node = data
        for part in keypath[:-1]:
            node = node.setdefault(part, {}) if isinstance(node.get(part, {}), dict) else {}
        node[keypath[-1]] = value
    if unknown is not None:
        data[unknown] = 1
    path = tmp / "s.toml"
    path.write_text(_toml(data), encoding="utf-8")
    _check(["run", str(path), "--out", str(tmp / "out"), "--no-figure"], tmp / "out", "run", capsys)


SWEEP_KEYS = st.sampled_from([k for k, _ in KEYS] + ["seed", "nonsense", ""])


@settings(SETTINGS, max_examples=150)
@given(header=st.dictionaries(st.sampled_from(["name", "replicates", "seed", "n_firms", "months", "design",
                                               "samples", "block", "base"]), VALUES, max_size=3),
       design=st.sampled_from(["factorial", "lhs", "sobol", "list"]),
       factors=st.dictionaries(SWEEP_KEYS, st.lists(SCALARS, max_size=3), max_size=2),
       ranges=st.dictionaries(SWEEP_KEYS, st.lists(SCALARS, max_size=3), max_size=2),
       variants=st.lists(st.dictionaries(SWEEP_KEYS, SCALARS, max_size=2), max_size=2))
def test_random_sweep_files(tmp_path_factory, capsys, header, design, factors, ranges, variants):
    tmp = tmp_path_factory.mktemp("ws")
    (tmp / "base.toml").write_text('cluster = "lahore"\n')
    head = {"base": "base.toml", "replicates": 2, "design": design, "samples": 2, **header}
    text = _toml({"sweep": head, "factors": factors, "ranges": ranges})
    for v in variants:
        text += "[[variant]]\n" + "".join(f"{_key(k)} = {_toml_value(x)}\n" for k, x in v.items())
    path = tmp / "sweep.toml"
    path.write_text(text, encoding="utf-8")
    _check(["sweep", str(path), "--out", str(tmp / "out"), "--quiet"], tmp / "out", "sweep", capsys)


def test_zz_figures(capsys):
    with capsys.disabled():
        print(f"\nfuzz figures: {dict(FIGURES)}, tracebacks 0")
    assert FIGURES["cases"] == 0 or FIGURES["clean errors"] + FIGURES["runs"] == FIGURES["cases"]
