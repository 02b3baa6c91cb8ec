"""Text exports of commercial force-plate systems: VALD ForceDecks, Hawkin Dynamics, AMTI and Bertec.

Each layout is a header row (found among the first :data:`HEADER_SEARCH_LINES` lines, after any block of
metadata lines) over delimited numbers, so each reader only says which header row and which columns are
its own; splitting, parsing, rate from the time column, padding and the exact error messages are the
shared machinery of :mod:`forcelab.storage.readers`. The layouts are described in
``docs/import-formats.md`` (where a layout is inferred from public descriptions rather than a vendor
specification, that page says so).

Called through :func:`forcelab.storage.readers.read_force_file` (``layout="forcedecks"``, ``"hawkin"``,
``"amti-bertec"``, or detected by :func:`detect`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from forcelab.storage.readers import (
    _TIME_NAMES,
    ForceFileError,
    Recording,
    _check_force_unit,
    _chosen_columns,
    _columns_text,
    _finish,
    _norm,
    _parse,
    _sniff_delimiter,
    _split,
    _Table,
    _table_from,
)

#: How far down a file its header row may sit (below a metadata block).
HEADER_SEARCH_LINES = 60
#: Largest allowed difference between a Hawkin/ForceDecks combined column and left + right.
COMBINED_TOLERANCE_N = 1.0
COMBINED_TOLERANCE_REL = 0.005

_HAWKIN_LEFT = ("force_left", "leftforce", "left force")
_HAWKIN_RIGHT = ("force_right", "rightforce", "right force")
_HAWKIN_COMBINED = ("force_combined", "combinedforce", "combined force")
_VALD_LEFT = ("z left", "left z", "fz left")
_VALD_RIGHT = ("z right", "right z", "fz right")
_VALD_COMBINED = ("z combined", "combined", "z total", "combined z")
_RATE_KEYS = ("sample rate", "sampling rate", "sampling frequency", "sample frequency", "rate", "frequency",
              "samples per second", "sample rate (hz)", "sampling rate (hz)")
# Vertical force of a plate in AMTI / Bertec exports: Fz, Fz1, FZ_2, FP1 Fz, Fz (plate 2), Plate 1 Fz ...
_FZ_RE = re.compile(r"^(?:(?:fp|plate|force ?plate)[\s_.:-]*(?P<a>\d+)[\s_.:-]*)?fz(?:[\s_.:-]*(?P<b>\d+))?$")
_FX_RE = re.compile(r"^(?:(?:fp|plate|force ?plate)[\s_.:-]*\d+[\s_.:-]*)?fx(?:[\s_.:-]*\d+)?$")


def _names(cells: Sequence[str]) -> list[str]:
    return [_norm(c)[0] for c in cells]


def _header_index(lines: list[str], accept: object) -> int | None:
    """Index of the first of the first lines whose normalised cells satisfy ``accept(names)``."""
    assert callable(accept)
    for i, line in enumerate(lines[:HEADER_SEARCH_LINES]):
        if line.strip() and accept(_names(_split(line, _sniff_delimiter(line)))):
            return i
    return None


def _is_hawkin(names: list[str]) -> bool:
    return any(n in _HAWKIN_LEFT for n in names) and any(n in _HAWKIN_RIGHT for n in names) and any(
        n in _HAWKIN_COMBINED for n in names)


def _is_forcedecks(names: list[str]) -> bool:
    return any(n in _VALD_LEFT for n in names) and any(n in _VALD_RIGHT for n in names)


def _plate_of_fz(name: str) -> int | None:
    """Plate number of an AMTI/Bertec vertical-force column (1 when unnumbered), else ``None``."""
    m = _FZ_RE.match(name)
    if m is None:
        return None
    return int(m.group("a") or m.group("b") or 1)


def _is_amti_bertec(names: list[str]) -> bool:
    return any(_plate_of_fz(n) is not None for n in names) and any(_FX_RE.match(n) for n in names)


def detect(lines: list[str]) -> str | None:
    """The vendor layout of a text file, or ``None`` when it is none of them.

    A ForceDecks-style header (``Z Left``/``Z Right``) on the very first line with no time column is left
    to the plain ``csv`` layout, which reads it the same way.
    """
    if _header_index(lines, _is_hawkin) is not None:
        return "hawkin"
    i = _header_index(lines, _is_forcedecks)
    if i is not None:
        names = _names(_split(lines[i], _sniff_delimiter(lines[i])))
        first = next(k for k, ln in enumerate(lines) if ln.strip())
        if i > first or any(n in _TIME_NAMES for n in names) or any(n in _VALD_COMBINED for n in names):
            return "forcedecks"
        return None
    if _header_index(lines, _is_amti_bertec) is not None:
        return "amti-bertec"
    return None


def _metadata_rate(path: Path, lines: list[str], header_idx: int) -> tuple[float, int] | None:
    """A sample rate stated in the metadata lines above the header: (Hz, 1-based line), or ``None``."""
    for i, line in enumerate(lines[:header_idx]):
        text = line.strip()
        if not text:
            continue
        parts = re.split(r"\s*[,;\t:=]\s*", text, maxsplit=1)
        if len(parts) != 2:
            continue
        key, value = _norm(parts[0])[0], parts[1].strip().strip('"')
        if key not in _RATE_KEYS:
            continue
        m = re.match(r"^([0-9]+(?:\.[0-9]*)?)\s*(hz)?", value, re.IGNORECASE)
        if m is None or float(m.group(1)) <= 0:
            raise ForceFileError(f"{path}: line {i + 1}: the sample rate {value!r} is not a positive number of Hz")
        return float(m.group(1)), i + 1
    return None


def _header_table(path: Path, lines: list[str], accept: object, layout: str,
                  expected: str) -> tuple[_Table, tuple[float, int] | None]:
    """The table under the layout's header row, and the sample rate its metadata lines state (if any)."""
    idx = _header_index(lines, accept)
    if idx is None:
        raise ForceFileError(
            f"{path}: no {layout} header row in the first {HEADER_SEARCH_LINES} lines; expected {expected}"
        )
    table = _table_from(path, lines, idx)
    table.notes.extend(f"metadata: {ln.strip()}" for ln in lines[:idx] if ln.strip())
    return table, _metadata_rate(path, lines, idx)


def _column(table: _Table, names: Sequence[str]) -> int | None:
    assert table.header is not None
    return next((i for i, h in enumerate(table.header) if _norm(h)[0] in names), None)


def _check_combined(table: _Table, data: np.ndarray, roles: dict[str, int]) -> None:
    """Refuse a file whose combined column is not left + right (columns mislabelled or another layout)."""
    pos = {k: j for j, k in enumerate(roles)}
    if "combined" not in pos:
        return
    total = data[:, pos["left"]] + data[:, pos["right"]]
    combined = data[:, pos["combined"]]
    err = np.abs(combined - total)
    limit = np.maximum(COMBINED_TOLERANCE_N, COMBINED_TOLERANCE_REL * np.abs(combined))
    bad = np.flatnonzero(err > limit)
    if bad.size:
        r = int(bad[0])
        raise ForceFileError(
            f"{table.path}: {table.where(r)}, {table.label(roles['combined'])} is {combined[r]:g} N but left + "
            f"right is {total[r]:g} N; the columns are not the layout's left, right and combined forces"
        )


def _finish_with_rate(table: _Table, layout: str, data: np.ndarray, rate: float | None, roles: dict[str, int],
                      stated: tuple[float, int] | None, notes: Sequence[str] = ()) -> Recording:
    """:func:`readers._finish` with a rate the file states in its metadata checked against the others."""
    if stated is not None and rate is not None and abs(rate - stated[0]) > 0.01 * stated[0]:
        raise ForceFileError(
            f"{table.path}: --rate {rate:g} Hz contradicts line {stated[1]}, which states {stated[0]:g} Hz"
        )
    if "time" not in roles and rate is None and stated is not None:
        rate = stated[0]
    used = {k: v for k, v in roles.items() if k != "combined"}
    cols = [list(roles).index(k) for k in used]
    rec = _finish(table, layout, data[:, cols], rate, used, notes)
    if stated is not None and abs(rec.trace.rate - stated[0]) > 0.01 * stated[0]:
        raise ForceFileError(
            f"{table.path}: line {stated[1]} states {stated[0]:g} Hz but the time column steps at "
            f"{rec.trace.rate:.6g} Hz"
        )
    return rec


def read_hawkin(path: Path, lines: list[str], rate: float | None) -> Recording:
    """Hawkin Dynamics force-time export: time, left, right and combined force (N) at 1 kHz."""
    expected = ("'Time (s)', 'LeftForce (N)', 'RightForce (N)', 'CombinedForce (N)' (or time_s, force_left, "
                "force_right, force_combined)")
    table, stated = _header_table(path, lines, _is_hawkin, "Hawkin Dynamics", expected)
    time = _column(table, _TIME_NAMES)
    if time is None:
        raise ForceFileError(f"{path}: the Hawkin export has no time column; {_columns_text(table)}")
    roles = {"time": time}
    for role, names in (("left", _HAWKIN_LEFT), ("right", _HAWKIN_RIGHT), ("combined", _HAWKIN_COMBINED)):
        col = _column(table, names)
        assert col is not None  # the header was accepted because all three are there
        roles[role] = col
    for role in ("left", "right", "combined"):
        _check_force_unit(table, roles[role])
    data = _parse(table, list(roles.values()))
    _check_combined(table, data, roles)
    return _finish_with_rate(table, "hawkin", data, rate, roles, stated)


def read_forcedecks(path: Path, lines: list[str], rate: float | None) -> Recording:
    """VALD ForceDecks raw trace export: vertical force of the left and right plate (N), time in s or ms."""
    table, stated = _header_table(path, lines, _is_forcedecks, "ForceDecks", "'Time', 'Z Left', 'Z Right'")
    roles: dict[str, int] = {}
    time = _column(table, _TIME_NAMES)
    if time is not None:
        roles["time"] = time
    left, right = _column(table, _VALD_LEFT), _column(table, _VALD_RIGHT)
    assert left is not None and right is not None
    roles["left"], roles["right"] = left, right
    combined = _column(table, _VALD_COMBINED)
    if combined is not None:
        roles["combined"] = combined
    for role in ("left", "right", "combined"):
        if role in roles:
            _check_force_unit(table, roles[role])
    data = _parse(table, list(roles.values()))
    _check_combined(table, data, roles)
    return _finish_with_rate(table, "forcedecks", data, rate, roles, stated)


def read_amti_bertec(path: Path, lines: list[str], rate: float | None, *, force_column: str | None = None,
                     left_column: str | None = None, right_column: str | None = None,
                     plates: Sequence[int] | None = None) -> Recording:
    """AMTI (NetForce, BioAnalysis) or Bertec (Acquire) text export: Fx..Mz per plate, rate in the header.

    One plate's Fz is the total force; two plates are left (plate 1) and right (plate 2); with more, choose
    two with ``plates`` (plate numbers) or the column options.
    """
    table, stated = _header_table(path, lines, _is_amti_bertec, "AMTI/Bertec",
                                  "Fx, Fy, Fz, Mx, My, Mz columns per plate")
    assert table.header is not None
    roles: dict[str, int] = {}
    time = _column(table, _TIME_NAMES)
    if time is not None:
        roles["time"] = time
    notes: list[str] = []
    if not _chosen_columns(table, roles, force_column, left_column, right_column):
        fz: dict[int, int] = {}
        for i, h in enumerate(table.header):
            plate = _plate_of_fz(_norm(h)[0])
            if plate is not None:
                if plate in fz:
                    raise ForceFileError(f"{path}: {table.label(fz[plate])} and {table.label(i)} are both the "
                                         f"vertical force of plate {plate}; choose with --left-column/--right-column")
                fz[plate] = i
        chosen = list(plates) if plates else sorted(fz)
        missing = [p for p in chosen if p not in fz]
        if missing:
            raise ForceFileError(f"{path}: no Fz column for plate {missing[0]}; the file has plates "
                                 f"{', '.join(map(str, sorted(fz)))}")
        if len(chosen) > 2:
            raise ForceFileError(f"{path}: has {len(chosen)} plates ({', '.join(map(str, chosen))}); choose one "
                                 "or two with --plates (e.g. --plates 1,2)")
        if len(chosen) == 1:
            roles["total"] = fz[chosen[0]]
        else:
            roles["left"], roles["right"] = fz[chosen[0]], fz[chosen[1]]
            notes.append(f"plate {chosen[0]} ({table.header[roles['left']]}) is reported as left and plate "
                         f"{chosen[1]} ({table.header[roles['right']]}) as right")
    for role in ("total", "left", "right"):
        if role in roles:
            _check_force_unit(table, roles[role])
    data = _parse(table, list(roles.values()))
    return _finish_with_rate(table, "amti-bertec", data, rate, roles, stated, notes)
