"""Events placed by hand (``events=``) in the jump analyses: same index -> same numbers, moved event -> the
metrics that depend on it move by the expected amount, bad edits -> errors naming the event."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forcelab.analysis import cmj, dj, sj
from forcelab.analysis.dispatch import analyze
from forcelab.analysis.jump_metrics import net_impulse
from forcelab.analysis.kinematics import integrate
from forcelab.analysis.types import ForceTrace, TrialResult
from forcelab.simulation import synthetic

G = 9.80665
ANALYSES: dict[str, Callable[..., TrialResult]] = {"cmj": cmj.analyze_cmj, "sj": sj.analyze_sj, "dj": dj.analyze_dj}
EDITABLE = {"cmj": cmj.EDITABLE_EVENTS, "sj": sj.EDITABLE_EVENTS, "dj": dj.EDITABLE_EVENTS}
MAKERS: dict[str, Callable[..., synthetic.SyntheticTrial]] = {
    "cmj": synthetic.cmj, "sj": synthetic.squat_jump, "dj": synthetic.drop_jump}
KW: dict[str, dict[str, float]] = {"cmj": {}, "sj": {}, "dj": {"drop_height": 0.30}}


def _trial(test: str, seed: int = 4, **kw: float) -> ForceTrace:
    return MAKERS[test](noise_sd=1.0, seed=seed, asymmetry=0.08, **kw).trace


def _idx(res: TrialResult, name: str) -> int:
    """Index of event ``name``, which must have been found."""
    i = res.events[name].index
    assert i is not None, res.events[name].reason
    return i


def _assert_same(a: TrialResult, b: TrialResult, rel: float = 0.0) -> None:
    """Same metrics (values and reasons) and event indices; ``rel`` allows rounding differences."""
    assert a.metrics.keys() == b.metrics.keys()
    for k, m in a.metrics.items():
        other = b.metrics[k]
        if m.value is None or other.value is None:
            assert m.value is other.value is None, k
            assert m.reason == other.reason, k
        elif rel == 0.0:
            assert other.value == m.value, k
        else:
            assert other.value == pytest.approx(m.value, rel=rel, abs=1e-9), k
        assert other.method == m.method or k in ("body_weight", "body_mass", "weighing_sd"), k
    assert {k: e.index for k, e in a.events.items()} == {k: e.index for k, e in b.events.items()}


@pytest.mark.parametrize("test", ["cmj", "sj", "dj"])
def test_the_detected_index_gives_the_detected_numbers(test: str) -> None:
    tr = _trial(test)
    base = ANALYSES[test](tr, **KW[test])
    assert "edited_events" not in base.params and "edited_events" not in {f.code for f in base.flags}
    detected = {name: _idx(base, name) for name in EDITABLE[test]}
    for name, index in detected.items():
        res = ANALYSES[test](tr, **KW[test], events={name: index})
        # a weighing window given by hand is averaged directly, the steadiest search by running sums: rounding only
        _assert_same(base, res, rel=1e-6 if name == "weighing_start" else 0.0)
        assert res.events[name].method == "edited"
        assert res.params["edited_events"] == name
        flag = next(f for f in res.flags if f.code == "edited_events")
        assert flag.message.startswith(f"events set by hand: {name} at {index / tr.rate:.3f} s")
        # the other flags are the detector's
        assert [f.code for f in res.flags if f.code != "edited_events"] == [f.code for f in base.flags]
    everything = ANALYSES[test](tr, **KW[test], events=detected)
    _assert_same(base, everything, rel=1e-6)
    assert everything.params["edited_events"] == ",".join(EDITABLE[test])
    assert {k for k, e in everything.events.items() if e.method == "edited"} == set(EDITABLE[test])


@pytest.mark.parametrize("test", ["cmj", "sj", "dj"])
@pytest.mark.parametrize("k", [1, 7, 40])
def test_takeoff_later_shortens_the_flight_exactly(test: str, k: int) -> None:
    tr = _trial(test)
    base = ANALYSES[test](tr, **KW[test])
    to = base.events["takeoff"].index
    assert to is not None
    res = ANALYSES[test](tr, **KW[test], events={"takeoff": to + k})
    ft0, ft = base.value("flight_time"), res.value("flight_time")
    assert ft0 is not None and ft is not None
    assert ft == pytest.approx(ft0 - k / tr.rate, abs=1e-12)
    assert res.value("jump_height_flight_time") == pytest.approx(G * ft * ft / 8.0, rel=1e-12)
    assert res.value("jump_height_flight_time") < base.value("jump_height_flight_time")  # type: ignore[operator]
    assert res.events["landing"].index == base.events["landing"].index  # not moved, not found again
    if test == "dj":
        ct0, ct = base.value("contact_time"), res.value("contact_time")
        assert ct0 is not None and ct == pytest.approx(ct0 + k / tr.rate, abs=1e-12)
        assert res.value("rsi") == pytest.approx(res.value("jump_height_flight_time") / ct, rel=1e-12)  # type: ignore[operator]
    else:
        t0, t = base.value("time_to_takeoff"), res.value("time_to_takeoff")
        assert t0 is not None and t == pytest.approx(t0 + k / tr.rate, abs=1e-12)
        # the integration now runs to the new take-off: the velocity there is the old one plus the extra impulse
        bw = base.value("body_weight")
        assert bw is not None
        onset = base.events["onset"].index
        assert onset is not None
        # (the detected take-off's velocity is taken back to the departure between samples; a hand-placed one
        # sits on its sample)
        at_sample = integrate(tr.total, tr.rate, bw, onset, to + 1, g=G).velocity[-1]
        extra = net_impulse(tr.total, bw, to, to + k, tr.rate, "trapezoid") / (bw / G)
        assert res.value("takeoff_velocity") == pytest.approx(at_sample + extra, abs=1e-9)
        assert extra < 0  # in the air the force is below body weight


def test_landing_edit_moves_flight_and_landing_metrics() -> None:
    tr = _trial("cmj")
    base = cmj.analyze_cmj(tr)
    ld = base.events["landing"].index
    assert ld is not None
    res = cmj.analyze_cmj(tr, events={"landing": ld - 5})
    assert res.value("flight_time") == pytest.approx(base.value("flight_time") - 5 / tr.rate, abs=1e-12)  # type: ignore[operator]
    # take-off side untouched
    for name in ("takeoff_velocity", "jump_height_takeoff_velocity", "peak_force", "braking_time"):
        assert res.value(name) == base.value(name)
    # landing metrics follow the new touchdown (window starts 5 samples earlier)
    assert res.metrics["landing_phase_time"].value != base.metrics["landing_phase_time"].value


def test_onset_earlier_adds_only_the_quiet_impulse() -> None:
    tr = synthetic.cmj(noise_sd=2.0, seed=11, asymmetry=0.05).trace
    base = cmj.analyze_cmj(tr)
    ws, we, on = (base.events[k].index for k in ("weighing_start", "weighing_end", "onset"))
    assert ws is not None and we is not None and on is not None
    k = min(150, on - we)
    assert k >= 50, "the synthetic trial leaves quiet stance between the weighing window and the onset"
    res = cmj.analyze_cmj(tr, events={"onset": on - k})
    assert res.events["weighing_start"].index == ws  # the weighing window did not move
    bw = base.value("body_weight")
    assert bw is not None and res.value("body_weight") == bw
    dv = net_impulse(tr.total, bw, on - k, on, tr.rate, "trapezoid") / (bw / G)
    v0, v1 = base.value("takeoff_velocity"), res.value("takeoff_velocity")
    assert v0 is not None and v1 is not None
    assert v1 - v0 == pytest.approx(dv, abs=1e-9)
    assert abs(v1 - v0) < 0.005  # quiet samples: a tiny impulse
    assert res.value("time_to_takeoff") == pytest.approx(base.value("time_to_takeoff") + k / tr.rate, abs=1e-12)  # type: ignore[operator]
    assert res.value("unweighting_time") == pytest.approx(base.value("unweighting_time") + k / tr.rate,  # type: ignore[operator]
                                                          abs=2 / tr.rate)
    # per-limb and asymmetry metrics are recomputed from the new onset too
    assert res.value("left_net_impulse") != base.value("left_net_impulse")
    assert res.value("net_impulse_asymmetry") is not None


def test_onset_before_the_weighing_window_weighs_before_it() -> None:
    tr = synthetic.cmj(noise_sd=1.0, seed=3, quiet_before=2.5).trace
    base = cmj.analyze_cmj(tr)
    ws, we = base.events["weighing_start"].index, base.events["weighing_end"].index
    assert ws is not None and we is not None and ws > 200
    new_onset = we - 1  # inside the detected window
    res = cmj.analyze_cmj(tr, events={"onset": new_onset})
    assert res.events["weighing_end"].index is not None and res.events["weighing_end"].index <= new_onset
    assert res.value("body_weight") == pytest.approx(75.0 * G, rel=1e-3)
    # too little stance before the onset to weigh on: refused, saying why
    with pytest.raises(ValueError, match=r"onset at sample 300 \(0\.300 s\) leaves 0\.300 s of stance before it; "
                                         "the weighing needs 1 s"):
        cmj.analyze_cmj(tr, events={"onset": 300})
    # unless the weighing window is placed too (here: ending at the onset)
    res = cmj.analyze_cmj(tr, events={"onset": 1300, "weighing_start": 300})
    assert res.value("body_weight") == pytest.approx(float(tr.total[300:1300].mean()), rel=1e-12)


def test_takeoff_before_the_detected_onset_is_refused() -> None:
    tr = _trial("cmj")
    base = cmj.analyze_cmj(tr)
    on = _idx(base, "onset")
    for bad in (100, on - 200, on):
        with pytest.raises(ValueError, match=rf"takeoff at sample {bad} .* must come after onset at sample {on} "
                                             r".*; move takeoff"):
            cmj.analyze_cmj(tr, events={"takeoff": bad})
    # with the onset placed too, a take-off after it is fine (the weighing stays before the onset)
    res = cmj.analyze_cmj(tr, events={"onset": on - 200, "takeoff": on - 20})
    assert res.value("time_to_takeoff") == pytest.approx(180 / tr.rate, abs=1e-12)


def test_weighing_window_by_hand() -> None:
    tr = _trial("cmj")
    base = cmj.analyze_cmj(tr)
    res = cmj.analyze_cmj(tr, events={"weighing_start": 100})
    assert res.events["weighing_start"].index == 100 and res.events["weighing_start"].method == "edited"
    assert res.events["weighing_end"].index == 1100 and res.events["weighing_end"].method != "edited"
    assert res.metrics["body_weight"].method == "weighing_edited_1.0s"
    assert res.value("body_weight") == pytest.approx(float(tr.total[100:1100].mean()), rel=1e-12)
    assert tr.left is not None
    on, to = res.events["onset"].index, res.events["takeoff"].index
    assert on is not None and to is not None
    left_bw = float(tr.left[100:1100].mean())
    assert res.value("left_net_impulse") == pytest.approx(net_impulse(tr.left, left_bw, on, to, tr.rate, "trapezoid"),
                                                          rel=1e-9)
    assert res.value("jump_height_takeoff_velocity") == pytest.approx(base.value("jump_height_takeoff_velocity"),
                                                                      rel=0.02)


def test_dj_contact_edit_changes_contact_metrics() -> None:
    tr = _trial("dj")
    base = dj.analyze_dj(tr, drop_height=0.3)
    c = base.events["contact"].index
    assert c is not None
    res = dj.analyze_dj(tr, drop_height=0.3, events={"contact": c + 4})
    assert res.value("contact_time") == pytest.approx(base.value("contact_time") - 4 / tr.rate, abs=1e-12)  # type: ignore[operator]
    assert res.value("flight_time") == base.value("flight_time")
    assert res.value("touchdown_velocity") != base.value("touchdown_velocity")
    assert res.value("rsi") == pytest.approx(res.value("jump_height_flight_time") / res.value("contact_time"))  # type: ignore[operator]


@pytest.mark.parametrize("test", ["cmj", "sj", "dj"])
def test_invalid_edits_say_what_is_wrong(test: str) -> None:
    tr = _trial(test)
    base = ANALYSES[test](tr, **KW[test])
    ev = {k: _idx(base, k) for k in ("takeoff", "contact" if test == "dj" else "onset")}
    n = tr.n
    fn = ANALYSES[test]
    with pytest.raises(ValueError, match=r"takeoff at sample 999999 \(999\.999 s\) is outside the trace: "
                                         rf"valid samples 0-{n - 1}"):
        fn(tr, **KW[test], events={"takeoff": 999_999})
    with pytest.raises(ValueError, match="landing at sample -3"):
        fn(tr, **KW[test], events={"landing": -3})
    with pytest.raises(ValueError, match=r"event\(s\) release cannot be placed by hand in a .*; editable: "
                                         + ", ".join(EDITABLE[test])):
        fn(tr, **KW[test], events={"release": 5})
    with pytest.raises(ValueError, match="landing must be a sample index .*got 'x'"):
        fn(tr, **KW[test], events={"landing": "x"})
    with pytest.raises(ValueError, match="takeoff must be a sample index .*got 10.5"):
        fn(tr, **KW[test], events={"takeoff": 10.5})
    with pytest.raises(ValueError, match=rf"landing at sample {ev['takeoff']} .* must come after takeoff at sample "
                                         rf"{ev['takeoff']} .*; move landing"):
        fn(tr, **KW[test], events={"landing": ev["takeoff"]})
    with pytest.raises(ValueError, match=rf"landing at sample {ev['takeoff'] - 10} .* must come after takeoff"):
        fn(tr, **KW[test], events={"takeoff": ev["takeoff"], "landing": ev["takeoff"] - 10})
    first = "contact" if test == "dj" else "onset"
    with pytest.raises(ValueError, match=rf"takeoff at sample {ev[first] - 1} .* must come after {first} at sample "
                                         rf"{ev[first]} .*; move takeoff"):
        fn(tr, **KW[test], events={"takeoff": ev[first] - 1})
    with pytest.raises(ValueError, match="weighing_start at sample .* is outside the trace less the 1 s weighing "
                                         rf"window: valid samples 0-{n - 1000}"):
        fn(tr, **KW[test], events={"weighing_start": n - 10})
    with pytest.raises(ValueError, match="events must map event names to sample indices"):
        fn(tr, **KW[test], events=[("takeoff", 10)])


def test_order_of_weighing_window_and_onset() -> None:
    tr = _trial("cmj")
    base = cmj.analyze_cmj(tr)
    on = base.events["onset"].index
    assert on is not None
    with pytest.raises(ValueError, match=r"onset at sample .* must come after the end of the weighing window"):
        cmj.analyze_cmj(tr, events={"weighing_start": on - 500, "onset": on})
    res = cmj.analyze_cmj(tr, events={"weighing_start": on - 1000, "onset": on})  # ends at the onset: allowed
    assert res.events["weighing_end"].index == on
    with pytest.raises(ValueError, match=r"the weighing window's start at sample .* must come after landing .*"
                                         "move weighing_start"):
        # a drop jump weighs on the stance after the landing
        dtr = _trial("dj")
        d = dj.analyze_dj(dtr)
        dj.analyze_dj(dtr, events={"weighing_start": _idx(d, "landing") - 1})


def test_edits_when_detection_fails() -> None:
    """A trial whose take-off the detector misses can still be measured by placing it by hand."""
    tr = _trial("cmj")
    base = cmj.analyze_cmj(tr)
    res = cmj.analyze_cmj(tr, min_flight_time=2.0)  # no 2 s flight: no take-off found
    assert res.events["takeoff"].index is None and res.value("flight_time") is None
    ev = {k: _idx(base, k) for k in ("takeoff", "landing")}
    fixed = cmj.analyze_cmj(tr, min_flight_time=2.0, events=ev)
    # weighed before the hand-placed take-off, onset found before it: the detector's numbers again
    for name in ("body_weight", "braking_time", "peak_landing_force", "net_impulse_asymmetry"):
        assert fixed.value(name) == base.value(name), name
    # hand-placed events where nothing was detected sit on their samples; the detector places its crossings between
    # samples and takes the take-off velocity back to the departure: within one sample of each other
    assert fixed.value("flight_time") == pytest.approx(base.value("flight_time"), abs=1 / tr.rate)
    assert fixed.value("takeoff_velocity") == pytest.approx(base.value("takeoff_velocity"), abs=G / tr.rate)


def test_dispatch_and_json(tmp_path: Path) -> None:
    tr = _trial("sj")
    base = analyze(tr, "sj")
    to = base.events["takeoff"].index
    assert to is not None
    res = analyze(tr, "auto", events={"takeoff": to + 2})
    assert res.test == "sj" and res.events["takeoff"].index == to + 2
    d = res.to_dict()
    assert d["params"]["edited_events"] == "takeoff" and d["events"]["takeoff"]["method"] == "edited"
    assert "events" not in d["params"]
    with pytest.raises(ValueError, match="release cannot be placed by hand in a squat jump"):
        analyze(tr, "sj", events={"release": 3})


def test_real_recording_identity(shared_data: Path) -> None:
    """On a real CMJ the detected indices handed back give the detected numbers."""
    a = np.loadtxt(shared_data / "jumpmetrics" / "F02_CTRL1.txt", delimiter=",", skiprows=1)
    tr = ForceTrace(2000.0, a[:, 2] + a[:, 8])
    base = cmj.analyze_cmj(tr)
    ev = {k: _idx(base, k) for k in ("onset", "takeoff", "landing")}
    _assert_same(base, cmj.analyze_cmj(tr, events=ev))


_FUZZ = {t: (_trial(t, seed=9), ANALYSES[t](_trial(t, seed=9), **KW[t])) for t in ("cmj", "sj", "dj")}


@settings(max_examples=40, deadline=None)
@given(test=st.sampled_from(["cmj", "sj", "dj"]), data=st.data())
def test_any_edit_gives_a_result_or_a_clear_error(test: str, data: st.DataObject) -> None:
    """Whatever is dragged where: a result whose edited events sit where they were put, or a ValueError."""
    tr, base = _FUZZ[test]
    names = data.draw(st.lists(st.sampled_from(EDITABLE[test]), min_size=1, unique=True))
    events = {}
    for name in names:
        b = base.events[name].index or 0
        events[name] = data.draw(st.integers(b - 400, b + 400) | st.integers(-5, tr.n + 5))
    try:
        res = ANALYSES[test](tr, **KW[test], events=events)
    except ValueError as exc:
        assert any(name in str(exc) for name in names)
        return
    for name, index in events.items():
        ev = res.events[name]
        assert ev.index == index or (name == "weighing_start" and ev.index is None and ev.reason)
    assert res.params["edited_events"] == ",".join(n for n in EDITABLE[test] if n in events)
    res.to_dict()
