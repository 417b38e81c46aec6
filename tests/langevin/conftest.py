"""Fixtures of the Langevin tests: the validation rows are computed once per session (about 40 s)
and shared by the validation tests and the demo-section test."""

import pytest


@pytest.fixture(scope="session")
def validation_rows():
    from semphys.langevin.checks import run_validation

    return run_validation(seed=0)
