"""Simulated athletes and plates: synthetic force traces with known truth, and a virtual device.

Nothing in the host I/O, acquisition, analysis or storage layers imports this package; it is used by the
tests, the benchmarks, ``forcelab simulate`` and the app's demo. The simulated plates are a device of their
own: they speak the wire protocol over a pseudo-terminal exactly as a real board does.
"""
