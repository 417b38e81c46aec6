"""The house's import rules, checked on every `import` statement in src/ (function-level ones included).

core                      imports nothing of semphys but core
evidence                  core
lm, data                  core, evidence, each other (the ground floor)
phase, langevin, samadhi,
cvfp, routing, textlm     the ground floor, and textlm (shared small LMs); never each other or experiments
experiments.<subsystem>   the ground floor, its own subsystem(s), base; never another experiment
experiments.demo, .sweep  composites: may import any experiment
cli                       anything (it only parses options)
"""

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
GROUND = {"core", "evidence", "lm", "data"}
PHYSICS = {"phase", "langevin", "samadhi", "cvfp", "routing", "textlm"}
COMPOSITES = {"demo", "sweep"}


def imports_of(path: Path) -> list[str]:
    """Every semphys module `path` imports, as dotted names."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names += [f"{node.module}.{a.name}" for a in node.names]
    return [n for n in names if n.split(".")[0] == "semphys"]


def module_of(path: Path) -> list[str]:
    return list(path.relative_to(SRC).with_suffix("").parts)


def allowed(source: list[str], target: list[str]) -> bool:
    """Whether module `source` (parts) may import `target` (parts)."""
    top, dest = source[1], target[1] if len(target) > 1 else None
    if dest is None or dest == "__version__":
        return True
    if top == "cli" or top == "__init__":
        return True
    if top == "core":
        return dest == "core"
    if top == "evidence":
        return dest in {"core", "evidence"}
    if top in {"lm", "data"}:
        return dest in GROUND
    if top in PHYSICS:
        return dest in GROUND or dest == top or dest == "textlm"
    if top == "experiments":
        if len(source) < 4:  # experiments/__init__, experiments/base
            return dest in GROUND or (dest == "experiments" and target[2:3] in (["base"], []))
        own = source[2]
        if dest in GROUND or dest in PHYSICS and (own in COMPOSITES or dest in {own, "textlm"} or own == "lm"):
            return True
        if dest == "experiments":
            return target[2] in {"base", own} or own in COMPOSITES
        return own in COMPOSITES and dest in PHYSICS
    return False


def test_every_import_follows_the_house_rules():
    broken = []
    for path in sorted(SRC.joinpath("semphys").rglob("*.py")):
        source = module_of(path)
        for name in imports_of(path):
            if not allowed(source, name.split(".")):
                broken.append(f"{'.'.join(source)} imports {name}")
    assert not broken, "\n".join(broken)


@pytest.mark.parametrize(
    "source, target, ok",
    [
        ("semphys.phase.fits", "semphys.langevin.sde.engine", False),
        ("semphys.phase.fits", "semphys.experiments.phase.run", False),
        ("semphys.core.io", "semphys.lm.cache", False),
        ("semphys.experiments.phase.run", "semphys.experiments.langevin.measure", False),
        ("semphys.experiments.phase.run", "semphys.phase.fits", True),
        ("semphys.experiments.demo.runner", "semphys.experiments.phase.run", True),
        ("semphys.routing.moe_lm", "semphys.textlm.train", True),
    ],
)
def test_the_rules_refuse_what_they_should(source, target, ok):
    assert allowed(source.split("."), target.split(".")) is ok
