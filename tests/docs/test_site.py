"""The docs site builds with `mkdocs build --strict` (a broken link or a missing API object fails),
its pages load cleanly in Chromium, and the README's Python example runs."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin"},
    )
    assert built.returncode == 0, built.stderr[-3000:]
    return out


@pytest.mark.parametrize("page", ["index.html", "experiments/phase-run.html", "findings/phase.html"])
def test_pages_load_cleanly_in_chromium(site, open_page, page):
    check = open_page(site / page)
    assert check.problems == []
    assert check.outside_requests == []


def test_the_api_reference_documents_the_evidence_rule(site):
    page = (site / "api" / "evidence.html").read_text(encoding="utf-8")
    for name in ("Claim", "decide", "holm", "maxt_adjusted", "sign_flip_p"):
        assert f'id="semphys.evidence.{name}"' in page


def test_the_navigation_and_the_pages_on_disk_agree():
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    pages = [
        p.relative_to(ROOT / "docs").as_posix() for p in (ROOT / "docs").rglob("*") if p.suffix in (".md", ".ipynb")
    ]
    listed = re.findall(r": ([\w./-]+\.(?:md|ipynb))$", nav, flags=re.M)
    assert [p for p in pages if p not in listed] == []
    assert [p for p in listed if p not in pages] == []


def test_the_readme_is_a_short_front_door_with_a_python_example_that_runs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 150
    assert "make demo" in readme and "make test" in readme
    (example,) = re.findall(r"```python\n(.*?)```", readme, flags=re.S)
    ran = subprocess.run([sys.executable, "-c", example], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert ran.returncode == 0, ran.stderr[-3000:]
    assert re.search(r"neutral \[.*\] (second_order|tanh|step) [-\d]", ran.stdout) and "True" in ran.stdout


def test_no_page_a_user_reads_names_an_issue_number():
    texts = [ROOT / "README.md", *(ROOT / "docs").rglob("*.md")]
    hits = [
        f"{p.name}: {line}"
        for p in texts
        for line in p.read_text(encoding="utf-8").splitlines()
        if re.search(r"issue #?[0-9]+", line, flags=re.I)
    ]
    assert hits == []


def test_docs_figures_are_small_and_each_is_shown_on_a_page():
    figures = sorted((ROOT / "docs" / "figures").glob("*.png"))
    pages = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "docs").rglob("*.md"))
    assert figures and all(f.stat().st_size < 200_000 for f in figures)
    assert [f.name for f in figures if f"figures/{f.name}" not in pages] == []


def _resolves(name: str) -> bool:
    """Whether a dotted `semphys...` name is an importable module or an attribute of one."""
    import importlib

    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for part in parts[cut:]:
            if hasattr(obj, part):
                obj = getattr(obj, part)
                continue
            try:
                obj = importlib.import_module(f"{obj.__name__}.{part}")
            except (ImportError, AttributeError):
                return False
        return True
    return False


def test_every_module_path_the_docs_and_docstrings_name_exists():
    """After a move, a page or docstring that still names the old module fails here (schema ids such as
    `semphys.phase/3` are not module paths and are left out)."""
    texts = [
        ROOT / "README.md",
        ROOT / "CONTRIBUTING.md",
        *(ROOT / "docs").rglob("*.md"),
        *(ROOT / "src").rglob("*.py"),
    ]
    stale = {}
    for path in texts:
        for match in re.finditer(r"(?<![\w/.-])semphys(?:\.[A-Za-z_]\w*)+(?![\w/-])", path.read_text(encoding="utf-8")):
            if not _resolves(match.group(0)):
                stale.setdefault(match.group(0), str(path.relative_to(ROOT)))
    assert not stale, stale


def test_every_source_and_test_file_the_docs_name_exists():
    texts = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *(ROOT / "docs").rglob("*.md")]
    missing = set()
    for path in texts:
        for match in re.finditer(
            r"(?<![\w/])((?:src/)?semphys/[\w/]+\.(?:py|json)|tests/[\w/]+\.py)", path.read_text(encoding="utf-8")
        ):
            name = match.group(1)
            if not (ROOT / (name if not name.startswith("semphys/") else f"src/{name}")).exists():
                missing.add(f"{path.relative_to(ROOT)}: {name}")
    assert not missing, sorted(missing)
