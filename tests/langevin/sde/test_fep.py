"""The FEP: EMA = exact RC low-pass (step response at any dt, gain for a slow sine)."""

import math

import numpy as np
import pytest
import torch

from semphys.core.errors import UserError
from semphys.langevin.sde.fep import (
    FloatingEquilibriumPoint,
    ema_alpha,
    floating_equilibrium_point,
    rc_gain,
    rc_step_response,
)


@pytest.mark.parametrize(("dt", "tau"), [(0.01, 0.1), (0.5, 0.2), (3.0, 1.0)])
def test_step_response_is_the_rc_response_at_every_grid_point(dt: float, tau: float) -> None:
    steps = torch.ones(100, 1, dtype=torch.float64)
    steps[0] = 0
    out = floating_equilibrium_point(steps, dt, tau)[:, 0]
    times = torch.arange(100, dtype=torch.float64) * dt
    assert torch.allclose(out, rc_step_response(times, tau), atol=1e-14)


def test_online_and_offline_ema_agree() -> None:
    x = torch.randn(50, 3, 2, dtype=torch.float64)
    fep = FloatingEquilibriumPoint(0.1, 0.4)
    online = torch.stack([fep.update(row).clone() for row in x])
    assert torch.allclose(online, floating_equilibrium_point(x, 0.1, 0.4))
    assert torch.allclose(fep.direction().norm(dim=-1), torch.ones(3, dtype=torch.float64))


def test_gain_for_a_slow_sine_matches_the_rc_filter() -> None:
    tau, omega, dt = 0.5, 2.0, 1e-3
    t = np.arange(0, 20, dt)
    out = floating_equilibrium_point(torch.tensor(np.sin(omega * t))[:, None], dt, tau)[:, 0].numpy()
    steady = out[t > 10]
    assert (steady.max() - steady.min()) / 2 == pytest.approx(rc_gain(omega, tau), rel=2e-3)


def test_alpha_and_errors() -> None:
    assert ema_alpha(0.1, 0.1) == pytest.approx(1 - math.exp(-1))
    with pytest.raises(UserError, match="tau = 0"):
        ema_alpha(0.1, 0)
    with pytest.raises(UserError, match="dt = -1"):
        ema_alpha(-1, 1)
