"""Stress: thousands of painted frames and thousands of cross-thread signals, so a broken Qt binding
(PySide6 6.12.0 crashed pyqtgraph apps within seconds) fails here rather than in the lab."""

from __future__ import annotations

import threading

import numpy as np
from PySide6 import QtCore, QtWidgets

from forcelab.acquisition.ring import RingBuffer
from forcelab.gui.feed import ColumnMap, LiveFeed, SyntheticStreamer
from forcelab.gui.liveplot import LivePlot

FRAMES = 1200
SIGNALS = 5000


class _Emitter(QtCore.QObject):
    block = QtCore.Signal(int, object)


class _Receiver(QtCore.QObject):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0
        self.total = 0.0
        self.wrong_thread = 0

    @QtCore.Slot(int, object)
    def on_block(self, i: int, payload: np.ndarray) -> None:
        if QtCore.QThread.currentThread() is not QtWidgets.QApplication.instance().thread():
            self.wrong_thread += 1
        self.count += 1
        self.total += float(payload[0, 0])


def test_thousands_of_frames_while_a_thread_streams(qtbot) -> None:  # type: ignore[no-untyped-def]
    rate = 2000.0
    t = np.arange(int(rate * 4)) / rate
    data = np.column_stack([800 + 600 * np.sin(2 * np.pi * 0.7 * t) + k for k in range(8)])
    ring = RingBuffer(int(rate * 12), 8)
    plot = LivePlot(window=10.0)
    qtbot.addWidget(plot)
    plot.resize(480, 300)
    plot.show()
    plot.set_feed(LiveFeed(ring, rate, ColumnMap(total=0, left=1, right=2)))
    plot._timer.stop()  # this test drives frames itself, as fast as they paint
    painted: list[int] = []
    plot.frame_drawn.connect(lambda last, _t: painted.append(last))
    streamer = SyntheticStreamer(ring, data, rate, block=20)
    streamer.start()
    try:
        qtbot.waitUntil(lambda: ring.total_written > 0, timeout=2000)
        for _ in range(FRAMES):
            ring.append(data[:5])  # guarantee something new each frame, on top of the streamer
            plot.refresh()
            plot.view.viewport().repaint()
    finally:
        streamer.stop()
    assert plot.frames == FRAMES
    assert len(painted) >= FRAMES * 0.9
    assert painted == sorted(painted)


def test_thousands_of_cross_thread_signals_arrive_on_the_gui_thread(qtbot) -> None:  # type: ignore[no-untyped-def]
    emitter = _Emitter()
    receiver = _Receiver()
    emitter.block.connect(receiver.on_block, QtCore.Qt.ConnectionType.QueuedConnection)
    payloads = [np.full((50, 8), float(i)) for i in range(SIGNALS)]

    def produce() -> None:
        for i, p in enumerate(payloads):
            emitter.block.emit(i, p)

    workers = [threading.Thread(target=produce) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    qtbot.waitUntil(lambda: receiver.count == 2 * SIGNALS, timeout=10_000)
    assert receiver.wrong_thread == 0
    assert receiver.total == 2 * sum(range(SIGNALS))
