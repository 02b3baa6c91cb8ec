"""GUI figures for 8 channels x 2 kHz and a 10 s window, through the real path:
simulated plates on a pty -> pyserial -> decoder -> engine -> ring buffer -> live plot in the main window.

Prints:
- frame time (refresh + paint) median and p99, and frames per second reached when the plot redraws as fast
  as it can (offscreen), next to the baseline of the same plot drawing every sample (no decimation);
- CPU share of the GUI process at the normal 60 Hz refresh (the simulator thread excluded, measured per
  thread from /proc), and of the GUI thread alone;
- sample-to-screen latency: from the simulator writing a sample to the pty to the end of the paint of the
  first frame that shows it, median and p99;
- time from launch (a fresh interpreter) to the first drawn frame with data.

Run: .venv/bin/python bench/gui.py [--seconds 10]
"""

from __future__ import annotations

import argparse
import bisect
import os
import subprocess
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

RATE = 2000.0
PROFILE = "forcelab dual plate (8 cells)"


def thread_cpu(native_id: int) -> float:
    """CPU seconds of one thread of this process (Linux /proc)."""
    with open(f"/proc/self/task/{native_id}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def pct(values: list[float], q: float) -> float:
    import numpy as np

    return float(np.percentile(np.asarray(values), q)) if values else float("nan")


def launch_child() -> None:
    """In a fresh interpreter: build the window with simulated plates and report the first drawn frame."""
    t_launch = float(sys.argv[sys.argv.index("--launch-child") + 1])
    from PySide6 import QtCore

    from forcelab.gui.app import application, build_window

    app = application()
    window = build_window(demo=True)  # what `forcelab --demo` does
    window.show()
    done: list[float] = []

    def first(last: int, _t: float) -> None:
        if not done and last >= 0:
            done.append(time.time())
            cpu = time.process_time()  # CPU this process used to get here (imports, window, connect)
            print(f"FIRST_FRAME {done[0] - t_launch:.3f} {cpu:.3f}", flush=True)
            QtCore.QTimer.singleShot(0, window.close)
            QtCore.QTimer.singleShot(0, app.quit)

    window.live.frame_drawn.connect(first)
    QtCore.QTimer.singleShot(15_000, app.quit)
    app.exec()


def frame_child() -> None:
    """In a fresh interpreter (QT_SCALE_FACTOR set by the parent): frame cost of the main window's live
    view, fed from a ring buffer holding a full window of 8 channels x 2 kHz."""
    import numpy as np
    from PySide6 import QtTest

    from forcelab.acquisition.ring import RingBuffer
    from forcelab.gui.app import application, build_window
    from forcelab.gui.feed import ColumnMap, LiveFeed

    _app = application()
    window = build_window()
    scale = float(os.environ.get("QT_SCALE_FACTOR", "1"))
    window.resize(1366, 768) if scale == 1 else window.resize(int(3840 / scale), int(2160 / scale))
    window.show()
    QtTest.QTest.qWaitForWindowExposed(window)
    t = np.arange(int(RATE * 12)) / RATE
    ring = RingBuffer(len(t), 8)
    ring.append(np.column_stack([800 + 600 * np.sin(2 * np.pi * 0.7 * t) + k for k in range(8)]))
    plot = window.live
    plot.set_feed(LiveFeed(ring, RATE, ColumnMap(0, 1, 2)))
    plot._timer.stop()
    ms = []
    for _ in range(120):
        plot._pending_last = -2
        t1 = time.perf_counter()
        plot.refresh()
        plot.view.viewport().repaint()
        ms.append((time.perf_counter() - t1) * 1000.0)
    ms = ms[20:]
    vp = plot.view.viewport()
    ratio = vp.devicePixelRatio()
    print(f"FRAME {pct(ms, 50):.2f} {pct(ms, 99):.2f} {vp.width() * ratio:.0f}x{vp.height() * ratio:.0f}", flush=True)
    window.close()


def frame_cost_at_scale(scale: float, archive: str) -> str:
    env = dict(os.environ, FORCELAB_ARCHIVE=archive, QT_SCALE_FACTOR=str(scale))
    out = subprocess.run([sys.executable, __file__, "--frame-child"], capture_output=True, text=True, env=env,
                         timeout=120)
    for line in out.stdout.splitlines():
        if line.startswith("FRAME"):
            _, med, p99, pixels = line.split()
            return f"median {float(med):.2f} ms, p99 {float(p99):.2f} ms ({pixels} device pixels)"
    return "failed: " + out.stderr[-300:]


def time_to_first_frame(archive: str) -> tuple[float, float] | None:
    env = dict(os.environ, FORCELAB_ARCHIVE=archive)
    t0 = time.time()
    out = subprocess.run([sys.executable, __file__, "--launch-child", repr(t0)], capture_output=True, text=True,
                         env=env, timeout=60)
    for line in out.stdout.splitlines():
        if line.startswith("FIRST_FRAME"):
            _, wall, cpu = line.split()
            return float(wall), float(cpu)
    print(out.stdout, out.stderr)
    return None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=10.0, help="seconds for each measurement phase")
    args = ap.parse_args()

    import tempfile

    archive = tempfile.mkdtemp(prefix="forcelab-bench-gui-")
    os.environ["FORCELAB_ARCHIVE"] = archive
    import numpy as np
    from PySide6 import QtCore

    from forcelab.gui.app import application, build_window
    from forcelab.gui.decimate import minmax_decimate

    _app = application()  # keep a reference for the whole run
    window = build_window()
    window.resize(1366, 768)
    window.show()
    if not window.start_simulated(PROFILE, RATE, record=True):
        sys.exit("could not start the simulated plates")
    link = window.session.link
    assert link is not None and link.simulator is not None
    sim, engine, plot = link.simulator, link.engine, window.live
    counter_col = engine.column("counter")
    print(f"forcelab GUI bench: {engine.plate_map.channels} channels x {RATE:.0f} Hz, "
          f"{plot._window:.0f} s window, plot {plot.view.viewport().width()} px wide, Qt offscreen")

    loop = QtCore.QEventLoop()

    def run_for(seconds: float) -> None:
        QtCore.QTimer.singleShot(int(seconds * 1000), loop.quit)
        loop.exec()

    # wait for data and the athlete to step on, then let the trace fill the window
    run_for(3.0)
    sim.trigger("cmj")

    frame_ms: list[float] = []
    latencies: list[float] = []
    counts = {"frames": 0}
    clock_offset = time.perf_counter() - time.monotonic()
    log_keys: list[int] = []
    log_times: list[float] = []

    def on_frame(last: int, painted: float) -> None:
        counts["frames"] += 1
        frame_ms.append((painted - plot.refresh_started) * 1000.0)
        rows, _pos, _missed = engine.ring.since(last)
        if len(rows) == 0:
            return
        c = int(rows[0, counter_col])
        wl = sim.write_log
        if len(log_keys) < len(wl):
            new = list(wl)[len(log_keys) - len(wl):] if log_keys else list(wl)
            log_keys.extend(k for k, _t in new)
            log_times.extend(t for _k, t in new)
        i = bisect.bisect_right(log_keys, c)  # first unit whose end counter is past sample c
        if i < len(log_keys):
            latencies.append((painted - clock_offset - log_times[i]) * 1000.0)

    plot.frame_drawn.connect(on_frame)

    # phase 1: as fast as it can draw
    plot._timer.setInterval(0)
    frame_ms.clear()
    counts["frames"] = 0
    t0 = time.perf_counter()
    run_for(args.seconds / 2)
    fps_max = counts["frames"] / (time.perf_counter() - t0)
    fast_frames = list(frame_ms)

    # frame cost measured the same way for both: one synchronous refresh + repaint, full 10 s window
    plot._timer.stop()
    run_for(max(0.0, plot._window - 3.0 - args.seconds / 2))  # let the ring hold a full window
    sync_ms: list[float] = []
    for _ in range(200):
        plot._pending_last = -2  # force a redraw even if no new sample arrived
        t1 = time.perf_counter()
        plot.refresh()
        plot.view.viewport().repaint()
        sync_ms.append((time.perf_counter() - t1) * 1000.0)
    base_ms: list[float] = []
    rows = engine.ring.latest(int(RATE * plot._window))
    x = (np.arange(len(rows), dtype=np.float64) - len(rows)) / RATE
    for _ in range(30):
        t1 = time.perf_counter()
        forces = link.feed.columns.forces(engine.ring.latest(int(RATE * plot._window)))
        for i, curve in enumerate(plot._curves):
            curve.setData(x, forces[:, i])
        plot.view.viewport().repaint()
        base_ms.append((time.perf_counter() - t1) * 1000.0)
    t1 = time.perf_counter()
    for _ in range(30):
        minmax_decimate(forces, 0, 20)
    decim_ms = (time.perf_counter() - t1) / 30 * 1000
    plot._timer.start()

    # phase 2: normal refresh (60 Hz) for CPU share and latency
    plot._timer.setInterval(16)  # what LivePlot uses for 60 fps
    frame_ms.clear()
    latencies.clear()
    counts["frames"] = 0
    landings: list[float] = []
    card_after: list[float] = []

    def on_card(entry: object) -> None:
        if landings:
            card_after.append(sim.motion_time() - landings.pop(0))

    window.session.trial_analysed.connect(on_card)
    for _ in range(max(1, int(args.seconds // 5))):
        landings.append(sim.trigger("cmj", pause=3.0).truth["landing_time"])
    sim_tid = sim._thread.native_id  # noqa: SLF001 - the bench measures the simulator thread to exclude it
    gui_tid = __import__("threading").main_thread().native_id
    w0, p0, s0, g0 = time.perf_counter(), time.process_time(), thread_cpu(sim_tid), thread_cpu(gui_tid)
    e0 = engine.cpu_seconds
    run_for(args.seconds)
    wall = time.perf_counter() - w0
    proc = time.process_time() - p0 - (thread_cpu(sim_tid) - s0)
    gui = thread_cpu(gui_tid) - g0
    fps_60 = counts["frames"] / wall
    st = engine.status()

    print(f"frame cost (read ring + decimate + setData + paint, synchronous): median {pct(sync_ms, 50):.2f} ms, "
          f"p99 {pct(sync_ms, 99):.2f} ms")
    print(f"  baseline in the same run, the same plot given all {len(rows)} samples per curve: median "
          f"{pct(base_ms, 50):.2f} ms ({pct(base_ms, 50) / max(pct(sync_ms, 50), 1e-9):.1f}x); "
          f"decimation alone {decim_ms:.2f} ms")
    print(f"timer-driven as fast as possible: {fps_max:.0f} fps reached (goal >= 60); tick-to-painted median "
          f"{pct(fast_frames, 50):.2f} ms, p99 {pct(fast_frames, 99):.2f} ms")
    print(f"at the normal 60 Hz refresh: {fps_60:.1f} fps, frame median {pct(frame_ms, 50):.2f} ms, "
          f"p99 {pct(frame_ms, 99):.2f} ms")
    print(f"CPU share of the GUI process (simulator thread excluded): {proc / wall * 100:.1f} % of one core "
          f"(GUI thread {gui / wall * 100:.1f} %, engine thread ~{(engine.cpu_seconds - e0) / wall * 100:.1f} % "
          "where reported)")
    print(f"sample-to-screen latency (simulator write -> painted frame), {len(latencies)} frames: "
          f"median {pct(latencies, 50):.1f} ms, p99 {pct(latencies, 99):.1f} ms (goal p99 < 50)")
    print(f"trial card on screen after the landing (online detection waits for the landing to settle, "
          f"then analysis): {', '.join(f'{x:.2f} s' for x in card_after) or 'no trial finished in time'}")
    print(f"engine: {st.achieved_rate:.0f} Hz achieved, {st.lost_samples} lost, {st.crc_errors} CRC errors")
    window.close()
    print(f"frame cost of the main window's live view at 1366x768: {frame_cost_at_scale(1, archive)}")
    print(f"  full screen on a 4K display (scale factor 2, 3840x2160 device pixels): "
          f"{frame_cost_at_scale(2, archive)}")
    runs = [r for r in (time_to_first_frame(archive) for _ in range(3)) if r is not None]
    load = os.getloadavg()[0]
    if not runs:
        print("launch to first drawn frame: failed")
    else:
        walls = sorted(r[0] for r in runs)
        cpus = sorted(r[1] for r in runs)
        print(f"launch (fresh interpreter, `forcelab --demo` path) to first drawn frame with data, {len(runs)} runs: "
              f"median {walls[len(walls) // 2]:.2f} s wall (best {walls[0]:.2f} s; goal < 2 s), "
              f"{cpus[len(cpus) // 2]:.2f} s CPU of the app process; machine load average {load:.1f} on "
              f"{os.cpu_count()} cores")


if __name__ == "__main__":
    if "--launch-child" in sys.argv:
        launch_child()
    elif "--frame-child" in sys.argv:
        frame_child()
    else:
        main()
