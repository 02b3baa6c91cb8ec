"""Read force recordings from text files into a :class:`~forcelab.analysis.types.ForceTrace`.

One entry point, :func:`read_force_file`, reads forcelab's plain CSV and the layouts other programs
write (see ``LAYOUTS``). Each layout is detected from the file's first lines, or named explicitly.

What it guarantees, because a force number that is silently wrong is worse than an error:

* every problem with the file raises :class:`ForceFileError` naming the file and, where it applies, the
  line and the column (empty file, no numeric rows, a blank or non-numeric cell, ``nan``, a missing
  column (the message lists the columns that exist), a time column that does not increase or does not
  step evenly, a ``rate`` that contradicts the time column);
* the sample rate is never guessed: it comes from the time column, or from ``rate``; a file with neither
  is refused with a message that says to give ``--rate``;
* forces are never clipped or altered: large negative forces (a plate that was not zeroed) are kept and
  reported in :attr:`Recording.notes`;
* trailing padding (rows where a chosen column is blank, as in files holding several trials of different
  lengths side by side) is dropped and noted; a blank cell before the last value is an error.

Parsing uses ``np.loadtxt`` on the pre-split lines (its C parser) and falls back to a Python scan only to
say exactly where a bad cell is, so a 5 MB file loads in a few tens of milliseconds.
"""

from __future__ import annotations

import csv
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from forcelab.analysis.types import ForceTrace

log = logging.getLogger(__name__)

#: Layout names accepted by :func:`read_force_file` (``"auto"`` detects one of the others).
LAYOUTS: tuple[str, ...] = ("auto", "csv", "jumpmetrics", "pasco", "wide", "single-column", "forcedecks", "hawkin",
                            "amti-bertec", "c3d")
#: Layouts of commercial systems, read by :mod:`forcelab.storage.vendor_readers` and ``c3d_reader``.
VENDOR_LAYOUTS: tuple[str, ...] = ("forcedecks", "hawkin", "amti-bertec", "c3d")

#: One-line description of each layout, for ``--help`` and the docs.
LAYOUT_HELP: Mapping[str, str] = {
    "auto": "detect the layout from the file's first lines",
    "csv": "delimited text (comma, tab or semicolon) with a header row: a time column in seconds "
    "(optional when the rate is given) and force in newtons, either one total column "
    "(force, Fz, total) or two plate columns (left/right, fp1/fp2, Z Left/Z Right, FP1/FP2)",
    "jumpmetrics": "no header, a blank first line, 12 comma-separated columns FX1..MZ2 of two AMTI plates; "
    "vertical force of plate 1 is column 3, plate 2 column 9",
    "pasco": "PASCO Capstone export: a row of run names, a row of column names, decimal comma, quoted cells; "
    "'Normal Force (N)' of plate 1 and plate 2, 'Time (s)'",
    "wide": "several trials side by side, two columns (plate 1, plate 2) per trial, shorter trials padded "
    "with empty cells; choose one with trial",
    "single-column": "one force value in newtons per line, no header",
    "forcedecks": "VALD ForceDecks raw trace export: Time, Z Left, Z Right (N) [, Combined], metadata lines above",
    "hawkin": "Hawkin Dynamics force-time export: Time (s), LeftForce, RightForce, CombinedForce (N) at 1 kHz",
    "amti-bertec": "AMTI NetForce/BioAnalysis or Bertec Acquire text: Fx,Fy,Fz,Mx,My,Mz per plate, rate in the header",
    "c3d": "C3D motion-capture file (needs forcelab[c3d]): vertical force of the FORCE_PLATFORM plates",
}

#: Forces below minus this many newtons are reported in the notes (zero-offset noise stays quiet).
NEGATIVE_FORCE_NOTE_N = 20.0
#: Largest relative difference allowed between ``rate`` and the rate of the time column.
RATE_TOLERANCE = 0.01
#: Largest deviation of one time step from the typical step, as a fraction of that step.
TIME_STEP_TOLERANCE = 0.5

_TIME_NAMES = ("time", "t", "time_s", "seconds", "secs", "sec")
#: Centre-of-pressure columns of a plain CSV (metres; x to the athlete's right, y forward): the balance tests use them.
_COP_X_NAMES = ("cop_x", "copx", "cop x", "cop_ml")
_COP_Y_NAMES = ("cop_y", "copy", "cop y", "cop_ap")
_TOTAL_NAMES = ("force", "fz", "total", "total_force", "totalforce", "normal force", "vertical force", "grf")
_LEFT_NAMES = ("left", "fp1", "z left", "left force", "force left", "fz left", "left_force", "fz1", "fz_left")
_RIGHT_NAMES = (
    "right", "fp2", "z right", "right force", "force right", "fz right", "right_force", "fz2", "fz_right",
)
_UNIT_RE = re.compile(r"^(?P<name>.*?)\s*[\(\[](?P<unit>[^\)\]]*)[\)\]]\s*$")


class ForceFileError(ValueError):
    """A force file that cannot be read as it is; the message names the file and where the problem is."""


@dataclass(frozen=True)
class Recording:
    """What :func:`read_force_file` read.

    ``trace`` holds newtons at one rate; ``time`` is the file's own time column in seconds (``None`` when
    it has none); ``layout`` is the layout that was read; ``columns`` maps each role (``time``, ``total``,
    ``left``, ``right``) to the column it came from; ``notes`` are remarks the user should see (dropped
    padding, negative forces, which plate was taken as left).
    """

    trace: ForceTrace
    source: Path
    layout: str
    time: np.ndarray | None
    notes: tuple[str, ...] = ()
    columns: Mapping[str, str] = field(default_factory=dict)


@dataclass
class _Table:
    """The text of a file split into a header and data lines, before any number is parsed."""

    path: Path
    header: list[str] | None
    lines: list[str]
    first_line_no: int  # 1-based line number of lines[0] in the file
    delimiter: str | None  # None: one value per line
    decimal_comma: bool = False
    notes: list[str] = field(default_factory=list)

    def where(self, row: int) -> str:
        return f"line {self.first_line_no + row}"

    def label(self, col: int) -> str:
        if self.header is not None and col < len(self.header):
            return f"column {col + 1} ({self.header[col].strip()!r})"
        return f"column {col + 1}"


def read_force_file(
    path: str | Path,
    *,
    rate: float | None = None,
    layout: str = "auto",
    force_column: str | None = None,
    left_column: str | None = None,
    right_column: str | None = None,
    trial: int | None = None,
    plates: Sequence[int] | None = None,
) -> Recording:
    """Read a force recording from a text file (or a C3D file).

    ``rate`` is the sample rate in Hz: required when the file has no time column, checked against the
    time column when it has one (a difference over 1 % is an error that gives both numbers).
    ``layout`` is one of ``LAYOUTS``. ``force_column`` (one total force) or ``left_column`` and
    ``right_column`` (two plates) choose columns by header name (case-insensitive) or by 1-based number;
    by default the usual names are recognised. ``trial`` (1-based) chooses one trial of a ``wide`` file
    or one run of a PASCO export. ``plates`` (1-based plate numbers) chooses one or two plates of a C3D or
    AMTI/Bertec file that has more.

    Raises :class:`ForceFileError` for anything wrong with the file or the options.
    """
    path = Path(path)
    if layout not in LAYOUTS:
        raise ForceFileError(f"unknown layout {layout!r}; choose one of {', '.join(LAYOUTS)}")
    if rate is not None and not (np.isfinite(rate) and rate > 0):
        raise ForceFileError(f"the sample rate must be a positive number of hertz, got {rate!r}")
    if (left_column is None) != (right_column is None):
        raise ForceFileError("give both a left and a right column, or neither")
    if force_column is not None and left_column is not None:
        raise ForceFileError("give either one force column or a left and a right column, not both")
    if trial is not None and trial < 1:
        raise ForceFileError(f"trials are numbered from 1, got {trial}")

    if plates is not None and layout not in ("auto", "amti-bertec", "c3d"):
        raise ForceFileError(f"{path}: --plates chooses plates of C3D or AMTI/Bertec files, not of {layout!r} files")
    if layout == "c3d" or (layout == "auto" and path.is_file() and _c3d.is_c3d(path)):
        return _c3d.read_c3d(path, rate=rate, plates=plates)
    text = _read_text(path)
    lines = text.splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        raise ForceFileError(f"{path}: the file is empty")
    if layout == "auto":
        layout = _vendor.detect(lines) or _detect_layout(path, lines)
        log.debug("%s: detected layout %s", path, layout)
    if plates is not None and layout != "amti-bertec":
        raise ForceFileError(f"{path}: --plates chooses plates of C3D or AMTI/Bertec files; this file is {layout!r}")
    if layout in VENDOR_LAYOUTS:
        if layout == "amti-bertec":
            return _vendor.read_amti_bertec(path, lines, rate, force_column=force_column, left_column=left_column,
                                            right_column=right_column, plates=plates)
        if force_column is not None or left_column is not None:
            raise ForceFileError(f"{path}: the {layout} layout fixes its columns; --force-column and "
                                 "--left-column/--right-column are for plain CSV and AMTI/Bertec files")
        return _vendor.read_hawkin(path, lines, rate) if layout == "hawkin" else _vendor.read_forcedecks(
            path, lines, rate)
    if trial is not None and layout not in ("wide", "pasco"):
        raise ForceFileError(
            f"{path}: --trial chooses one of several trials stored side by side (wide or PASCO files); "
            f"this file is {layout!r} and holds one recording"
        )
    if layout == "jumpmetrics":
        return _read_jumpmetrics(path, lines, rate, force_column, left_column, right_column)
    if layout == "single-column":
        if force_column is not None or left_column is not None:
            raise ForceFileError(f"{path}: a single-column file has no columns to choose")
        return _read_single_column(path, lines, rate)
    if layout == "wide":
        return _read_wide(path, lines, rate, trial, force_column, left_column)
    if layout == "pasco":
        return _read_pasco(path, lines, rate, trial, force_column, left_column, right_column)
    return _read_csv(path, lines, rate, force_column, left_column, right_column)


# --------------------------------------------------------------------------------------------- text


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ForceFileError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ForceFileError(f"{path}: is a directory, not a file") from None
    except OSError as exc:
        raise ForceFileError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if b"\x00" in raw[:4096]:
        raise ForceFileError(f"{path}: is a binary file, not delimited text (HDF5 sessions open with the app)")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _sniff_delimiter(line: str) -> str | None:
    for d in ("\t", ";", ","):
        if d in line:
            return d
    stripped = line.strip()
    if len(stripped.split()) > 1:
        return " "
    return None


def _split(line: str, delimiter: str | None) -> list[str]:
    if delimiter is None:
        return [line]
    if delimiter == " ":
        return line.split()
    if '"' in line:
        return next(csv.reader([line], delimiter=delimiter))
    return line.split(delimiter)


def _is_number(cell: str, decimal_comma: bool = False) -> bool:
    s = cell.strip().strip('"')
    if decimal_comma:
        s = s.replace(",", ".")
    try:
        float(s)
    except ValueError:
        return False
    return True


def _detect_layout(path: Path, lines: list[str]) -> str:
    first_idx = next((i for i, ln in enumerate(lines) if ln.strip()), None)
    if first_idx is None:
        raise ForceFileError(f"{path}: the file is empty")
    first = lines[first_idx]
    delim = _sniff_delimiter(first)
    cells = _split(first, delim)
    if all(_is_number(c) for c in cells):
        if len(cells) == 1:
            return "single-column"
        if len(cells) == 12 and delim == ",":
            return "jumpmetrics"
        raise ForceFileError(
            f"{path}: line {first_idx + 1} has {len(cells)} numbers and no header; forcelab reads headerless "
            "files only as one value per line or the 12-column jumpmetrics layout; add a header row "
            "(time,left,right or time,force) or choose --layout"
        )
    names = [c.strip() for c in cells]
    if len(lines) > first_idx + 1 and any(n.lower().startswith("run #") for n in names):
        return "pasco"
    if len(names) >= 4 and len(names) % 2 == 0 and len(set(names)) == 1:
        return "wide"
    return "csv"


def _table_from(path: Path, lines: list[str], header_idx: int | None, decimal_comma: bool = False) -> _Table:
    """Split ``lines`` into header (at ``header_idx``, or none) and data lines."""
    start = 0 if header_idx is None else header_idx + 1
    probe = lines[header_idx] if header_idx is not None else next((ln for ln in lines[start:] if ln.strip()), "")
    delim = _sniff_delimiter(probe)
    header = None if header_idx is None else [c.strip() for c in _split(lines[header_idx], delim)]
    data = lines[start:]
    offset = start
    while data and not data[0].strip():
        data = data[1:]
        offset += 1
    if not data:
        cols = "" if header is None else f" (columns: {', '.join(header)})"
        raise ForceFileError(f"{path}: has a header but no data rows{cols}")
    return _Table(path, header, data, offset + 1, delim, decimal_comma)


# ----------------------------------------------------------------------------------- column choice


def _norm(name: str) -> tuple[str, str | None]:
    """Lower-case column name without its unit, and the unit (``'Time (s)'`` -> ``('time', 's')``)."""
    name = name.strip().strip('"').strip()
    m = _UNIT_RE.match(name)
    if m:
        return m.group("name").strip().lower(), m.group("unit").strip()
    return name.lower(), None


def _find_named(table: _Table, names: Sequence[str]) -> int | None:
    assert table.header is not None
    for i, h in enumerate(table.header):
        if _norm(h)[0] in names:
            return i
    return None


def _columns_text(table: _Table) -> str:
    if table.header is None:
        return "the file has no header"
    return "its columns are: " + ", ".join(repr(h) for h in table.header)


def _resolve(table: _Table, spec: str, role: str) -> int:
    """Index of the column named or numbered by ``spec`` (1-based numbers)."""
    ncols = len(table.header) if table.header is not None else len(_split(table.lines[0], table.delimiter))
    s = spec.strip()
    if s.isdigit():
        i = int(s) - 1
        if not 0 <= i < ncols:
            raise ForceFileError(f"{table.path}: {role} column {s} does not exist; the file has {ncols} columns")
        return i
    if table.header is None:
        raise ForceFileError(f"{table.path}: has no header, so choose the {role} column by number (1..{ncols})")
    hits = [i for i, h in enumerate(table.header) if h.strip().lower() == s.lower()]
    if not hits:
        hits = [i for i, h in enumerate(table.header) if _norm(h)[0] == _norm(s)[0]]
    if not hits:
        raise ForceFileError(f"{table.path}: no column {spec!r} for the {role} force; {_columns_text(table)}")
    if len(hits) > 1:
        nums = ", ".join(str(i + 1) for i in hits)
        raise ForceFileError(
            f"{table.path}: column name {spec!r} appears {len(hits)} times (columns {nums}); give its number"
        )
    return hits[0]


def _chosen_columns(table: _Table, roles: dict[str, int], force_column: str | None, left_column: str | None,
                    right_column: str | None) -> bool:
    """Add the force columns the user chose to ``roles``; ``False`` when none were chosen."""
    if force_column is not None:
        roles["total"] = _resolve(table, force_column, "total")
    elif left_column is not None and right_column is not None:
        roles["left"] = _resolve(table, left_column, "left")
        roles["right"] = _resolve(table, right_column, "right")
    else:
        return False
    return True


def _check_force_unit(table: _Table, col: int) -> None:
    if table.header is None:
        return
    unit = _norm(table.header[col])[1]
    if unit is not None and unit.lower() not in ("n", "newton", "newtons"):
        raise ForceFileError(
            f"{table.path}: {table.label(col)} is in {unit!r}; forcelab reads forces in newtons (N)"
        )


def _time_scale(table: _Table, col: int) -> float:
    unit = _norm(table.header[col])[1] if table.header is not None else None
    if unit is None or unit.lower() in ("s", "sec", "secs", "seconds"):
        return 1.0
    if unit.lower() == "ms":
        return 1e-3
    raise ForceFileError(f"{table.path}: {table.label(col)} is in {unit!r}; give time in seconds (s) or ms")


# --------------------------------------------------------------------------------------- parsing


def _cells_of(table: _Table, row: int) -> list[str]:
    return _split(table.lines[row], table.delimiter)


def _trim_padding(table: _Table, cols: Sequence[int]) -> None:
    """Drop trailing rows where a chosen column is blank (padding), with a note; in place."""
    n = len(table.lines)
    end = n
    while end > 0:
        cells = _cells_of(table, end - 1)
        if all(c < len(cells) and cells[c].strip().strip('"') for c in cols):
            break
        end -= 1
    if end == 0:
        labels = ", ".join(table.label(c) for c in cols)
        raise ForceFileError(f"{table.path}: no numeric rows in {labels}")
    if end < n:
        what = "the last row" if n - end == 1 else f"the last {n - end} rows"
        table.notes.append(f"ignored {what}, where a chosen column is empty (padding after the recording)")
        del table.lines[end:]


def _locate_bad_cell(table: _Table, cols: Sequence[int]) -> ForceFileError:
    """Scan row by row for the first cell that is not a number (slow path, only after a parse error)."""
    for r, line in enumerate(table.lines):
        if not line.strip():
            return ForceFileError(f"{table.path}: {table.where(r)} is blank inside the data")
        cells = _split(line, table.delimiter)
        for c in cols:
            if c >= len(cells):
                return ForceFileError(
                    f"{table.path}: {table.where(r)} has {len(cells)} cells, so {table.label(c)} is missing"
                )
            cell = cells[c].strip().strip('"')
            if not cell:
                return ForceFileError(f"{table.path}: {table.where(r)}, {table.label(c)} is empty")
            if not _is_number(cell, table.decimal_comma):
                return ForceFileError(f"{table.path}: {table.where(r)}, {table.label(c)} is not a number: {cell!r}")
    return ForceFileError(f"{table.path}: the numbers could not be read")


def _parse(table: _Table, cols: Sequence[int]) -> np.ndarray:
    """The chosen columns as a float64 array of shape (rows, len(cols)), all finite."""
    _trim_padding(table, cols)
    if any(not ln.strip() for ln in table.lines):
        raise _locate_bad_cell(table, cols)
    try:
        if table.decimal_comma:
            rows = [[cells[c].strip().replace(",", ".") for c in cols]
                    for cells in csv.reader(table.lines, delimiter=table.delimiter or ",")]
            data = np.array(rows, dtype=np.float64)
        elif table.delimiter is None:
            data = np.loadtxt(table.lines, dtype=np.float64, ndmin=2)
        else:
            data = np.loadtxt(
                table.lines,
                dtype=np.float64,
                delimiter=None if table.delimiter == " " else table.delimiter,
                usecols=tuple(cols),
                quotechar='"',
                ndmin=2,
                comments=None,
            )
    except (ValueError, IndexError):
        raise _locate_bad_cell(table, cols) from None
    if data.shape[0] != len(table.lines):  # pragma: no cover - loadtxt skips nothing with comments=None
        raise _locate_bad_cell(table, cols)
    bad = ~np.isfinite(data)
    if bad.any():
        r, k = (int(x) for x in np.argwhere(bad)[0])
        raise ForceFileError(
            f"{table.path}: {table.where(r)}, {table.label(cols[k])} is not a finite number "
            f"({_cells_of(table, r)[cols[k]].strip()!r})"
        )
    if data.shape[0] < 2:
        raise ForceFileError(f"{table.path}: has only {data.shape[0]} data row; a recording needs more")
    return data


# ------------------------------------------------------------------------------------------- rate


def _rate_from_time(table: _Table, t: np.ndarray, time_col: int) -> float:
    dt = np.diff(t)
    bad = np.flatnonzero(dt <= 0)
    if bad.size:
        i = int(bad[0])
        word = "repeats" if dt[i] == 0 else "goes backwards"
        raise ForceFileError(
            f"{table.path}: time {word} at {table.where(i + 1)} ({t[i + 1]:g} s after {t[i]:g} s); "
            f"{table.label(time_col)} must increase"
        )
    step = float(np.median(dt))
    dev = np.abs(dt - step)
    j = int(np.argmax(dev))
    if dev[j] > TIME_STEP_TOLERANCE * step:
        raise ForceFileError(
            f"{table.path}: time steps unevenly at {table.where(j + 1)}: {dt[j]:g} s where the typical "
            f"step is {step:g} s (samples missing or a clock jump); forcelab needs one constant rate"
        )
    # Rounded to 9 significant digits so a column printed in 1 ms steps reads as 1000 Hz, not 999.9999999.
    return float(f"{(len(t) - 1) / float(t[-1] - t[0]):.9g}")


def _settle_rate(table: _Table, rate: float | None, time_rate: float | None) -> float:
    if time_rate is None:
        if rate is None:
            raise ForceFileError(
                f"{table.path}: the file has no time column, so the sample rate is unknown; "
                "give it with --rate HZ (rate=... in Python)"
            )
        return float(rate)
    if rate is not None:
        if abs(rate - time_rate) > RATE_TOLERANCE * time_rate:
            raise ForceFileError(
                f"{table.path}: --rate {rate:g} Hz contradicts the time column, which steps at "
                f"{time_rate:.6g} Hz; leave --rate out or correct it"
            )
        return float(rate)
    return time_rate


def _negative_notes(path: Path, trace: ForceTrace) -> list[str]:
    """One note when a force channel goes clearly below zero (never clipped: the analysis sees it as is)."""
    parts = []
    for name in ("total", "left", "right"):
        arr = getattr(trace, name)
        if arr is None or arr.size == 0:
            continue
        i = int(np.argmin(arr))
        if arr[i] < -NEGATIVE_FORCE_NOTE_N:
            count = int(np.count_nonzero(arr < -NEGATIVE_FORCE_NOTE_N))
            parts.append(f"{name} in {count} samples (lowest {arr[i]:.1f} N at {i / trace.rate:.3f} s)")
    if not parts:
        return []
    return [f"force below -{NEGATIVE_FORCE_NOTE_N:g} N: {'; '.join(parts)}; the plate may not have been "
            "zeroed, or it rang on landing; kept as is"]


def _finish(
    table: _Table,
    layout: str,
    data: np.ndarray,
    rate: float | None,
    roles: dict[str, int],
    extra_notes: Sequence[str] = (),
    columns: Mapping[str, str] | None = None,
) -> Recording:
    """Build the recording from parsed columns; ``roles`` maps time/total/left/right to data columns.

    ``columns`` names the columns used (role -> text); by default their header cells or ``column N``."""
    pos = {k: j for j, k in enumerate(roles)}  # role -> column of ``data``
    time = None
    time_rate = None
    if "time" in roles:
        time = data[:, pos["time"]] * _time_scale(table, roles["time"])
        time_rate = _rate_from_time(table, time, roles["time"])
    fs = _settle_rate(table, rate, time_rate)
    if "left" in roles:
        trace = ForceTrace.from_plates(fs, data[:, pos["left"]].copy(), data[:, pos["right"]].copy())
    else:
        trace = ForceTrace(rate=fs, total=data[:, pos["total"]].copy())
    if "cop_x" in roles:
        trace = replace(trace, cop_x=data[:, pos["cop_x"]].copy(), cop_y=data[:, pos["cop_y"]].copy())
    if columns is None:
        columns = {k: (table.header[c].strip() if table.header is not None else f"column {c + 1}")
                   for k, c in roles.items()}
    notes = [*table.notes, *extra_notes, *_negative_notes(table.path, trace)]
    return Recording(trace=trace, source=table.path, layout=layout,
                     time=None if time is None else np.ascontiguousarray(time),
                     notes=tuple(notes), columns=columns)


# ----------------------------------------------------------------------------------------- layouts


def _read_csv(
    path: Path,
    lines: list[str],
    rate: float | None,
    force_column: str | None,
    left_column: str | None,
    right_column: str | None,
) -> Recording:
    header_idx = next(i for i, ln in enumerate(lines) if ln.strip())
    table = _table_from(path, lines, header_idx)
    assert table.header is not None
    if all(_is_number(h) for h in table.header):
        raise ForceFileError(f"{path}: the first line is numbers, not a header; add a header row or choose --layout")
    if table.delimiter in (";", "\t"):
        # European spreadsheet exports: "0,001;712,5" (decimal comma, semicolon or tab between cells).
        first = _cells_of(table, 0)
        if any("," in c for c in first) and not any("." in c for c in first):
            table.decimal_comma = True
    roles: dict[str, int] = {}
    time_col = _find_named(table, _TIME_NAMES)
    if time_col is not None:
        roles["time"] = time_col
    if not _chosen_columns(table, roles, force_column, left_column, right_column):
        left = _find_named(table, _LEFT_NAMES)
        right = _find_named(table, _RIGHT_NAMES)
        total = _find_named(table, _TOTAL_NAMES)
        if left is not None and right is not None:
            roles["left"], roles["right"] = left, right
        elif total is not None:
            roles["total"] = total
        else:
            raise ForceFileError(
                f"{path}: no force column found; {_columns_text(table)}. forcelab looks for 'force' (total) or "
                "'left' and 'right' (two plates) in newtons; choose others with --force-column, or "
                "--left-column and --right-column"
            )
    for role in ("total", "left", "right"):
        if role in roles:
            _check_force_unit(table, roles[role])
    if "time" in roles and roles["time"] in [roles[r] for r in ("total", "left", "right") if r in roles]:
        raise ForceFileError(f"{path}: the time column cannot also be a force column")
    cop = (_find_named(table, _COP_X_NAMES), _find_named(table, _COP_Y_NAMES))
    if cop[0] is not None and cop[1] is not None:  # a pair; a lone one is not a centre of pressure
        roles["cop_x"], roles["cop_y"] = cop[0], cop[1]
    data = _parse(table, list(roles.values()))
    return _finish(table, "csv", data, rate, roles)


def _read_jumpmetrics(
    path: Path,
    lines: list[str],
    rate: float | None,
    force_column: str | None,
    left_column: str | None,
    right_column: str | None,
) -> Recording:
    table = _table_from(path, lines, None)
    ncols = len(_cells_of(table, 0))
    if ncols != 12:
        raise ForceFileError(
            f"{path}: {table.where(0)} has {ncols} columns; the jumpmetrics layout has 12 (FX1,FY1,FZ1,MX1,MY1,"
            "MZ1,FX2,FY2,FZ2,MX2,MY2,MZ2)"
        )
    notes: list[str] = []
    roles: dict[str, int] = {}
    if force_column is not None:
        roles["total"] = _resolve(table, force_column, "total")
    else:
        roles["left"] = _resolve(table, left_column or "3", "left")
        roles["right"] = _resolve(table, right_column or "9", "right")
        if left_column is None:
            notes.append("plate 1 (FZ1, column 3) is reported as left and plate 2 (FZ2, column 9) as right; "
                         "the file does not say which foot stood on which plate")
    data = _parse(table, list(roles.values()))
    return _finish(table, "jumpmetrics", data, rate, roles, notes)


def _read_single_column(path: Path, lines: list[str], rate: float | None) -> Recording:
    table = _table_from(path, lines, None)
    table.delimiter = None
    data = _parse(table, [0])
    return _finish(table, "single-column", data, rate, {"total": 0})


def _read_wide(
    path: Path,
    lines: list[str],
    rate: float | None,
    trial: int | None,
    force_column: str | None,
    left_column: str | None,
) -> Recording:
    if force_column is not None or left_column is not None:
        raise ForceFileError(f"{path}: in a wide file choose the trial with --trial, not columns")
    header_idx = next(i for i, ln in enumerate(lines) if ln.strip())
    table = _table_from(path, lines, header_idx)
    assert table.header is not None
    ncols = len(table.header)
    if ncols % 2:
        raise ForceFileError(f"{path}: a wide file has two columns per trial, but this one has {ncols} columns")
    n_trials = ncols // 2
    if trial is None:
        if n_trials != 1:
            raise ForceFileError(
                f"{path}: holds {n_trials} trials side by side (two plate columns each); "
                f"choose one with --trial 1..{n_trials}"
            )
        trial = 1
    if trial > n_trials:
        raise ForceFileError(f"{path}: has {n_trials} trials; --trial {trial} does not exist")
    for c in (2 * trial - 2, 2 * trial - 1):
        _check_force_unit(table, c)
    roles = {"left": 2 * trial - 2, "right": 2 * trial - 1}
    data = _parse(table, list(roles.values()))
    return _finish(table, "wide", data, rate, roles,
                   [f"trial {trial} of {n_trials}: plate 1 (column {2 * trial - 1}) is reported as left, "
                    f"plate 2 (column {2 * trial}) as right"],
                   columns={"left": f"column {2 * trial - 1}", "right": f"column {2 * trial}"})


def _read_pasco(
    path: Path,
    lines: list[str],
    rate: float | None,
    trial: int | None,
    force_column: str | None,
    left_column: str | None,
    right_column: str | None,
) -> Recording:
    run_idx = next(i for i, ln in enumerate(lines) if ln.strip())
    if run_idx + 1 >= len(lines):
        raise ForceFileError(f"{path}: a PASCO export needs a row of run names and a row of column names")
    runs_row = [c.strip() for c in _split(lines[run_idx], _sniff_delimiter(lines[run_idx]))]
    table = _table_from(path, lines, run_idx + 1, decimal_comma=True)
    assert table.header is not None
    run_names = list(dict.fromkeys(r for r in runs_row if r))
    if trial is None:
        if len(run_names) > 1:
            raise ForceFileError(
                f"{path}: holds {len(run_names)} runs ({', '.join(run_names)}); choose one with --trial "
                f"1..{len(run_names)}"
            )
        trial = 1
    if trial > len(run_names):
        raise ForceFileError(f"{path}: has {len(run_names)} runs; --trial {trial} does not exist")
    run = run_names[trial - 1]
    in_run = [i for i, r in enumerate(runs_row) if r == run and i < len(table.header)]
    roles: dict[str, int] = {}
    times = [i for i in in_run if _norm(table.header[i])[0] == "time"]
    if times:
        roles["time"] = times[0]
    notes: list[str] = []
    if not _chosen_columns(table, roles, force_column, left_column, right_column):
        normal = [i for i in in_run if _norm(table.header[i])[0] == "normal force"]
        if len(normal) == 2:
            roles["left"], roles["right"] = normal
            notes.append(f"plate 1 (column {normal[0] + 1}) is reported as left and plate 2 "
                         f"(column {normal[1] + 1}) as right")
        elif len(normal) == 1:
            roles["total"] = normal[0]
        else:
            raise ForceFileError(
                f"{path}: no 'Normal Force (N)' column in {run}; {_columns_text(table)}; choose with "
                "--force-column or --left-column/--right-column (numbers, since names repeat)"
            )
    data = _parse(table, list(roles.values()))
    return _finish(table, "pasco", data, rate, roles, notes,
                   columns={k: f"column {c + 1} ({table.header[c]})" for k, c in roles.items()})


# The vendor readers build on this module's table machinery, so they are imported after it is defined.
from forcelab.storage import c3d_reader as _c3d  # noqa: E402
from forcelab.storage import vendor_readers as _vendor  # noqa: E402
