"""Balance and the archive's cutting of long recordings: ``bridge.segments`` cuts the stances of a long
recording of the simulated plates (their eight cells and the profile geometry give the centre of pressure) into
trials of the set duration, each measured as the athlete swayed; ``forcelab import FILE --test balance`` refuses
a force file with the reason (it has no cell forces, which the archive needs to recompute the CoP), not as an
unknown test, and leaves nothing behind."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from forcelab.analysis import catalog
from forcelab.analysis.types import ForceTrace
from forcelab.cli import main
from forcelab.devices.plates import PlateMap
from forcelab.devices.profiles import load_profile
from forcelab.simulation.motion import Script, SimMotion
from forcelab.storage import bridge
from forcelab.storage.importer import import_file

RATE = 1000.0


def _two_stances(duration: float) -> tuple[ForceTrace, SimMotion, list[dict[str, float]]]:
    """The simulated athlete on the dual plate: standing, then two balance trials (step off, back on, stand
    ``duration`` s and a few more), off the plate at the end; the trace's CoP from the cells, as the archive
    recomputes it."""
    motion = SimMotion(channels=8, body_mass=68.0, noise=2.0, seed=4)
    motion.stand(now=0.0, step_on=0.8)
    truths = [motion.trigger("balance", now=2.0, duration=duration).truth,
              motion.trigger("balance", now=motion.scheduled_until, duration=duration).truth]
    motion.run_script(Script(trials=[]), now=motion.scheduled_until)  # steps off
    t = np.arange(int((motion.scheduled_until + 1.0) * RATE)) / RATE
    pm = PlateMap.from_profile(load_profile("forcelab-dual-plate"))
    newtons = motion.calibration.apply(motion.counts(t))  # type: ignore[union-attr]
    total, _per_plate, _cop = pm.combine(newtons)
    x, y = pm.centre_of_pressure(newtons)
    return ForceTrace(RATE, total, cop_x=x, cop_y=y), motion, truths


def test_segments_cut_a_long_balance_recording_into_stances_of_the_set_duration() -> None:
    assert "balance" in bridge.TESTS and "balance" in bridge.NEEDS_CELLS
    assert catalog.entry("balance").segment == catalog.entry("balance").record  # the recorder's stance detection
    trace, motion, truths = _two_stances(12.0)
    # the two seconds stood before the first trial are a stance too, cut short by its step-off: flagged short
    first, *ranges = bridge.segments(trace, "balance", duration=12.0)
    assert first[1] < truths[0]["step_off_time"] * RATE + 700
    short = bridge.analyze(trace.slice(*first), "balance", duration=12.0)
    assert "short_trial" in [f.code for f in short.flags]
    assert len(ranges) == 2
    for (start, stop), truth in zip(ranges, truths, strict=True):
        assert truth["step_on_time"] * RATE < start < (truth["step_on_time"] + 4.0) * RATE  # settled on the plate
        r = bridge.analyze(trace.slice(start, stop), "balance", duration=12.0)
        assert r.value("balance_duration") == pytest.approx(12.0, abs=0.01)
        assert "short_trial" not in [f.code for f in r.flags]
        # the sway the athlete did over that window (one body: the combined CoP is the figure)
        lo, hi = r.events["balance_start"].index, r.events["balance_end"].index
        assert lo is not None and hi is not None
        ex, ey = motion.sway_at((start + np.arange(lo, hi)) / RATE)
        assert r.value("cop_rms_ml") == pytest.approx(float(np.std(ex)), rel=0.01)
        assert r.value("cop_rms_ap") == pytest.approx(float(np.std(ey)), rel=0.01)


def test_importing_a_force_file_as_balance_is_refused_with_the_reason(tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    trace, _motion, _truths = _two_stances(8.0)
    src = tmp_path / "stance.csv"
    t = np.arange(trace.n) / RATE
    np.savetxt(src, np.column_stack([t, trace.total]), delimiter=",", header="time,force", comments="")
    archive = tmp_path / "archive"
    with pytest.raises(ValueError, match=r"stance.csv: a balance trial cannot be imported.*no cell forces \(one "
                                         r"force, no centre of pressure\)"):
        import_file(src, archive=archive, athlete="Stander", test="balance")
    # a file with a ready-made CoP is refused too: the archive could not re-analyse it from cells
    with_cop = tmp_path / "stance_cop.csv"
    np.savetxt(with_cop, np.column_stack([t, trace.total, np.nan_to_num(trace.cop_x), np.nan_to_num(trace.cop_y)]),
               delimiter=",", header="time,force,cop_x,cop_y", comments="")
    with pytest.raises(ValueError, match=r"no cell forces \(one force, a centre of pressure \(cop_x, cop_y\)\)"):
        import_file(with_cop, archive=archive, athlete="Stander", test="balance")
    rc = main(["import", str(src), "--archive", str(archive), "--athlete", "Stander", "--test", "balance"])
    err = capsys.readouterr().err
    assert rc != 0 and "no cell forces" in err and "unknown test" not in err and "invalid choice" not in err
    assert "forcelab record --test balance" in err
    assert not list(tmp_path.rglob("*.h5"))  # nothing written, nothing left in the spool
