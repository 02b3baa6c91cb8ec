"""Per-sample phase reference (shiny-vertical-jump 2021 export) and the optional low-pass filter."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from forcelab.analysis.filters import lowpass
from forcelab.analysis.kinematics import countermovement_phases, integrate
from support.real_data import shiny_phase_file


def test_shiny_per_sample_phases(shared_data: Path) -> None:
    """The export starts at their onset and ends at take-off, labelling every sample with its phase.

    It holds no quiet stance, so body weight is the force at their onset (its first sample, 704.68 N). With
    it, forward integration from v = 0 and the McMahon boundaries (velocity minimum, first v >= 0) put every
    sample in the same phase as the app did.
    """
    f, phase = shiny_phase_file(shared_data)
    k = integrate(f, 1000.0, float(f[0]), 0, f.size)
    jmin, jz = countermovement_phases(k.velocity)
    assert jmin is not None and jz is not None
    ours = np.array(["Unweighting"] * f.size, dtype=object)
    ours[jmin:jz] = "Braking"
    ours[jz:] = "Propulsion"
    assert list(ours) == phase
    # body weight 8 N off (a typical weighing difference) moves the boundaries by at most 3 samples
    for bw in (f[0] - 8.0, f[0] + 8.0):
        j1, j2 = countermovement_phases(integrate(f, 1000.0, float(bw), 0, f.size).velocity)
        assert j1 is not None and j2 is not None
        assert abs(j1 - jmin) <= 3 and abs(j2 - jz) <= 3


def test_no_countermovement_phases() -> None:
    assert countermovement_phases(np.linspace(0, 2, 50)) == (None, None)
    v = np.concatenate([np.linspace(0, -1, 20), np.linspace(-1, -0.5, 20)])
    assert countermovement_phases(v) == (19, None)


def test_lowpass_is_zero_lag_and_checks_arguments() -> None:
    rate = 1000.0
    t = np.arange(2000) / rate
    slow = np.sin(2 * np.pi * 5 * t)
    noisy = slow + 0.2 * np.sin(2 * np.pi * 200 * t)
    out = lowpass(noisy, rate, 30.0)
    # 5 Hz passes a 30 Hz Butterworth with < 0.1 % gain error and no phase lag; 200 Hz is attenuated > 60 dB
    np.testing.assert_allclose(out[200:-200], slow[200:-200], atol=2e-3)
    with pytest.raises(ValueError, match="Nyquist"):
        lowpass(noisy, rate, 600.0)
    with pytest.raises(ValueError, match="positive"):
        lowpass(noisy, rate, 0.0)
    with pytest.raises(ValueError, match="too short"):
        lowpass(noisy[:10], rate, 30.0)
