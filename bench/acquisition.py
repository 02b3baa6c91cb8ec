"""Acquisition benchmarks: decode throughput, CPU share, latency, and loss under a GIL-holding consumer.

Run with the project's venv::

    python bench/acquisition.py                # full run: the stall test lasts 10 minutes
    python bench/acquisition.py --minutes 1    # shorter stall test

What it prints:

1. Decode throughput of :class:`BinaryDecoder` alone and of the whole engine path without I/O
   (decode + calibrate + plates + ring buffer), in samples/s and as a multiple of 8 channels x 10 kHz
   real time (goal >= 50x).
2. Live through a real pty at 8 ch x 2 kHz: CPU share of the engine thread (``time.thread_time`` inside
   the thread / wall time; goal < 10 % of one core) and latency from the device's write to the sample
   being in the ring buffer, median and 99th percentile (goal p99 < 20 ms).
3. The same for ``--minutes`` while a consumer thread holds the GIL in a pure-Python loop for 100 ms
   every second (and a GUI-like reader pulls the ring at 30 Hz): samples lost (goal 0), plus latency.

The device is a separate process (``--writer``), as real hardware would be: it paces frames of 10
samples in real time into the pty master, writes non-blocking, and counts samples that did not fit in
the kernel buffer (a device with a full USB FIFO drops them the same way). Write times come from
``time.monotonic`` (CLOCK_MONOTONIC, shared by both processes).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import tty
from pathlib import Path
from typing import Any

import numpy as np

from forcelab.acquisition.calibration import Calibration
from forcelab.acquisition.engine import AcquisitionEngine, EngineBlock
from forcelab.acquisition.process_transport import ProcessTransport, TransportSpec
from forcelab.devices.binary_decoder import BinaryDecoder
from forcelab.devices.plates import PlateLayout, PlateMap
from forcelab.devices.protocol import encode_samples
from forcelab.devices.serial_transport import SerialTransport

CHANNELS = 8
PER_FRAME = 10
XY = ((-0.2, -0.3), (0.2, -0.3), (0.2, 0.3), (-0.2, 0.3))


def plate_map() -> PlateMap:
    return PlateMap(CHANNELS, (PlateLayout("left", (0, 1, 2, 3), XY), PlateLayout("right", (4, 5, 6, 7), XY)))


def calibration() -> Calibration:
    return Calibration((0.005,) * CHANNELS, (100_000.0,) * CHANNELS, device_serial="BENCH")


def stream(start: int, n: int, rate: float, seed: int = 0) -> bytes:
    """``n`` samples of 8 noisy channels from counter ``start`` as binary protocol frames."""
    rng = np.random.default_rng(seed + start)
    counts = (100_000 + 40_000 * np.sin(np.arange(start, start + n)[:, None] / rate * 2.0)
              + rng.normal(0, 200, (n, CHANNELS))).astype(np.int32)
    micros = (np.round(np.arange(start, start + n) * 1e6 / rate).astype(np.int64) % (1 << 32)).astype(np.uint32)
    return encode_samples(start, micros, counts, samples_per_frame=PER_FRAME)


# ------------------------------------------------------------------------------------- the device


def run_writer(rate: float, seconds: float, out: str) -> int:
    """The simulated device process: pace frames into a pty, non-blocking, count what did not fit."""
    total = int(seconds * rate) // PER_FRAME * PER_FRAME
    # Encode the whole stream before starting: encoding while streaming would make the "device" late
    # and then burst, which measures the bench, not the host.
    seg = int(rate * 10) // PER_FRAME * PER_FRAME
    data = b"".join(stream(s0, min(seg, total - s0), rate) for s0 in range(0, total, seg))
    ends = np.flatnonzero(np.frombuffer(data, np.uint8) == 0) + 1  # byte end of each frame
    nframes = len(ends)
    master, slave = os.openpty()
    tty.setraw(master)
    tty.setraw(slave)
    os.set_blocking(master, False)
    sys.stdout.write(os.ttyname(slave) + "\n")
    sys.stdout.flush()
    sys.stdin.readline()  # the host opened the port
    t0 = time.monotonic()
    first: list[int] = []
    end: list[int] = []
    wtime: list[float] = []
    dropped = 0
    drop_late: list[float] = []  # for each drop: how late the device itself was (s)
    max_late = 0.0
    pending_delim = False
    f_done = 0
    frame_period = PER_FRAME / rate
    while f_done < nframes:
        due = min(nframes, int((time.monotonic() - t0) * rate // PER_FRAME))
        if due <= f_done:
            time.sleep(0.0005)
            continue
        b0 = 0 if f_done == 0 else int(ends[f_done - 1])
        chunk = data[b0 : int(ends[due - 1])]
        if pending_delim:
            chunk = b"\x00" + chunk
        try:
            written = os.write(master, chunk)
        except BlockingIOError:
            written = 0
        now = time.monotonic()
        late = now - (t0 + (f_done + 1) * frame_period)  # the oldest frame in this write was due then
        max_late = max(max_late, late)
        if pending_delim:
            pending_delim = written == 0
            written = max(0, written - 1)
        full = int(np.searchsorted(ends[f_done:due] - b0, written, side="right"))
        if full:
            first.append(f_done * PER_FRAME)
            end.append((f_done + full) * PER_FRAME)
            wtime.append(now)
        lost_frames = due - f_done - full
        if lost_frames:
            dropped += lost_frames * PER_FRAME
            drop_late.append(late)
            pending_delim = True  # a partial frame may be on the wire: close it off
        f_done = due
    time.sleep(1.0)  # let the host drain the buffer before the device goes away
    np.savez(out, first=np.array(first), end=np.array(end), time=np.array(wtime),
             dropped=dropped, total=total, t0=t0, drop_late=np.array(drop_late), max_late=max_late)
    os.close(master)
    os.close(slave)
    return 0


# --------------------------------------------------------------------------------------- the host


def bench_decode() -> None:
    rate = 10_000.0
    n = 200_000
    data = stream(0, n, rate)
    chunk = 16384
    pieces = [data[i : i + chunk] for i in range(0, len(data), chunk)]
    best = float("inf")
    for _ in range(3):
        dec = BinaryDecoder(CHANNELS)
        t = time.perf_counter()
        got = sum(b.n for p in pieces for b in dec.feed(p))
        best = min(best, time.perf_counter() - t)
        assert got == n and dec.stats.samples_lost == 0, (got, dec.stats)
    sps = n / best
    print(f"decode only   : {sps:12,.0f} samples/s  = {sps / rate:6.1f}x real time of 8 ch x 10 kHz"
          f"  ({len(data) / best / 1e6:.1f} MB/s, {chunk} B reads)")

    class Memory:
        reconnects = 0
        bytes_read = 0
        last_error = ""
        state = "connected"

        def __init__(self) -> None:
            self.i = 0

        def open(self) -> None:
            self.i = 0

        def close(self) -> None:
            pass

        def read(self) -> bytes:
            if self.i >= len(pieces):
                return b""
            self.i += 1
            return pieces[self.i - 1]

        def drain_events(self) -> list[object]:
            return []

    best = float("inf")
    for _ in range(3):
        src = Memory()
        eng = AcquisitionEngine(src, BinaryDecoder(CHANNELS), rate=rate, plate_map=plate_map(),
                                calibration=calibration(), ring_seconds=30)
        t = time.perf_counter()
        while src.i < len(pieces):
            eng.step()
        best = min(best, time.perf_counter() - t)
        assert eng.status().samples == n
    sps = n / best
    print(f"engine path   : {sps:12,.0f} samples/s  = {sps / rate:6.1f}x real time of 8 ch x 10 kHz"
          "  (decode + calibrate + plates/CoP + ring, no I/O)")


def start_writer(rate: float, seconds: float, out: str) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, __file__, "--writer", "--rate", str(rate), "--seconds", str(seconds), "--out", out],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


def live(rate: float, seconds: float, *, stall: bool, process: bool = False, nice: int | None = None) -> dict[str, Any]:
    """Stream for ``seconds`` through a pty; return loss, CPU and latency figures."""
    with tempfile.TemporaryDirectory() as tmp:
        out = str(Path(tmp) / "writer.npz")
        proc, port = start_writer(rate, seconds, out)
        source: SerialTransport | ProcessTransport
        if process:
            source = ProcessTransport(TransportSpec(port=port, silent_after=5.0, nice=nice))
        else:
            source = SerialTransport(port, silent_after=5.0)
        engine = AcquisitionEngine(source, BinaryDecoder(CHANNELS), rate=rate, nice=nice,
                                   plate_map=plate_map(), calibration=calibration(), ring_seconds=60)
        arrivals: list[tuple[float, int]] = []

        def on_block(b: EngineBlock) -> None:
            arrivals.append((time.monotonic(), int(b.rows[-1, 1])))

        engine.add_block_listener(on_block)
        engine.start()
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
        done = threading.Event()
        stalls = [0]
        stall_starts: list[float] = []
        pulled = [0, 0]

        def consumer() -> None:  # a GUI thread: pulls at 30 Hz, and holds the GIL 100 ms each second
            pos = 0
            next_stall = time.monotonic() + 1.0
            while not done.is_set():
                rows, pos, missed = engine.ring.since(pos)
                pulled[0] += len(rows)
                pulled[1] += missed
                if stall and time.monotonic() >= next_stall:
                    stall_starts.append(time.monotonic())
                    end = time.monotonic() + 0.1
                    x = 0
                    while time.monotonic() < end:  # pure Python: never releases the GIL voluntarily
                        x += 1
                    stalls[0] += 1
                    next_stall += 1.0
                time.sleep(1 / 30)

        th = threading.Thread(target=consumer, daemon=True)
        def child_cpu() -> float:
            if not isinstance(source, ProcessTransport):
                return 0.0
            before = source.child_cpu_seconds
            source.request_cpu()
            deadline = time.monotonic() + 1.0
            while source.child_cpu_seconds == before and time.monotonic() < deadline:
                time.sleep(0.01)
            return source.child_cpu_seconds

        wall0 = time.monotonic()
        cpu0 = engine.cpu_seconds
        child0 = child_cpu()
        th.start()
        proc.wait()
        wall = time.monotonic() - wall0
        cpu = engine.cpu_seconds - cpu0
        child = child_cpu() - child0
        w = np.load(out)
        sent = int(w["total"]) - int(w["dropped"])
        deadline = time.monotonic() + 3
        while engine.status().samples < sent and time.monotonic() < deadline:
            time.sleep(0.05)
        done.set()
        th.join()
        engine.stop()
        st = engine.status()
        # latency: for each sample, arrival of the first block holding it minus the write of its frame
        arr = np.array(arrivals)
        a_time, a_last = arr[:, 0], arr[:, 1].astype(np.int64)
        k = np.searchsorted(a_last, w["end"] - 1)  # first block holding each chunk's last sample
        seen = k < len(a_time)
        lat_ms = (a_time[k[seen]] - w["time"][seen]) * 1e3
        # where did the engine fall behind? the longest pauses between reads that delivered data, and
        # for each loss, how long after the last stall started (inside [0, 0.3] s points at the GIL)
        pauses = np.diff(a_time)
        worst = np.argsort(pauses)[-3:][::-1]
        ss = np.array(stall_starts) if stall_starts else np.array([-np.inf])
        def since_stall(t: float) -> float:
            prior = ss[ss <= t]
            return float(t - prior[-1]) if prior.size else float("inf")
        loss_phase = [since_stall(g.wall_time) for g in engine.gaps() if g.kind == "lost"]
        return {
            "seconds": wall, "total": int(w["total"]), "writer_dropped": int(w["dropped"]), "sent": sent,
            "received": st.samples, "engine_lost": st.lost_samples, "crc": st.crc_errors,
            "malformed": st.malformed, "cpu_share": cpu / wall, "child_cpu_share": child / wall, "lat_median_ms": float(np.median(lat_ms)),
            "lat_p99_ms": float(np.percentile(lat_ms, 99)), "lat_max_ms": float(lat_ms.max()),
            "stalls": stalls[0], "ring_missed_by_reader": pulled[1],
            "longest_pauses_ms": [float(pauses[i] * 1e3) for i in worst],
            "longest_pauses_after_stall_s": [since_stall(float(a_time[i])) for i in worst],
            "loss_events_after_stall_s": loss_phase,
            "device_max_late_ms": float(w["max_late"]) * 1e3,
            "device_late_at_drops_ms": [float(x) * 1e3 for x in w["drop_late"]],
        }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=10.0, help="length of the stall test (default 10)")
    ap.add_argument("--live-seconds", type=float, default=30.0, help="length of the no-stall live run")
    ap.add_argument("--rate", type=float, default=2000.0)
    ap.add_argument("--json", type=str, default="", help="also write the figures to this JSON file")
    ap.add_argument("--switch-interval", type=float, default=None,
                    help="sys.setswitchinterval in ms for this run (default: Python's 5 ms)")
    ap.add_argument("--nice", type=int, default=None,
                    help="niceness for the engine thread and the reading process, e.g. -10 (needs privileges)")
    ap.add_argument("--mode", choices=("thread", "process", "both"), default="both",
                    help="engine reading the port in a thread, in a child process, or both (default)")
    ap.add_argument("--writer", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--seconds", type=float, default=0.0, help=argparse.SUPPRESS)
    ap.add_argument("--out", type=str, default="", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.writer:
        return run_writer(args.rate, args.seconds, args.out)
    if args.switch_interval is not None:
        sys.setswitchinterval(args.switch_interval / 1000.0)

    print(f"forcelab acquisition bench  (python {sys.version.split()[0]}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.2f} at start, "
          f"switch interval {sys.getswitchinterval() * 1e3:.0f} ms, engine niceness {args.nice or 0})")
    bench_decode()
    figures: dict[str, object] = {}
    runs = [("live (thread)", args.live_seconds, False, False)]
    if args.mode in ("thread", "both"):
        runs.append(("stall (thread)", args.minutes * 60, True, False))
    if args.mode in ("process", "both"):
        runs.append(("stall (process)", args.minutes * 60, True, True))
    for label, secs, stall, process in runs:
        r = live(args.rate, secs, stall=stall, process=process, nice=args.nice)
        figures[label] = r
        what = "no consumer stall" if not stall else f"consumer holds the GIL 100 ms/s ({r['stalls']} stalls)"
        print(f"\n{label}: 8 ch x {args.rate:.0f} Hz through a pty for {r['seconds']:.0f} s, {what}")
        print(f"  samples       : {r['total']:,} generated, {r['writer_dropped']:,} did not fit the port "
              f"(device side), {r['sent']:,} sent, {r['received']:,} in the ring")
        print(f"  lost          : {r['engine_lost']:,} (counter gaps seen by the engine); "
              f"CRC errors {r['crc']}, malformed {r['malformed']}")
        cpu_note = "thread_time of the engine thread"
        if process:
            cpu_note += f" + {100 * r['child_cpu_share']:.1f} % in the reading process"
        print(f"  engine CPU    : {100 * (r['cpu_share'] + r['child_cpu_share']):.1f} % of one core ({cpu_note})")
        print(f"  latency       : median {r['lat_median_ms']:.2f} ms, p99 {r['lat_p99_ms']:.2f} ms, "
              f"max {r['lat_max_ms']:.2f} ms (device write -> row in ring buffer)")
        pauses = ", ".join(f"{p:.0f} ms" + (f" ({a:.2f} s after a stall began)" if stall else "")
                           for p, a in zip(r["longest_pauses_ms"], r["longest_pauses_after_stall_s"], strict=True))
        print(f"  longest pauses: {pauses} between reads that brought data")
        print(f"  device process: at most {r['device_max_late_ms']:.0f} ms late writing a frame (OS scheduling)")
        if r["device_late_at_drops_ms"]:
            starved = sum(1 for x in r["device_late_at_drops_ms"] if x > 150)
            print(f"  drop events   : {len(r['device_late_at_drops_ms'])}, of which {starved} came right after the "
                  "device process itself was > 150 ms late (a burst larger than the ~16 KiB pty buffer; "
                  "hardware samples on time, so those measure the bench's starved device, not the host)")
        if r["loss_events_after_stall_s"]:
            print("  loss events   : " + ", ".join(f"{a:.2f} s after a stall began"
                                                 for a in r["loss_events_after_stall_s"]))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
