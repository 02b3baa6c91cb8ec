"""The live centre-of-pressure view: the combined CoP of the plates from the ring buffer, drawn as a trail in mm
at the plate's place (profile geometry); and in the app, fed by the simulated plates' eight cells."""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pytest

from forcelab.acquisition.ring import RingBuffer
from forcelab.devices.plates import PlateMap
from forcelab.devices.profiles import load_profile
from forcelab.gui.copview import CopSource, CopView

SHOTS = Path(os.environ.get("FORCELAB_SHOTS", "/tmp"))


def test_trail_is_the_combined_cop_in_mm(qtbot) -> None:  # type: ignore[no-untyped-def]
    pm = PlateMap.from_profile(load_profile("forcelab-dual-plate"))
    rate, r, f = 100.0, 0.02, 0.5
    t = np.arange(500) / rate  # 5 s: single-leg stance on the left plate, CoP on a 20 mm circle
    ring = RingBuffer(2000, 6)  # left, right, left_cop_x, left_cop_y, right_cop_x, right_cop_y
    rows = np.column_stack([np.full(t.size, 700.0), np.zeros(t.size), r * np.cos(2 * np.pi * f * t),
                            r * np.sin(2 * np.pi * f * t), np.full(t.size, np.nan), np.full(t.size, np.nan)])
    ring.append(rows)
    view = CopView(window=5.0)
    qtbot.addWidget(view)
    view.resize(520, 420)
    view.show()
    view.set_source(CopSource(ring, rate, pm, (0, 1), ((0, 2, 3), (1, 4, 5))), sizes={"left": (400, 600),
                                                                                     "right": (400, 600)})
    assert view.running
    qtbot.waitUntil(lambda: view.frames > 0, timeout=3000)
    x, y = view.trail()
    assert x.size == 250  # 20 ms blocks of two samples
    ex, ey = -205.0 + 1000 * r * np.cos(2 * np.pi * f * t), 1000 * r * np.sin(2 * np.pi * f * t)
    assert np.allclose(x, ex.reshape(-1, 2).mean(axis=1))  # at the left plate's origin, mm
    assert np.allclose(y, ey.reshape(-1, 2).mean(axis=1))
    text = view.readout.text()
    speed = float(text.split("last 5 s: ")[1].split(" mm/s")[0])
    assert speed == pytest.approx(2 * math.pi * r * f * 1000, rel=0.01)  # 62.8 mm/s round the circle
    # the last point (-205 + 20 cos, 20 sin at the end of the turn) as a distance and a direction, never "-185 mm right"
    lx, ly = x[-1], y[-1]
    assert text.startswith(f"CoP {abs(lx):.1f} mm left, {abs(ly):.1f} mm {'forward' if ly >= 0 else 'back'} ·")
    assert "mm right" not in text and "-" not in text.split("·")[0]
    # each outline is named on its edge nearest the midline: the inner edges at -5 and +5 mm
    labels = view.plate_labels()
    assert set(labels) == {"left plate", "right plate"}
    assert labels["left plate"] == pytest.approx((-5.0, 300.0)) and labels["right plate"] == pytest.approx((5.0, 300.0))
    view.grab().save(str(SHOTS / "copview.png"))
    view.set_source(None)
    assert not view.running and view.trail()[0].size == 0


def test_side_turns_the_sign_into_a_direction() -> None:
    from forcelab.gui.copview import side

    assert side(-8.0, "right", "left") == "8.0 mm left"
    assert side(9.1, "forward", "back") == "9.1 mm forward"
    assert side(-3.0, "forward", "back") == "3.0 mm back"
    assert side(0.0, "right", "left") == "0.0 mm right"


def test_zoomed_on_a_two_leg_stance_the_lines_are_the_named_plate_edges(qtbot, shots: Path) -> None:  # type: ignore[no-untyped-def]
    """A balance trial zooms onto a few mm of sway between the feet: the only outline parts in view are the two
    plates' inner edges at -5 and +5 mm; their names sit on them, at the top of the zoomed view."""
    from support.screens import save_shot

    pm = PlateMap.from_profile(load_profile("forcelab-dual-plate"))
    rate = 100.0
    t = np.arange(500) / rate
    ring = RingBuffer(2000, 6)
    x, y = 0.004 * np.sin(2 * np.pi * 0.3 * t), -0.006 + 0.006 * np.sin(2 * np.pi * 0.2 * t)  # about 3 mm back
    rows = np.column_stack([np.full(t.size, 350.0), np.full(t.size, 350.0), x, y, x, y])
    ring.append(rows)
    view = CopView(window=5.0)
    qtbot.addWidget(view)
    view.resize(520, 460)
    view.show()
    view.set_window(5.0, follow=True)
    view.set_source(CopSource(ring, rate, pm, (0, 1), ((0, 2, 3), (1, 4, 5))),
                    sizes={"left": (400, 600), "right": (400, 600)})  # the profile's plates, 10 mm apart
    qtbot.waitUntil(lambda: view.frames > 0, timeout=3000)
    (x0, x1), (y0, y1) = view.view.getPlotItem().viewRange()
    assert x0 < -5.0 and x1 > 5.0 and x1 - x0 < 100.0  # zoomed: the inner edges in view, the outer ones not
    labels = view.plate_labels()
    assert set(labels) == {"left plate", "right plate"}
    assert labels["left plate"][0] == pytest.approx(-5.0) and labels["right plate"][0] == pytest.approx(5.0)
    assert y0 < labels["left plate"][1] <= y1 + 1e-6  # on screen, not at the plates' far edge (300 mm)
    assert " mm back" in view.readout.text() or " mm forward" in view.readout.text()
    save_shot(view, shots / "copview_follow.png")
    view.set_window(5.0, follow=False)
    assert view.plate_labels()["left plate"] == pytest.approx((-5.0, 300.0))


def test_the_app_shows_the_simulated_plates_cop(qtbot, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from forcelab.gui.app import build_window

    monkeypatch.setenv("FORCELAB_ARCHIVE", str(tmp_path / "archive"))
    window = build_window()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert window.start_simulated("forcelab dual plate (8 cells)", 1000.0, noise=2.0, seed=3)
    link = window.session.link
    assert link is not None
    qtbot.waitUntil(lambda: link.engine.ring.total_written > 3500, timeout=10000)  # stepped on, standing
    window.tabs.setCurrentWidget(window.cop)
    qtbot.waitUntil(lambda: "CoP" in window.cop.readout.text(), timeout=5000)
    x, y = window.cop.trail()
    x, y = x[-75:], y[-75:]  # the last 1.5 s (20 ms blocks): standing still (the trail before holds the step on)
    ok = np.isfinite(x)
    assert ok.all()
    # both feet, one per plate (origins -205 and +205 mm), swaying as one body 10 mm each way: the combined CoP
    # sways about the load-split centre (the simulated athlete leans a few percent left: ~8 mm) between the plates
    rows = link.engine.ring.latest(1500)
    fl, fr = rows[:, link.engine.column("left")].mean(), rows[:, link.engine.column("right")].mean()
    centre = 205.0 * (fr - fl) / (fl + fr)
    assert float(np.abs(x - centre).max()) < 15.0 and float(np.abs(y).max()) < 15.0
    speed = float(window.cop.readout.text().split("last 5 s: ")[1].split(" mm/s")[0])
    assert speed < 200.0  # sway, not the cells' noise
    window.grab().save(str(SHOTS / "app_cop_tab.png"))
    window.close()


def test_the_built_in_dual_plate_reads_the_simulated_sway_in_both_directions() -> None:
    """The app's built-in dual-plate profile wires the cells as the simulator (and the profile file) do: the
    combined CoP of the simulated athlete is its sway figure, ML as much as AP (with the rear cells swapped it
    was 0.5 mm ML against 18 mm AP)."""
    from forcelab.gui.services import builtin_profiles
    from forcelab.simulation.motion import SimMotion

    pm = builtin_profiles()["forcelab dual plate (8 cells)"].plate_map
    motion = SimMotion(channels=8, body_mass=70.0, sway=0.01)
    motion.stand(now=0.0, step_on=0.0)
    t = np.arange(0.0, 30.0, 0.002)
    x, y = pm.centre_of_pressure(motion.cell_forces(t))
    ex, ey = motion.sway_at(t)
    np.testing.assert_allclose(x, ex, atol=1e-9)
    np.testing.assert_allclose(y, ey, atol=1e-9)
