"""How much the simulated plates cost: CPU share of the device thread, and generation throughput.

Run: ``.venv/bin/python bench/simulator.py [--seconds S]``

1. Generation throughput: one second of samples made as the device makes them (athlete force ->
   cells -> counts, then encoded into frames), in the device's block sizes, printed as a multiple of
   real time for 8 channels at 2 kHz and 10 kHz, binary and text.
2. CPU share of the running device: the simulator runs in this process while a host in a CHILD
   process opens the port, sends START and reads everything; this process's CPU time over the run
   (only the device thread is busy here) divided by wall time.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

from forcelab.simulation.motion import Script, SimMotion
from forcelab.simulation.simulator import SimulatedPlates
from forcelab.simulation.stream import SampleStream
from forcelab.simulation.wire import WireEncoder, samples_per_unit

HOST = r"""
import sys, time, serial
from forcelab.devices.protocol import encode_command, Start
port, seconds, proto = sys.argv[1], float(sys.argv[2]), sys.argv[3]
ser = serial.Serial(port, timeout=0.01)
time.sleep(0.3)
if proto == "binary":
    ser.write(encode_command(Start(seq=1)))
n = 0
end = time.monotonic() + seconds
while time.monotonic() < end:
    n += len(ser.read(1 << 16))
print(n)
"""


def throughput(rate: int, protocol: str, seconds: float = 2.0) -> float:
    """Real-time multiple of making ``seconds`` of samples the way the device does (batched
    :class:`SampleStream`, released in 1 ms ticks), without a port."""
    motion = SimMotion(channels=8, noise=2.0, seed=1)
    motion.run_script(Script(trials=("cmj", "dj", "imtp"), repeat=True), now=0.0)
    enc = WireEncoder(protocol, 8, samples_per_unit(rate, 8))
    stream = SampleStream(motion, enc, rate=rate, t0=0.0, t_boot=0.0, t_motion0=0.0)
    n = 0
    t0 = time.perf_counter()
    for tick in range(int(seconds * 1000)):
        n += sum(u.samples for u in stream.due(tick / 1000.0))
    elapsed = time.perf_counter() - t0
    assert n >= (seconds - 0.01) * rate
    return seconds / elapsed


def cpu_share(rate: int, protocol: str, seconds: float) -> tuple[float, int, int]:
    """CPU share of one core used by the device thread while a child process reads the port."""
    sim = SimulatedPlates(rate=rate, protocol=protocol, noise=2.0, seed=1, boot_delay=0.05,
                          script=Script(trials=("cmj", "sj", "dj", "imtp"), repeat=True))
    sim.start()
    try:
        host = subprocess.Popen([sys.executable, "-c", HOST, sim.port, str(seconds + 0.5), protocol],
                                stdout=subprocess.PIPE, text=True, env=dict(os.environ))
        time.sleep(0.5)  # host opens, device boots, streaming starts
        c0, w0 = time.process_time(), time.monotonic()
        time.sleep(seconds)
        cpu, wall = time.process_time() - c0, time.monotonic() - w0
        out, _ = host.communicate(timeout=seconds + 10)
        st = sim.stats
    finally:
        sim.stop()
    return cpu / wall, int(out.strip() or 0), st.samples_overrun


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=5.0, help="length of each CPU-share run")
    args = ap.parse_args()
    print("generation + encoding throughput (multiple of real time, 8 channels):")
    for protocol in ("binary", "text"):
        for rate in (2000, 10000):
            print(f"  {protocol:6s} {rate:5d} Hz: {throughput(rate, protocol):7.1f}x real time")
    print(f"device thread CPU share of one core over {args.seconds:.0f} s, host reading in a child process:")
    for protocol in ("binary", "text"):
        for rate in (1000, 2000, 10000):
            share, nbytes, overrun = cpu_share(rate, protocol, args.seconds)
            print(f"  {protocol:6s} {rate:5d} Hz: {100 * share:5.1f} % CPU, host read {nbytes / 1e6:6.2f} MB, "
                  f"overrun samples {overrun}")


if __name__ == "__main__":
    main()
