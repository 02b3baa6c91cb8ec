"""The GUI's adapters: online detection that follows the chosen test, analysis per test."""

from __future__ import annotations

import numpy as np
import pytest

from forcelab.gui import services
from forcelab.simulation.synthetic import session


def test_switching_test_mid_stream_keeps_stream_numbering() -> None:
    rate = 1000.0
    trace, truths = session(["cmj", ("imtp", {"hold": 1.0})], rate=rate, pause=3.0, noise_sd=2.0, seed=2)
    cmj_truth, pull_truth = truths
    det = services.SwitchableDetector(rate, "cmj")
    switch_at = int((cmj_truth["landing_time"] + 2.2) * rate)  # quiet stance between the two trials
    segments = []
    switched = -1
    for start in range(0, trace.n, 97):  # odd block size on purpose
        if start <= switch_at < start + 97:
            det.set_test("imtp")  # takes effect with this block
            switched = start
        segments += det.feed(trace.total[start : start + 97])
    assert [s.kind for s in segments] == ["jump", "pull"]
    jump, pull = segments
    assert jump.start < cmj_truth["onset_time"] * rate < cmj_truth["landing_time"] * rate < jump.end
    # the pull's indices count from the start of the stream, not from the switch
    assert pull.start >= switched > jump.end
    assert pull.start < pull_truth["onset_time"] * rate < pull.end
    assert det.test == "imtp"
    with pytest.raises(ValueError, match="unknown test"):
        det.set_test("bench_press")


def test_analysis_per_test_and_free_recordings() -> None:
    trace, _ = session(["cmj"], rate=1000.0, noise_sd=1.0, seed=1)
    result = services.analyze(trace, "cmj")
    assert result.value("jump_height_takeoff_velocity") == pytest.approx(0.35, abs=0.01)
    with pytest.raises(services.ServiceError, match="kept but not analysed"):
        services.analyze(trace, "free")
    assert "onset" in services.editable_events("imtp")
    assert services.editable_events("free") == ()
    assert np.isfinite(result.value("peak_force") or np.nan)


def test_profiles_offer_the_device_files_and_the_built_in_ones() -> None:
    offered = services.profiles()
    files = {p.file for p in offered.values() if p.file}
    assert "forcelab-dual-plate" in files
    dual = next(p for p in offered.values() if p.file == "forcelab-dual-plate")
    assert dual.plate_map.channels == 8 and {pl.name for pl in dual.plate_map.plates} == {"left", "right"}
    assert "forcelab dual plate (8 cells)" in offered  # built in, needs no file
