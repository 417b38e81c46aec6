"""Small rooms: no module under src/ over MAX_LINES lines, no package folder with more than MAX_MODULES modules.

A module past about 400 lines holds a second idea; a folder past about 15 modules wants a subpackage
(`semphys.lm.check` and `semphys.experiments.phase.plots` are packages for that reason). The limits
leave a little room above those targets, so the test fails on a real overgrowth, not on one more line.
Modules are the `.py` files directly in a folder (a subpackage is counted in its own folder).
"""

from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
MAX_LINES = 420
MAX_MODULES = 16


def long_modules(root: Path, limit: int = MAX_LINES) -> list[str]:
    """'path: n lines' for every .py file under `root` with more than `limit` lines."""
    found = []
    for path in sorted(root.rglob("*.py")):
        n = len(path.read_text(encoding="utf-8").splitlines())
        if n > limit:
            found.append(f"{path.relative_to(root).as_posix()}: {n} lines")
    return found


def crowded_packages(root: Path, limit: int = MAX_MODULES) -> list[str]:
    """'folder: n modules' for every folder under `root` (itself included) holding more than `limit` .py files."""
    found = []
    for folder in sorted({root, *(p for p in root.rglob("*") if p.is_dir())}):
        n = len(list(folder.glob("*.py")))
        if n > limit:
            found.append(f"{folder.relative_to(root).as_posix() or '.'}: {n} modules")
    return found


def test_no_module_is_over_the_line_limit():
    offenders = long_modules(SRC)
    assert not offenders, f"modules over {MAX_LINES} lines (split them by meaning):\n" + "\n".join(offenders)


def test_no_package_folder_holds_too_many_modules():
    offenders = crowded_packages(SRC)
    assert not offenders, f"folders over {MAX_MODULES} modules (group some into a subpackage):\n" + "\n".join(offenders)


def test_the_limits_name_their_offenders(tmp_path: Path):
    package = tmp_path / "pkg"
    package.mkdir()
    for i in range(MAX_MODULES + 1):
        (package / f"m{i}.py").write_text("x = 1\n")
    (package / "m0.py").write_text("x = 1\n" * (MAX_LINES + 1))
    (tmp_path / "ok.py").write_text("x = 1\n" * MAX_LINES)
    assert long_modules(tmp_path) == [f"pkg/m0.py: {MAX_LINES + 1} lines"]
    assert crowded_packages(tmp_path) == [f"pkg: {MAX_MODULES + 1} modules"]
