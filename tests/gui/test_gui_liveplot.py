"""The live plot: decimation keeps every extreme, the plot follows a ring buffer fed from another thread."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forcelab.acquisition.ring import RingBuffer
from forcelab.gui.decimate import bin_size_for, minmax_decimate
from forcelab.gui.feed import ColumnMap, LiveFeed, SyntheticStreamer
from forcelab.gui.liveplot import LivePlot
from forcelab.simulation.synthetic import session


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 400),
    first=st.integers(0, 10_000),
    b=st.integers(1, 37),
    seed=st.integers(0, 2**16),
)
def test_decimation_keeps_extremes_of_every_aligned_bin(n: int, first: int, b: int, seed: int) -> None:
    y = np.random.default_rng(seed).normal(size=(n, 2))
    index, values = minmax_decimate(y, first, b)
    assert index.dtype == np.float64
    assert values.min(axis=0) == pytest.approx(y.min(axis=0))
    assert values.max(axis=0) == pytest.approx(y.max(axis=0))
    if b == 1:
        assert np.array_equal(values, y) and index.tolist() == list(range(first, first + n))
        return
    # each point's bin: every sample of that absolute bin lies within [min, max] of the bin
    starts = index[0::2].astype(int)
    for s, lo, hi in zip(starts, values[0::2], values[1::2], strict=True):
        if s != first:
            assert s % b == 0  # aligned to absolute sample numbers
        stop = min(first + n, (s // b + 1) * b)
        chunk = y[s - first : stop - first]
        assert np.all(chunk >= lo - 1e-12) and np.all(chunk <= hi + 1e-12)
        assert chunk.min(axis=0) == pytest.approx(lo) and chunk.max(axis=0) == pytest.approx(hi)


def test_decimation_output_size_follows_the_width_not_the_length() -> None:
    for n in (20_000, 200_000):
        b = bin_size_for(n, 1000)
        index, values = minmax_decimate(np.zeros((n, 3)), 123, b)
        assert len(index) <= 2 * 1002
        assert values.shape == (len(index), 3)


def test_column_map_checks_its_input() -> None:
    with pytest.raises(ValueError, match="both left and right"):
        ColumnMap(total=0, left=1)
    with pytest.raises(ValueError, match="total column"):
        ColumnMap(total=None)
    with pytest.raises(ValueError, match="outside"):
        LiveFeed(RingBuffer(10, 2), 1000.0, ColumnMap(total=0, left=1, right=2))
    rows = np.array([[1.0, 2.0], [3.0, 4.0]])
    assert ColumnMap(total=None, left=0, right=1).forces(rows)[:, 0].tolist() == [3.0, 7.0]


def test_live_plot_follows_a_streamed_session(qtbot) -> None:  # type: ignore[no-untyped-def]
    trace, _truth = session(
        ["cmj"], rate=1000.0, body_mass=70.0, plates=True, asymmetry=0.1, stand=0.5, pause=0.5
    )
    assert trace.left is not None and trace.right is not None
    data = np.column_stack([trace.total, trace.left, trace.right])
    ring = RingBuffer(20_000, 3)
    plot = LivePlot(window=5.0)
    qtbot.addWidget(plot)
    plot.resize(800, 400)
    plot.show()
    plot.show_peak(True)
    plot.set_body_weight(70.0 * 9.80665)
    plot.set_feed(LiveFeed(ring, 1000.0, ColumnMap(total=0, left=1, right=2)))
    drawn: list[int] = []
    plot.frame_drawn.connect(lambda last, _t: drawn.append(last))
    streamer = SyntheticStreamer(ring, data, 4000.0, block=50, loop=False)  # 4x real time
    streamer.start()
    try:
        qtbot.waitUntil(lambda: streamer.finished, timeout=int(trace.duration * 250) + 5000)
        qtbot.waitUntil(lambda: bool(drawn) and drawn[-1] == len(data) - 1, timeout=3000)
    finally:
        streamer.stop()
    assert plot.frames >= 10
    assert drawn == sorted(drawn)
    # the peak readout saw the true peak of the whole session
    assert plot.peak == pytest.approx(float(data[:, 0].max()))
    assert "Peak" in plot.peak_label.text()
    # the curve shows the last 5 s, decimated, ending at time 0
    x, y = plot._curves[0].getData()
    assert x.dtype == np.float64 and x[-1] <= 0.0 and x[0] >= -5.0
    assert len(x) < 5000
    assert float(y.max()) == pytest.approx(float(data[-5000:, 0].max()))
    # percent of body weight rescales the same data
    plot.set_units("% BW")
    plot.refresh()  # nothing new to draw: keeps the old frame
    ring.append(data[-10:])
    plot.refresh()
    x, y = plot._curves[0].getData()
    shown = np.concatenate([data, data[-10:]])[-5000:, 0]
    assert float(y.max()) == pytest.approx(float(shown.max()) * 100.0 / (70.0 * 9.80665))
    assert plot.units == "% BW"


def test_percent_body_weight_needs_a_body_weight(qtbot) -> None:  # type: ignore[no-untyped-def]
    plot = LivePlot()
    qtbot.addWidget(plot)
    plot.set_units("% BW")
    assert plot.units == "N"
    with pytest.raises(ValueError, match="units"):
        plot.set_units("lbf")
    with pytest.raises(ValueError, match="body weight"):
        plot.set_body_weight(-3.0)


def test_the_peak_readout_fits_a_narrow_plot(qtbot) -> None:  # type: ignore[no-untyped-def]
    from PySide6 import QtGui

    from forcelab.gui.liveplot import PEAK_POINT_SIZE
    from forcelab.gui.theme import theme_text

    plot = LivePlot(window=5.0)
    qtbot.addWidget(plot)
    plot.setStyleSheet(theme_text())  # the theme's 34 pt readout, as in the app
    plot.resize(1000, 400)
    plot.show()
    plot.show_peak(True)
    plot.set_body_weight(735.0)
    ring = RingBuffer(4000, 1)
    plot.set_feed(LiveFeed(ring, 1000.0, ColumnMap(total=0)))
    ring.append(np.full((100, 1), 3100.0))  # a pull's plateau arrives
    qtbot.waitUntil(lambda: plot.peak is not None, timeout=2000)
    label = plot.peak_label
    assert label.text() == "Peak 3,100 N (422 % BW)"

    def fits() -> bool:
        width = QtGui.QFontMetrics(label.font()).horizontalAdvance(label.text())
        return width <= label.contentsRect().width()

    qtbot.waitUntil(fits, timeout=2000)
    assert label.font().pointSizeF() == pytest.approx(PEAK_POINT_SIZE)  # wide enough: the theme's size
    plot.resize(480, 400)  # narrower than the text at 34 pt
    qtbot.waitUntil(fits, timeout=2000)
    assert label.font().pointSizeF() < PEAK_POINT_SIZE


def test_last_pull_is_not_the_jump_before_the_switch_to_pulls(qtbot) -> None:  # type: ignore[no-untyped-def]
    plot = LivePlot(window=5.0)
    qtbot.addWidget(plot)
    plot.show()
    plot.show_peak(True)
    ring = RingBuffer(4000, 1)
    plot.set_feed(LiveFeed(ring, 1000.0, ColumnMap(total=0)))
    ring.append(np.full((50, 1), 3100.0))  # a drop jump's impact
    qtbot.waitUntil(lambda: plot.peak == 3100.0, timeout=2000)
    plot.reset_peak(keep_last=False)  # the tester switches to pulls
    ring.append(np.full((50, 1), 2400.0))  # the pull
    qtbot.waitUntil(lambda: plot.peak == 2400.0, timeout=2000)
    assert plot.last_peak_label.text() == ""
    plot.reset_peak()  # the pull was analysed: it becomes "last pull"
    ring.append(np.full((50, 1), 740.0))
    qtbot.waitUntil(lambda: plot.peak == 740.0, timeout=2000)
    assert plot.last_peak_label.text() == "last pull\n2,400 N"
