"""The token clock's order claims through `relaxation_test` / `order_test` and the one rule.

Known negatives: states that carry nothing from one token to the next (no relaxation) fail the
relaxation row and the FEP's order row. Known positive: a relaxing (OU) sequence passes both.
"""

import numpy as np
import pytest

from semphys.evidence import check_claims, decide
from semphys.langevin.measure.prediction import order_test
from semphys.langevin.measure.relaxation import COMBINED_DRAWS, block_shuffle, relaxation_test
from semphys.langevin.measure.verdict import fep_order_claim, relaxation_claim

D, T, PASSAGES, SHUFFLES = 16, 48, 12, 200


def _passage(tau: float | None, rng: np.random.Generator) -> np.ndarray:
    """Unit states x_t: an OU process with time constant tau around a fixed direction, or i.i.d. (tau None)."""
    a = 0.0 if tau is None else np.exp(-1.0 / tau)
    x = np.empty((T, D))
    x[0] = rng.normal(size=D)
    for t in range(1, T):
        x[t] = a * x[t - 1] + np.sqrt(1 - a * a) * rng.normal(size=D)
    x += 1.5 * np.eye(D)[0]
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def _grams(tau: float | None, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [(lambda x: x @ x.T)(_passage(tau, rng)) for _ in range(PASSAGES)]


def _decided(grams: list[np.ndarray]) -> dict:
    claims = [
        relaxation_claim(relaxation_test(grams, 8, SHUFFLES, 1), "toy"),
        fep_order_claim(order_test(grams, [4.0] * len(grams), SHUFFLES), "toy"),
    ]
    decided = decide(claims)
    assert check_claims({"claims": [c.to_dict() for c in decided]}) == 2
    return {c.key.rsplit("_", 1)[0]: c for c in decided}


def test_a_relaxing_sequence_passes_the_relaxation_and_order_rows():
    claims = _decided(_grams(4.0))
    assert claims["relaxation"].holds is True
    assert claims["fep_order"].holds is True
    assert "median tau" in claims["relaxation"].detail


def test_states_without_relaxation_fail_the_relaxation_and_order_rows():
    claims = _decided(_grams(None))
    assert claims["relaxation"].holds is False
    assert claims["fep_order"].holds is False


def test_the_null_draws_centre_on_zero_and_each_passage_gets_its_own_shuffles():
    test = relaxation_test(_grams(None), 8, SHUFFLES, 1)
    assert len(test["null_draws"]) == COMBINED_DRAWS and abs(np.median(test["null_draws"])) < 0.01
    assert len(set(np.round(test["shuffled_mean"], 12))) == PASSAGES


@pytest.mark.parametrize("block", [1, 4])
def test_block_shuffle_keeps_blocks_and_is_a_permutation(block):
    order = block_shuffle(10, block, np.random.default_rng(0))
    assert sorted(order) == list(range(10))
    starts = [i for i in range(10) if order[i] % block == 0]
    assert all(order[i + 1] == order[i] + 1 for i in range(9) if (order[i] + 1) % block and order[i] + 1 < 10)
    assert len(starts) == len(range(0, 10, block))
