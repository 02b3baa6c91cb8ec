"""The live centre-of-pressure view: the combined CoP of the plates from the ring buffer, drawn as a trail in mm
at the plate's place (profile geometry); and in the app, fed by the simulated plates' eight cells."""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pytest

from forcelab.acquisition.plates import PlateMap
from forcelab.acquisition.ring import RingBuffer
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
    view.grab().save(str(SHOTS / "copview.png"))
    view.set_source(None)
    assert not view.running and view.trail()[0].size == 0


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
    # both feet, one per plate (origins -205 and +205 mm), each plate's CoP swaying 10 mm about its centre: the
    # combined CoP stays near the midpoint between the plates
    assert float(np.abs(x).max()) < 15.0 and float(np.abs(y).max()) < 15.0
    speed = float(window.cop.readout.text().split("last 5 s: ")[1].split(" mm/s")[0])
    assert speed < 200.0  # sway, not the cells' noise
    window.grab().save(str(SHOTS / "app_cop_tab.png"))
    window.close()
