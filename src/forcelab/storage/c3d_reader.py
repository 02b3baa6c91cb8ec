"""Force-plate channels of a C3D file (motion-capture labs: Vicon, Qualisys, Motion Analysis, ...).

C3D keeps the plates' analog channels beside the markers. The ``FORCE_PLATFORM`` parameter group says
how many plates were used (``USED``), what kind each is (``TYPE``) and which analog channels are its
components (``CHANNEL``, 1-based, one column per plate); ``ANALOG:RATE`` is the analog sample rate and
``ANALOG:UNITS`` each channel's unit. The file is read with ``ezc3d`` (the optional extra
``forcelab[c3d]``), which applies ``ANALOG:SCALE``, ``GEN_SCALE`` and ``OFFSET``; this module only picks
the vertical force of each plate:

* type 1 and 2 (``Fx Fy Fz Mx My Mz`` or ``Fx Fy Fz Px Py Tz``): the third channel;
* type 3 (Kistler, eight channels ``fx12 fx34 fy14 fy23 fz1 fz2 fz3 fz4``): the sum of channels 5-8;
* type 4 (six channels and a 6 x 6 ``CAL_MATRIX``): the third row of the matrix times the six channels.

C3D plate axes point *into* the plate, so many files store the vertical force negative under load;
forcelab reports ground reaction force positive up, so a plate whose largest reading is negative is
negated (and the notes say so). See ``docs/import-formats.md``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from forcelab.analysis.types import ForceTrace
from forcelab.storage.readers import ForceFileError, Recording, _negative_notes

log = logging.getLogger(__name__)

#: Plate types whose vertical force this reader can take (see the module docstring).
SUPPORTED_TYPES = (1, 2, 3, 4)
_NEWTONS = ("n", "newton", "newtons")


def is_c3d(path: Path) -> bool:
    """True for a ``.c3d`` name, or a file that starts like one: header key 0x50 in byte 2, and the
    processor type (84 Intel, 85 DEC, 86 MIPS) in byte 4 of the parameter block that byte 1 points to."""
    if path.suffix.lower() == ".c3d":
        return True
    try:
        with open(path, "rb") as fh:
            head = fh.read(2)
            if len(head) != 2 or head[1] != 0x50 or head[0] < 2:
                return False
            fh.seek((head[0] - 1) * 512)
            block = fh.read(4)
    except OSError:
        return False
    return len(block) == 4 and block[3] in (84, 85, 86)


def _value(params: dict[str, Any], group: str, name: str, path: Path) -> np.ndarray:
    try:
        return np.asarray(params[group][name]["value"])
    except KeyError:
        raise ForceFileError(f"{path}: the C3D file has no {group}:{name} parameter, so its force plates "
                             "cannot be found") from None


def read_c3d(path: Path, *, rate: float | None = None, plates: Sequence[int] | None = None) -> Recording:
    """The vertical force of one plate (total) or two plates (left = first, right = second) of a C3D file.

    ``plates`` chooses plates by 1-based number when the file has more than two. ``rate`` is checked
    against ``ANALOG:RATE`` (the file's rate is used).
    """
    try:
        import ezc3d
    except ImportError:
        raise ForceFileError(f"{path}: reading C3D files needs ezc3d: pip install 'forcelab[c3d]'") from None
    if not path.is_file():
        raise ForceFileError(f"{path}: no such file")
    try:
        c3d = ezc3d.c3d(str(path))
    except (RuntimeError, ValueError, OSError) as exc:
        raise ForceFileError(f"{path}: not a readable C3D file ({exc})") from None
    params = c3d["parameters"]
    fs = float(np.ravel(_value(params, "ANALOG", "RATE", path))[0])
    if not fs > 0:
        raise ForceFileError(f"{path}: ANALOG:RATE is {fs:g}; the analog channels have no sample rate")
    if rate is not None and abs(rate - fs) > 0.01 * fs:
        raise ForceFileError(f"{path}: --rate {rate:g} Hz contradicts the file's ANALOG:RATE of {fs:g} Hz")
    used = int(np.ravel(_value(params, "FORCE_PLATFORM", "USED", path))[0])
    if used < 1:
        raise ForceFileError(f"{path}: FORCE_PLATFORM:USED is {used}: the file has no force plate")
    types = np.ravel(_value(params, "FORCE_PLATFORM", "TYPE", path)).astype(int)
    channel = np.asarray(_value(params, "FORCE_PLATFORM", "CHANNEL", path), dtype=float).astype(int)
    if channel.ndim == 1:
        channel = channel[:, None]
    analogs = np.asarray(c3d["data"]["analogs"], dtype=np.float64)[0]  # (channels, samples)
    labels = [str(x).strip() for x in params["ANALOG"].get("LABELS", {}).get("value", [])]
    units = [str(x).strip() for x in params["ANALOG"].get("UNITS", {}).get("value", [])]
    chosen = list(plates) if plates else list(range(1, used + 1))
    if len(chosen) > 2:
        raise ForceFileError(f"{path}: has {used} force plates; choose one or two with --plates (e.g. --plates 1,2)")
    bad = [p for p in chosen if not 1 <= p <= used]
    if bad:
        raise ForceFileError(f"{path}: has {used} force plate(s); plate {bad[0]} does not exist")
    forces: list[np.ndarray] = []
    names: list[str] = []
    notes: list[str] = []
    for p in chosen:
        f, name = _vertical_force(path, params, p, int(types[p - 1]), channel[:, p - 1], analogs, labels, units)
        peak = int(np.argmax(np.abs(f)))
        if f[peak] < 0:
            f = -f
            notes.append(f"plate {p}: vertical force is negative under load in the file (C3D plate axes point "
                         "into the plate); negated to ground reaction force, positive up")
        forces.append(f)
        names.append(name)
    if len(forces) == 1:
        trace = ForceTrace(rate=fs, total=forces[0])
        columns = {"total": names[0]}
    else:
        trace = ForceTrace.from_plates(fs, forces[0], forces[1])
        columns = {"left": names[0], "right": names[1]}
        notes.append(f"plate {chosen[0]} is reported as left and plate {chosen[1]} as right; the file does not say "
                     "which foot stood on which plate")
    notes.extend(_negative_notes(path, trace))
    log.debug("%s: %d samples at %g Hz from plates %s", path, trace.n, fs, chosen)
    return Recording(trace=trace, source=path, layout="c3d", time=None, notes=tuple(notes), columns=columns)


def _vertical_force(path: Path, params: dict[str, Any], plate: int, kind: int, channels: np.ndarray,
                    analogs: np.ndarray, labels: list[str], units: list[str]) -> tuple[np.ndarray, str]:
    """The vertical force of ``plate`` (newtons, as stored) and a description of where it came from."""
    if kind not in SUPPORTED_TYPES:
        raise ForceFileError(f"{path}: force plate {plate} is of C3D type {kind}; forcelab reads types "
                             f"{', '.join(map(str, SUPPORTED_TYPES))}")
    need = 8 if kind == 3 else 6
    chans = [int(c) for c in channels[:need]]
    if len(chans) < need or any(not 1 <= c <= analogs.shape[0] for c in chans):
        raise ForceFileError(f"{path}: FORCE_PLATFORM:CHANNEL of plate {plate} names analog channels {chans}, but "
                             f"the file has {analogs.shape[0]} analog channels")

    def label(c: int) -> str:
        return f"analog channel {c}" + (f" ({labels[c - 1]!r})" if c - 1 < len(labels) else "")

    def check_newtons(c: int) -> None:
        unit = units[c - 1] if c - 1 < len(units) else ""
        if unit and unit.lower() not in _NEWTONS:
            raise ForceFileError(f"{path}: plate {plate}'s vertical force is {label(c)}, in {unit!r}; forcelab "
                                 "reads forces in newtons (N)")

    if kind in (1, 2):
        check_newtons(chans[2])
        return analogs[chans[2] - 1].copy(), f"plate {plate} Fz, {label(chans[2])}"
    if kind == 3:
        for c in chans[4:8]:
            check_newtons(c)
        return analogs[[c - 1 for c in chans[4:8]]].sum(axis=0), f"plate {plate} fz1+fz2+fz3+fz4, channels {chans[4:8]}"
    cal = np.asarray(_value(params, "FORCE_PLATFORM", "CAL_MATRIX", path), dtype=np.float64)
    try:
        matrix = cal[:, :, plate - 1] if cal.ndim == 3 else cal.reshape(6, 6)
    except (ValueError, IndexError):
        raise ForceFileError(f"{path}: FORCE_PLATFORM:CAL_MATRIX has shape {cal.shape}; a type-4 plate needs "
                             "a 6 x 6 matrix per plate") from None
    return matrix[2] @ analogs[[c - 1 for c in chans]], f"plate {plate} CAL_MATRIX row 3 x channels {chans}"
