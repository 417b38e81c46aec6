"""chi(l) = |sigma_hint - sigma_base| by hand, its peak, and the distance to l_c."""

import numpy as np

from semphys.phase.susceptibility import peak_distance, susceptibility


def test_chi_by_hand() -> None:
    base = np.array([0.0, 0.1, 0.2, 0.2])
    hints = np.array([[0.0, 0.3, 0.1, 0.2], [0.0, -0.1, 0.6, 0.3]])
    chi = susceptibility(base, hints, ("money", "fish"))
    assert np.allclose(chi.chi, [[0.0, 0.2, 0.1, 0.0], [0.0, 0.2, 0.4, 0.1]])
    assert np.allclose(chi.mean_chi, [0.0, 0.2, 0.25, 0.05])
    assert chi.peak_layer == 2 and chi.hint_peaks == [1, 2]
    assert peak_distance(chi.peak_layer, 3.5) == 1.5
