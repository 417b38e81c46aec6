"""A user's energy function from a Python file (`--potential FILE.py:FUNCTION`), with errors that are theirs.

The function is `U(x, t) -> energies`, x: [n, d] on the sphere (torch, float64), t a float,
energies [n]. It is imported, and its force computed once on a probe state, before any
simulation: a file that does not import, a name that is not a function, a wrong signature or a
wrong output shape (checked by `potentials.autograd_grad`) is a one-line error before any step. An exception raised later, inside the simulation, is
reported the same way: `your potential raised ValueError: ... (file.py:12)`.
"""

import importlib.util
import traceback
from pathlib import Path

import torch
from torch import Tensor

from semphys.core.errors import UserError
from semphys.langevin.sde.potentials import EnergyFunction


def _where(err: BaseException, path: Path) -> str:
    """`file.py:line` of the innermost frame of the traceback that lies in the user's file."""
    frames = [frame for frame in traceback.extract_tb(err.__traceback__) if Path(frame.filename) == path.resolve()]
    return f"{path.name}:{frames[-1].lineno}" if frames else path.name


class UserEnergy(EnergyFunction):
    """An `EnergyFunction` whose exceptions become `UserError`s naming the user's file and line."""

    def __init__(self, fn, path: Path, name: str) -> None:
        super().__init__(fn, name=f"{path.name}:{name}")
        self.path = path

    def energy(self, x: Tensor, t: float = 0.0) -> Tensor:
        try:
            return self.fn(x, t)
        except UserError:
            raise
        except TypeError as err:
            raise UserError(
                f"your potential must be a function U(x, t) -> energies [n]; calling it raised "
                f"TypeError: {err} ({_where(err, self.path)})"
            ) from None
        except Exception as err:  # noqa: BLE001 - the user's code: any error in it is theirs
            raise UserError(f"your potential raised {type(err).__name__}: {err} ({_where(err, self.path)})") from None


def load_user_potential(spec: str, dim: int) -> UserEnergy:
    """`path/to/file.py:function` -> a checked `UserEnergy`, probed once on `dim`-dimensional unit vectors."""
    path_text, _, name = spec.rpartition(":")
    if not path_text.endswith(".py") or not name:
        raise UserError(f"potential {spec!r}: give a built-in name (linear, double-well, mixture) or FILE.py:FUNCTION")
    path = Path(path_text)
    if not path.is_file():
        raise UserError(f"potential file {path} does not exist")
    module_spec = importlib.util.spec_from_file_location("semphys_user_potential", path)
    module = importlib.util.module_from_spec(module_spec)
    try:
        module_spec.loader.exec_module(module)
    except Exception as err:  # noqa: BLE001 - the user's file: any error in it is theirs
        raise UserError(
            f"cannot import potential file {path}: {type(err).__name__}: {err} ({_where(err, path)})"
        ) from None
    fn = getattr(module, name, None)
    if not callable(fn):
        raise UserError(f"potential file {path} has no function {name!r}")
    potential = UserEnergy(fn, path, name)
    potential.force(torch.nn.functional.normalize(torch.ones(2, dim, dtype=torch.float64), dim=-1), 0.0)
    return potential
