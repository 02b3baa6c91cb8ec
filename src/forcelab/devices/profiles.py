"""Device profiles: which channel is which load cell of which plate, plate geometry, default calibration.

A profile is a JSON file (schema ``forcelab-device-profile/1``, documented in hardware/profiles/README.md).
:func:`load_profile` takes a file path or a profile name and finds names in, in order: the user's profile
folder (``<user config dir>/forcelab/profiles``), the repository's ``hardware/profiles`` (a source
checkout or editable install), then the ``forcelab.profiles`` package data of an installed wheel.
Every problem in a file is reported with the file and the JSON path of the bad value.

Cell positions are millimetres in the file (plate frame: origin at the plate centre, x to the athlete's
right, y forward) and metres in :class:`PlateSpec`, as the centre-of-pressure code expects.
"""

from __future__ import annotations

import importlib.resources
import json
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs

from forcelab.devices.calibration import Calibration
from forcelab.devices.text_decoder import TextFormat

SCHEMA = "forcelab-device-profile/1"
PROTOCOLS = ("binary", "text", "chronojump")
SAMPLE_UNITS = ("counts", "N")
REPO_PROFILES = Path(__file__).resolve().parents[3] / "hardware" / "profiles"


class ProfileError(ValueError):
    """A profile that cannot be found or does not follow the schema; the message says where."""


@dataclass(frozen=True)
class PlateSpec:
    """One plate (or a lone load cell): its channels, the name of each cell and, if known, where it sits."""

    name: str
    channels: tuple[int, ...]
    cell_names: tuple[str, ...]
    cell_positions: tuple[tuple[float, float], ...] | None = None  # metres, plate frame
    size_mm: tuple[float, float] | None = None  # width (x) and depth (y)
    #: where the plate's centre sits in the device's common frame (metres; x right, y forward): places each
    #: plate's CoP for the combined CoP of two plates (balance on both feet across two plates)
    origin: tuple[float, float] = (0.0, 0.0)

    @property
    def has_cop(self) -> bool:
        """True when the plate has four cells with known positions (centre of pressure is defined)."""
        return self.cell_positions is not None and len(self.channels) == 4


@dataclass(frozen=True)
class DeviceProfile:
    """Everything forcelab needs to know about a kind of device before it connects."""

    name: str
    description: str
    protocol: str  # binary | text | chronojump
    sample_units: str  # counts (needs calibration) | N (the device sends newtons)
    channels: int
    rate_hz: float
    rates_hz: tuple[float, ...]
    plates: tuple[PlateSpec, ...]
    #: the default calibration (source ``"profile"``); ``None`` for devices that send newtons
    calibration: Calibration | None
    baud: int = 115200
    text_format: TextFormat | None = None
    source: str = ""
    calibration_note: str = ""  # where the default calibration comes from (the profile's calibration.note)

    def channel_name(self, channel: int) -> str:
        """``plate.cell`` for a mapped channel, ``ch<n>`` otherwise."""
        for plate in self.plates:
            if channel in plate.channels:
                return f"{plate.name}.{plate.cell_names[plate.channels.index(channel)]}"
        return f"ch{channel}"

    @property
    def channel_names(self) -> tuple[str, ...]:
        """A name per channel, in channel order."""
        return tuple(self.channel_name(c) for c in range(self.channels))


# ------------------------------------------------------------------------------------------- finding
def user_profile_dir() -> Path:
    """Where a user's own profiles live (checked first)."""
    return Path(platformdirs.user_config_dir("forcelab")) / "profiles"


def _packaged() -> Any | None:
    try:
        return importlib.resources.files("forcelab.profiles")
    except ModuleNotFoundError:
        return None


def _candidates(name: str) -> Iterator[tuple[str, Any]]:
    filename = f"{name}.json"
    yield str(user_profile_dir() / filename), user_profile_dir() / filename
    yield str(REPO_PROFILES / filename), REPO_PROFILES / filename
    pkg = _packaged()
    if pkg is not None:
        yield f"forcelab.profiles/{filename}", pkg / filename


def available_profiles() -> dict[str, str]:
    """Profile names found, each with where it comes from (the first location wins, as in loading)."""
    found: dict[str, str] = {}
    places: list[Any] = [user_profile_dir(), REPO_PROFILES]
    pkg = _packaged()
    if pkg is not None:
        places.append(pkg)
    for place in places:
        if not place.is_dir():
            continue
        for entry in sorted(place.iterdir(), key=lambda e: e.name):
            if entry.name.endswith(".json"):
                found.setdefault(entry.name[: -len(".json")], str(entry))
    return found


def load_profile(name_or_path: str | Path) -> DeviceProfile:
    """Load a profile by file path or by name (see the module docstring for where names are looked up)."""
    text_name = str(name_or_path)
    path = Path(name_or_path)
    if isinstance(name_or_path, Path) or text_name.endswith(".json") or "/" in text_name or "\\" in text_name:
        if not path.is_file():
            raise ProfileError(f"device profile file not found: {path}")
        return _parse_text(path.read_text(encoding="utf-8"), str(path))
    if not text_name or not all(ch.isalnum() or ch in "-_." for ch in text_name):
        raise ProfileError(f"not a profile name: {text_name!r} (letters, digits, - _ . only)")
    for where, candidate in _candidates(text_name):
        if candidate.is_file():
            return _parse_text(candidate.read_text(encoding="utf-8"), where)
    known = ", ".join(sorted(available_profiles())) or "none"
    raise ProfileError(f"no device profile named {text_name!r}; available: {known}")


def _parse_text(text: str, source: str) -> DeviceProfile:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProfileError(f"{source}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from None
    return parse_profile(data, source=source)


# ------------------------------------------------------------------------------------------ checking
class _Checker:
    """Reads values out of the JSON, failing with the file and the JSON path of the bad value."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, problem: str) -> ProfileError:
        return ProfileError(f"{self.source}: {where}: {problem}")

    def obj(self, value: Any, where: str, allowed: set[str], required: set[str]) -> Mapping[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, f"expected an object, got {type(value).__name__}")
        unknown = sorted(k for k in value if k not in allowed and not k.startswith("_"))
        if unknown:
            raise self.fail(where, f"unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}")
        missing = sorted(required - set(value))
        if missing:
            raise self.fail(where, f"missing key(s) {', '.join(missing)}")
        return value

    def string(self, value: Any, where: str, *, choices: tuple[str, ...] | None = None) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(where, f"expected a non-empty string, got {value!r}")
        if choices is not None and value not in choices:
            raise self.fail(where, f"{value!r} is not one of {', '.join(choices)}")
        return value

    def integer(self, value: Any, where: str, lo: int, hi: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise self.fail(where, f"expected an integer {lo}..{hi}, got {value!r}")
        return value

    def number(self, value: Any, where: str, *, positive: bool = False, nonzero: bool = False) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise self.fail(where, f"expected a finite number, got {value!r}")
        if positive and value <= 0:
            raise self.fail(where, f"must be > 0, got {value!r}")
        if nonzero and value == 0:
            raise self.fail(where, "must not be 0")
        return float(value)

    def array(self, value: Any, where: str, *, length: int | None = None, min_length: int = 0) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(where, f"expected a list, got {type(value).__name__}")
        if length is not None and len(value) != length:
            raise self.fail(where, f"expected {length} entries, got {len(value)}")
        if len(value) < min_length:
            raise self.fail(where, f"expected at least {min_length} entries, got {len(value)}")
        return value


_TOP = {"schema", "name", "description", "protocol", "sample_units", "channels", "rate_hz", "rates_hz", "plates",
        "calibration", "baud", "text_format"}


def parse_profile(data: Any, *, source: str = "<profile>") -> DeviceProfile:
    """Validate a profile's JSON value and build the :class:`DeviceProfile`."""
    c = _Checker(source)
    top = c.obj(data, "profile", _TOP, {"schema", "name", "protocol", "sample_units", "channels", "rate_hz"})
    if top["schema"] != SCHEMA:
        raise c.fail("schema", f"expected {SCHEMA!r}, got {top['schema']!r}")
    name = c.string(top["name"], "name")
    protocol = c.string(top["protocol"], "protocol", choices=PROTOCOLS)
    units = c.string(top["sample_units"], "sample_units", choices=SAMPLE_UNITS)
    channels = c.integer(top["channels"], "channels", 1, 64)
    rate = c.number(top["rate_hz"], "rate_hz", positive=True)
    rates = tuple(c.number(r, f"rates_hz[{i}]", positive=True)
                  for i, r in enumerate(c.array(top.get("rates_hz", [rate]), "rates_hz", min_length=1)))
    if rate not in rates:
        raise c.fail("rate_hz", f"{rate:g} is not among rates_hz {list(rates)}")
    baud = c.integer(top.get("baud", 115200), "baud", 300, 20_000_000)
    description = str(top.get("description", ""))
    plates = _plates(c, top.get("plates", []), channels)
    calibration = _calibration(c, top.get("calibration"), channels, units)
    text_format = _text_format(c, top.get("text_format"), protocol, channels, rate)
    return DeviceProfile(name=name, description=description, protocol=protocol, sample_units=units,
                         channels=channels, rate_hz=rate, rates_hz=rates, plates=plates, calibration=calibration,
                         baud=baud, text_format=text_format, source=source,
                         calibration_note=str((top.get("calibration") or {}).get("note", "")))


def _plates(c: _Checker, value: Any, channels: int) -> tuple[PlateSpec, ...]:
    out: list[PlateSpec] = []
    used: dict[int, str] = {}
    for i, raw in enumerate(c.array(value, "plates")):
        where = f"plates[{i}]"
        plate = c.obj(raw, where, {"name", "cells", "size_mm", "origin_mm"}, {"name", "cells"})
        pname = c.string(plate["name"], f"{where}.name")
        if any(p.name == pname for p in out):
            raise c.fail(f"{where}.name", f"plate name {pname!r} used twice")
        size = None
        if "size_mm" in plate:
            w, d = (c.number(v, f"{where}.size_mm[{k}]", positive=True)
                    for k, v in enumerate(c.array(plate["size_mm"], f"{where}.size_mm", length=2)))
            size = (w, d)
        origin = (0.0, 0.0)
        if "origin_mm" in plate:
            ox, oy = (c.number(v, f"{where}.origin_mm[{k}]") / 1000.0
                      for k, v in enumerate(c.array(plate["origin_mm"], f"{where}.origin_mm", length=2)))
            origin = (ox, oy)
        chans: list[int] = []
        names: list[str] = []
        positions: list[tuple[float, float]] = []
        cells = c.array(plate["cells"], f"{where}.cells", min_length=1)
        for j, rawcell in enumerate(cells):
            cw = f"{where}.cells[{j}]"
            cell = c.obj(rawcell, cw, {"channel", "position", "x_mm", "y_mm"}, {"channel"})
            ch = c.integer(cell["channel"], f"{cw}.channel", 0, channels - 1)
            if ch in used:
                raise c.fail(f"{cw}.channel", f"channel {ch} is already a cell of plate {used[ch]!r}")
            used[ch] = pname
            chans.append(ch)
            names.append(c.string(cell.get("position", f"cell{j}"), f"{cw}.position"))
            has_xy = ("x_mm" in cell, "y_mm" in cell)
            if has_xy == (True, True):
                positions.append((c.number(cell["x_mm"], f"{cw}.x_mm") / 1000.0,
                                  c.number(cell["y_mm"], f"{cw}.y_mm") / 1000.0))
            elif any(has_xy):
                raise c.fail(cw, "give both x_mm and y_mm, or neither")
        if positions and len(positions) != len(cells):
            raise c.fail(f"{where}.cells", "give x_mm/y_mm for every cell of the plate, or for none")
        if len(set(names)) != len(names):
            raise c.fail(f"{where}.cells", f"cell positions repeat: {names}")
        if positions and len(set(positions)) != len(positions):
            raise c.fail(f"{where}.cells", "two cells at the same x/y")
        if size is not None and positions:
            half_w, half_d = size[0] / 2000.0, size[1] / 2000.0
            for j, (x, y) in enumerate(positions):
                if abs(x) > half_w or abs(y) > half_d:
                    raise c.fail(f"{where}.cells[{j}]", f"cell at ({x * 1000:g}, {y * 1000:g}) mm lies outside the "
                                                        f"{size[0]:g} x {size[1]:g} mm plate (origin at its centre)")
        out.append(PlateSpec(pname, tuple(chans), tuple(names), tuple(positions) if positions else None, size,
                             origin))
    return tuple(out)


def _calibration(c: _Checker, value: Any, channels: int, units: str) -> Calibration | None:
    if units == "N":
        if value is not None:
            raise c.fail("calibration", "a device that sends newtons (sample_units N) takes no count calibration")
        return None
    if value is None:
        raise c.fail("calibration", "a device that sends counts needs a default calibration "
                                    "(gain_n_per_count, offset_counts)")
    cal = c.obj(value, "calibration", {"gain_n_per_count", "offset_counts", "note"},
                {"gain_n_per_count", "offset_counts"})
    gains = tuple(c.number(g, f"calibration.gain_n_per_count[{i}]", nonzero=True)
                  for i, g in enumerate(c.array(cal["gain_n_per_count"], "calibration.gain_n_per_count",
                                                length=channels)))
    offsets = tuple(c.number(o, f"calibration.offset_counts[{i}]")
                    for i, o in enumerate(c.array(cal["offset_counts"], "calibration.offset_counts", length=channels)))
    return Calibration(gains, offsets, source="profile")


def _text_format(c: _Checker, value: Any, protocol: str, channels: int, rate: float) -> TextFormat | None:
    if protocol != "text":
        if value is not None:
            raise c.fail("text_format", f"only text devices take a text_format (protocol is {protocol!r})")
        return None
    if value is None:
        raise c.fail("text_format", "a text device needs text_format (delimiter, time_column, channel_columns)")
    tf = c.obj(value, "text_format", {"delimiter", "time_column", "time_unit_s", "channel_columns", "time_wrap"},
               {"channel_columns"})
    cols = tuple(c.integer(v, f"text_format.channel_columns[{i}]", 0, 255)
                 for i, v in enumerate(c.array(tf["channel_columns"], "text_format.channel_columns",
                                               length=channels)))
    time_column = tf.get("time_column", 0)
    if time_column is not None:
        time_column = c.integer(time_column, "text_format.time_column", 0, 255)
    delimiter = tf.get("delimiter")
    if delimiter is not None and (not isinstance(delimiter, str) or not delimiter):
        raise c.fail("text_format.delimiter", f"expected a non-empty string or null (any of , ; tab space), "
                                              f"got {delimiter!r}")
    wrap = tf.get("time_wrap")
    try:
        return TextFormat(channels=cols, time_column=time_column,
                          time_unit=c.number(tf.get("time_unit_s", 1e-6), "text_format.time_unit_s", positive=True),
                          time_wrap=None if wrap is None else c.integer(wrap, "text_format.time_wrap", 1, 2**64),
                          delimiter=delimiter, rate_hz=rate)
    except ValueError as exc:
        raise c.fail("text_format", str(exc)) from None
