"""The tiny random models of `tests/lm` (every architecture), for the commands' tests."""

from tests.lm.conftest import tiny_arch, tiny_arch_dir  # noqa: F401  (fixtures shared with tests/lm)
