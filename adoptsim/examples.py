"""The shipped experiment files (``adoptsim/experiments/*.toml``, package data), found by name.

``adoptsim run lahore-green-finance``, ``adoptsim sweep sweep-kanpur-zld`` and
``adoptsim sensitivity sensitivity-moradabad`` name a shipped file by its stem;
:func:`resolve` is the one place that turns such a name (or a path) into a file.
:func:`copy_examples` copies them for editing (``adoptsim examples DIR``).

Imports nothing heavy (``tomllib`` only): ``adoptsim list`` must start in a blink.
"""

from __future__ import annotations

import shutil
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .scenario.load import ScenarioError

EXPERIMENTS = Path(__file__).parent / "experiments"
#: shipped optimisation problems (``adoptsim optimise NAME``; the folder of :data:`adoptsim.optimise.problem.PROBLEMS`)
PROBLEMS = Path(__file__).parent / "optimise" / "problems"
Kind = Literal["scenario", "sweep", "study", "problem"]
#: the table that marks a file's kind (a scenario has none)
_TABLES = {"sweep": "sweep", "sensitivity": "study", "optimise": "problem"}
_COMMAND = {"scenario": "run", "sweep": "sweep", "study": "sensitivity", "problem": "optimise"}


class ExampleError(ScenarioError):
    """A name that is neither a readable file nor a shipped experiment; the message lists the shipped ones."""


@dataclass(frozen=True)
class Example:
    name: str  # the file stem, what ``adoptsim run NAME`` takes
    kind: Kind
    path: Path
    description: str


def _kind(data: dict) -> Kind:
    for table, kind in _TABLES.items():
        if isinstance(data.get(table), dict):
            return kind  # type: ignore[return-value]
    return "scenario"


def _first_comment(text: str) -> str:
    for line in text.splitlines():
        if line.startswith("#"):
            return line.lstrip("# ").strip()
        if line.strip():
            break
    return ""


def _describe(kind: Kind, data: dict, text: str) -> str:
    if kind == "scenario":
        return str(data.get("description") or _first_comment(text))
    table = data.get(next(t for t, k in _TABLES.items() if k == kind), {})
    comment = _first_comment(text)
    name = table.get("name", "")
    return comment or str(table.get("description") or name)


def shipped_examples(kind: Kind | None = None) -> list[Example]:
    """Every shipped experiment file and optimisation problem (of one kind), sorted by kind then name."""
    found = []
    for path in sorted(EXPERIMENTS.glob("*.toml")) + sorted(PROBLEMS.glob("*.toml")):
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
        k = _kind(data)
        if kind is None or k == kind:
            found.append(Example(path.stem, k, path, _describe(k, data, text)))
    order = list(_COMMAND)
    return sorted(found, key=lambda e: (order.index(e.kind), e.name))


def find_shipped(name: str | Path, kind: Kind) -> Path | None:
    """The shipped ``kind`` file a bare name (``lahore-green-finance``, with or without ``.toml``) means, or None."""
    text = str(name)
    stem = text[:-5] if text.endswith(".toml") else text
    if "/" in text or "\\" in text:
        return None  # a path is never taken for a name
    found = [e.path for e in shipped_examples(kind) if e.name == stem]
    return found[0] if found else None


def resolve(name_or_path: str | Path, kind: Kind) -> Path:
    """The file ``name_or_path`` means: an existing file as given, else the shipped ``kind`` file of that name.

    A shipped name may be given with or without ``.toml``. A name that is neither raises
    :class:`ExampleError` naming the shipped files of that kind (and ``adoptsim list``).
    """
    path = Path(name_or_path)
    if path.is_file():
        return path
    shipped_file = find_shipped(name_or_path, kind)
    if shipped_file is not None:
        return shipped_file
    text = str(name_or_path)
    stem = text[:-5] if text.endswith(".toml") else text
    shipped = [e.name for e in shipped_examples(kind)]
    if path.exists():  # a folder, say: let the reader say what is wrong with it
        return path
    others = {e.name: e for e in shipped_examples() if e.kind != kind}
    hint = ""
    if stem in others:
        hint = (f"; {stem!r} is a shipped {others[stem].kind} file: run it with "
                f"adoptsim {_COMMAND[others[stem].kind]} {stem}")
    names = ", ".join(shipped) or "none"
    raise ExampleError(f"{text}: no such file, and not a shipped {kind} name{hint} (shipped {kind} files: "
                       f"{names}; adoptsim list describes them)")


def copy_examples(folder: str | Path, force: bool = False) -> list[Path]:
    """Copy every shipped experiment file into ``folder`` (made if missing); refuse to overwrite unless ``force``.

    Sweep and study files name their base relative to themselves, so the copies run as they are.
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise ExampleError(f"{folder}: is a file, not a folder (give a folder to copy the examples into)")
    sources = sorted(EXPERIMENTS.glob("*.toml"))
    clash = [folder / p.name for p in sources if (folder / p.name).exists()]
    if clash and not force:
        shown = ", ".join(p.name for p in clash[:5]) + (f" and {len(clash) - 5} more" if len(clash) > 5 else "")
        raise ExampleError(f"{folder}: already holds {shown} (nothing copied; --force overwrites them, "
                           "or choose another folder)")
    folder.mkdir(parents=True, exist_ok=True)
    copied = []
    for p in sources:
        shutil.copyfile(p, folder / p.name)
        copied.append(folder / p.name)
    return copied
