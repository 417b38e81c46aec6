"""The public surface: `import semphys` is fast and documented, and every name a public package lists in
`__all__` imports and has a docstring (its own, or an attribute docstring where it is a constant)."""

import ast
import importlib
import inspect
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import semphys

PUBLIC = [
    "semphys",
    "semphys.core",
    "semphys.evidence",
    "semphys.lm",
    "semphys.data",
    "semphys.phase",
    "semphys.langevin",
    "semphys.samadhi",
    "semphys.cvfp",
    "semphys.routing",
    "semphys.textlm",
    "semphys.experiments",
]


def attribute_docstrings(package: str) -> set[str]:
    """Names assigned at module level and followed by a string literal, anywhere in `package`."""
    module = importlib.import_module(package)
    paths = [Path(module.__file__)]
    if hasattr(module, "__path__"):
        paths += [
            Path(importlib.util.find_spec(m.name).origin) for m in pkgutil.walk_packages(module.__path__, package + ".")
        ]
    names = set()
    for path in paths:
        body = ast.parse(path.read_text(encoding="utf-8")).body
        for node, after in zip(body, body[1:]):
            if (
                isinstance(node, (ast.Assign, ast.AnnAssign))
                and isinstance(after, ast.Expr)
                and isinstance(after.value, ast.Constant)
                and isinstance(after.value.value, str)
            ):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return names


def own_doc(value) -> str | None:
    if inspect.isclass(value):
        return value.__dict__.get("__doc__")
    return value.__doc__ if inspect.isroutine(value) or inspect.ismodule(value) else None


@pytest.mark.parametrize("package", PUBLIC)
def test_every_public_name_imports_and_is_documented(package):
    module = importlib.import_module(package)
    assert module.__doc__ and len(module.__doc__.strip()) > 40, f"{package} has no docstring"
    assert hasattr(module, "__all__"), f"{package} lists no public names"
    constants = None
    missing = []
    for name in module.__all__:
        value = getattr(module, name) if hasattr(module, name) else importlib.import_module(f"{package}.{name}")
        if name == "__version__" or (own_doc(value) or "").strip():
            continue
        constants = attribute_docstrings(package) if constants is None else constants
        if name not in constants:
            missing.append(name)
    assert not missing, f"{package}: no docstring for {missing}"


def test_import_semphys_is_fast_and_loads_no_torch():
    code = "import sys, semphys; assert 'torch' not in sys.modules and 'transformers' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_help_shows_the_notebook_surface():
    text = __import__("pydoc").render_doc(semphys, renderer=__import__("pydoc").plaintext)
    for name in ("load_lm", "residuals", "word_order", "simulate", "experiment", "evidence"):
        assert name in text
    with pytest.raises(AttributeError, match="no attribute 'nonsense'"):
        semphys.nonsense  # noqa: B018
