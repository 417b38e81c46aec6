"""Every command is in the registry, and every registered experiment has the one shape."""

import dataclasses
import inspect

import pytest

from semphys.core.errors import UserError
from semphys.experiments import EXPERIMENTS, Command, experiment


@pytest.mark.parametrize("name", list(EXPERIMENTS))
def test_each_experiment_has_a_command_a_config_and_run(name):
    module = experiment(name)
    assert isinstance(module.COMMAND, Command) and module.COMMAND.name == name
    assert "work" in inspect.signature(module.run).parameters and "log" in inspect.signature(module.run).parameters
    configs = [
        c
        for _, c in inspect.getmembers(module, inspect.isclass)
        if c.__module__ == module.__name__ and c.__name__.endswith("Config") and dataclasses.is_dataclass(c)
    ]
    assert any(hasattr(c, "validate") and hasattr(c, "fingerprint") for c in configs), name


def test_an_unknown_experiment_names_the_known_ones():
    with pytest.raises(UserError, match="unknown experiment 'phase walk': choose one of phase run, phase readout"):
        experiment("phase walk")
