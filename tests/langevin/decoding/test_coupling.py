"""The token dynamics: the limit that must hold (low T, long integration: the token law is q, by KL),
the closed form at finite T, and what the other read-outs and terms do."""

import pytest
import torch

from semphys.core.errors import UserError
from semphys.langevin.decoding.coupling import TokenDynamics, carry_over, induced_distribution, kl_divergence, landscape
from semphys.langevin.sde import theory

K = 16
Q = torch.softmax(torch.linspace(3, 0, K, dtype=torch.float64) * 1.2, 0)  # q_1 = 0.22 ... q_16 = 0.006
LONG = {"n_steps": 200, "dt": 0.03}  # 6 relaxation times eta / kappa


def test_low_temperature_and_long_integration_reproduce_q() -> None:
    p = induced_distribution(Q, TokenDynamics(temperature_end=0.002, **LONG), n_particles=20_000, seed=0)
    # sampling error of a 16-bin histogram of 20000 draws: KL ~ 15 / (2 * 20000) = 4e-4
    assert kl_divergence(p, Q) < 3e-3
    hot = induced_distribution(Q, TokenDynamics(temperature_end=0.2, **LONG), n_particles=20_000, seed=0)
    assert kl_divergence(hot, Q) > 0.1  # the same measurement fails where the limit does not hold


def test_finite_temperature_gives_the_closed_form_mixture_with_uniform() -> None:
    temperature = 0.05
    p = induced_distribution(Q, TokenDynamics(temperature_end=temperature, **LONG), n_particles=10_000, seed=1)
    expected = theory.induced_distribution(Q, 1 / temperature)
    assert kl_divergence(p, expected) < 3e-3
    assert kl_divergence(p, Q) > 0.05


def test_anneal_lands_on_the_constant_temperature_law_in_one_well() -> None:
    const = induced_distribution(Q, TokenDynamics(temperature_end=0.05, **LONG), n_particles=10_000, seed=2)
    anneal = induced_distribution(
        Q, TokenDynamics(temperature_melt=1.0, temperature_end=0.05, **LONG), n_particles=10_000, seed=3
    )
    assert kl_divergence(anneal, const) < 5e-3


def test_fep_read_out_is_closer_to_q_and_argmax_tends_to_greedy() -> None:
    state = induced_distribution(Q, TokenDynamics(temperature_end=0.05, **LONG), n_particles=10_000, seed=4)
    fep = induced_distribution(
        Q, TokenDynamics(temperature_end=0.05, read_out="fep", fep_tau=1.0, **LONG), n_particles=10_000, seed=4
    )
    assert kl_divergence(fep, Q) < 0.5 * kl_divergence(state, Q)
    # T = 1e-4: coordinate noise sqrt(T / kappa) = 0.01 against a gap sqrt(q_1) - sqrt(q_2) = 0.05
    greedy = induced_distribution(
        Q, TokenDynamics(temperature_end=1e-4, crystallize="argmax", **LONG), n_particles=2000, seed=5
    )
    assert greedy[0] > 0.99


def test_steering_pulls_mass_to_the_steering_candidates() -> None:
    steer = torch.zeros(1, K, dtype=torch.float64)
    steer[0, 8] = 1.0
    plain = landscape(Q[None], TokenDynamics())
    steered = landscape(Q[None], TokenDynamics(steer_strength=0.5), steer)
    x = Q.sqrt()[None]
    # the force of U_perturb points at candidate 8
    assert float(steered.force(x)[0, 8] - plain.force(x)[0, 8]) == pytest.approx(0.5)
    from semphys.langevin.decoding.coupling import run_token_dynamics

    gen = torch.Generator().manual_seed(0)
    rows = Q.expand(4000, K).clone()
    with_steer = run_token_dynamics(
        rows, TokenDynamics(temperature_end=0.01, steer_strength=0.5, **LONG), gen, steer=steer.expand(4000, K)
    )
    share = float((with_steer.index == 8).double().mean())
    assert share > 3 * float(Q[8])


def test_carry_over_maps_the_previous_state_by_token_identity() -> None:
    prev_ids = torch.tensor([[10, 20, 30]])
    prev_x = torch.tensor([[0.6, -0.8, 0.0]], dtype=torch.float64)
    ids = torch.tensor([[20, 10, 99]])
    assert torch.equal(carry_over(prev_ids, prev_x, ids), torch.tensor([[0.0, 0.6, 0.0]], dtype=torch.float64))


def test_rut_slows_the_particle_but_keeps_the_law() -> None:
    rut = Q.sqrt().expand(10_000, K).clone()
    from semphys.langevin.decoding.coupling import run_token_dynamics

    gen = torch.Generator().manual_seed(6)
    step = run_token_dynamics(
        Q.expand(10_000, K).clone(), TokenDynamics(temperature_end=0.05, rut_strength=1.0, **LONG), gen, rut=rut
    )
    p = torch.bincount(step.index, minlength=K).double() / 10_000
    assert kl_divergence(p, theory.induced_distribution(Q, 20.0)) < 5e-3


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"temperature_end": -0.1}, "temperature_end = -0.1"),
        ({"dt": 0.0}, "dt = 0.0"),
        ({"eta": -1.0}, "eta \\(viscosity\\) = -1.0"),
        ({"landscape": "flat"}, "landscape 'flat' is not allowed"),
        ({"temperature_melt": 1.0, "temperature_end": 0.0}, "an anneal needs"),
        ({"n_steps": 0}, "at least one step"),
    ],
)
def test_bad_dynamics_are_user_errors(kwargs: dict, message: str) -> None:
    with pytest.raises(UserError, match=message):
        TokenDynamics(**kwargs)


def test_q_must_be_a_distribution() -> None:
    with pytest.raises(UserError, match="probability vector"):
        induced_distribution(torch.tensor([0.5, 0.6]), TokenDynamics())
