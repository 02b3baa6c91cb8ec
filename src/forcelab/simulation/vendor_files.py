"""Write a synthetic two-plate trace in the export layouts of commercial systems (for tests and benches).

Each writer lays a :class:`~forcelab.analysis.types.ForceTrace` out as ``docs/import-formats.md``
describes the vendor's export, so the readers in :mod:`forcelab.storage.vendor_readers` and
:mod:`forcelab.storage.c3d_reader` are tested on files whose forces, rate and plates are known exactly.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from forcelab.analysis.types import ForceTrace

#: Fz cross-talk from the Fx channel (N per V) in the type-4 calibration matrix of :func:`write_c3d`.
CROSS_TALK = 40.0


def _plates(trace: ForceTrace) -> tuple[np.ndarray, np.ndarray]:
    if trace.left is None or trace.right is None:
        raise ValueError("the vendor layouts are written from a two-plate trace")
    return trace.left, trace.right


def _time(trace: ForceTrace) -> np.ndarray:
    return np.arange(trace.n) / trace.rate


def write_forcedecks(trace: ForceTrace, path: Path) -> Path:
    """ForceDecks raw trace: a metadata block, then ``Time,Z Left,Z Right,Combined`` in s and N."""
    left, right = _plates(trace)
    data = np.column_stack([_time(trace), left, right, left + right])
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(f"Test Type,CMJ\nRecording Date,2026-03-02 09:15:00\nSample Rate,{trace.rate:g}\n\n")
        fh.write("Time,Z Left,Z Right,Combined\n")
        np.savetxt(fh, data, delimiter=",", fmt=["%.4f", "%.6f", "%.6f", "%.6f"])
    return path


def write_hawkin(trace: ForceTrace, path: Path) -> Path:
    """Hawkin force-time CSV: ``Time (s)``, left, right, combined force (N), then velocity, displacement, power."""
    left, right = _plates(trace)
    total = left + right
    n = trace.n
    data = np.column_stack([_time(trace), left, right, total, np.zeros(n), np.zeros(n), np.zeros(n)])
    header = "Time (s),LeftForce (N),RightForce (N),CombinedForce (N),Velocity (m/s),Displacement (m),Power (W)"
    np.savetxt(path, data, delimiter=",", header=header, comments="", fmt="%.6f")
    return path


def write_amti_bertec(trace: ForceTrace, path: Path) -> Path:
    """AMTI/Bertec text: metadata lines with the rate, then tab-separated ``Fx1..Mz1 Fx2..Mz2`` (no time)."""
    left, right = _plates(trace)
    n = trace.n
    zeros = np.zeros(n)
    cols = []
    for fz in (left, right):
        cols += [0.01 * fz, -0.02 * fz, fz, zeros, zeros, zeros]
    names = [f"{c}{p}" for p in (1, 2) for c in ("Fx", "Fy", "Fz", "Mx", "My", "Mz")]
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(f"Acquisition: forcelab synthetic\nSample Rate: {trace.rate:g} Hz\nPlates: 2\n")
        fh.write("\t".join(f"{c} (N)" if c.startswith("F") else f"{c} (N.m)" for c in names) + "\n")
        np.savetxt(fh, np.column_stack(cols), delimiter="\t", fmt="%.6f")
    return path


def write_c3d(trace: ForceTrace, path: Path, *, marker_rate: float = 100.0, plate_type: int = 2) -> Path:
    """C3D with two force plates and one dummy marker.

    ``plate_type`` 2: six channels in N; 3: Kistler-style eight channels (fz1..fz4 a quarter each); 4: six
    channels in V with a ``CAL_MATRIX`` of 500 N/V on Fz (and a cross-talk term from Fx). The vertical force
    is stored negative (plate axes point into the plate, as many labs' files do). Needs ezc3d.
    """
    import ezc3d

    left, right = _plates(trace)
    ratio = int(round(trace.rate / marker_rate))
    frames = trace.n // ratio
    n = frames * ratio
    c = ezc3d.c3d()
    c["parameters"]["POINT"]["RATE"]["value"] = [marker_rate]
    c["parameters"]["POINT"]["LABELS"]["value"] = ["marker"]
    c["data"]["points"] = np.ones((4, 1, frames))
    c["parameters"]["ANALOG"]["RATE"]["value"] = [trace.rate]
    per = 8 if plate_type == 3 else 6
    labels: list[str] = []
    rows: list[np.ndarray] = []
    for p, fz in ((1, left[:n]), (2, right[:n])):
        if plate_type == 2:
            labels += [f"{c}{p}" for c in ("Fx", "Fy", "Fz", "Mx", "My", "Mz")]
            rows += [0.01 * fz, np.zeros(n), -fz, np.zeros(n), np.zeros(n), np.zeros(n)]
        elif plate_type == 4:
            labels += [f"{c}{p}" for c in ("Fx", "Fy", "Fz", "Mx", "My", "Mz")]
            fx_volts = 0.001 * fz
            rows += [fx_volts, np.zeros(n), (-fz - CROSS_TALK * fx_volts) / 500.0, np.zeros(n), np.zeros(n),
                     np.zeros(n)]
        else:
            labels += [f"{c}{p}" for c in ("fx12", "fx34", "fy14", "fy23", "fz1", "fz2", "fz3", "fz4")]
            rows += [np.zeros(n)] * 4 + [-0.25 * fz] * 4
    c["parameters"]["ANALOG"]["LABELS"]["value"] = labels
    c["parameters"]["ANALOG"]["UNITS"]["value"] = ["V" if plate_type == 4 else "N"] * len(labels)
    c["data"]["analogs"] = np.asarray(rows)[None, :, :]
    c.add_parameter("FORCE_PLATFORM", "USED", [2])
    c.add_parameter("FORCE_PLATFORM", "TYPE", [plate_type, plate_type])
    c.add_parameter("FORCE_PLATFORM", "CHANNEL", np.arange(1, 2 * per + 1).reshape(2, per).T.tolist())
    c.add_parameter("FORCE_PLATFORM", "ZERO", [1, 0])
    c.add_parameter("FORCE_PLATFORM", "CORNERS", np.zeros((3, 4, 2)).tolist())
    c.add_parameter("FORCE_PLATFORM", "ORIGIN", np.zeros((3, 2)).tolist())
    if plate_type == 4:
        cal = np.zeros((6, 6, 2))
        for k in range(2):
            cal[:, :, k] = np.diag([1000.0, 1000.0, 500.0, 100.0, 100.0, 100.0])
            cal[2, 0, k] = CROSS_TALK  # Fz picks up Fx: the matrix must be applied, not just its diagonal
        c.add_parameter("FORCE_PLATFORM", "CAL_MATRIX", cal.tolist())
    c.write(str(path))
    return path
