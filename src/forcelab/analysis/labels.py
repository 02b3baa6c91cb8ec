"""How a metric key reads for a person: one table for every screen, the report and the command line.

Analysis modules name metrics with stable snake_case keys (kept as they are in CSV headers and the archive).
``metric_label`` turns a key into words with its unit: a few keys have a hand-written name (``NAMES``), every
other key is composed word by word (``WORDS``), so a new metric reads sensibly without a line here.
"""

from __future__ import annotations

import re

#: Hand-written names of the headline metrics (the key's words alone would read badly).
NAMES: dict[str, str] = {
    "jump_height_takeoff_velocity": "Jump height (take-off velocity)",
    "jump_height_flight_time": "Jump height (flight time)",
    "jump_height_impulse": "Jump height (impulse)",
    "rsi_modified": "RSI-modified",
    "rsi": "Reactive strength index",
    "time_to_takeoff": "Time to take-off",
    "takeoff_velocity": "Take-off velocity",
    "net_peak_force": "Net peak force",
    "countermovement_depth": "Countermovement depth",
    # repeated hops (rebound): the 10/5 test's figures
    "hop_count": "Hops",
    "contact_time_mean": "Contact time (mean of hops)",
    "flight_time_mean": "Flight time (mean of hops)",
    "rsi_best5_mean": "RSI (mean of best 5 hops)",
    "rsi_max": "RSI (best hop)",
    "contact_time_best5_mean": "Contact time (best 5 hops)",
    "jump_height_best5_mean": "Jump height (best 5 hops)",
}
#: Words that are not written as the key spells them.
WORDS: dict[str, str] = {"rfd": "RFD", "rsi": "RSI", "takeoff": "take-off", "sd": "SD", "cop": "CoP"}
#: Units as a person writes them.
UNITS: dict[str, str] = {"N*s": "N·s", "N*s/kg": "N·s/kg", "kg*m/s": "kg·m/s", "1": ""}


def unit_text(unit: str | None) -> str:
    """``unit`` as written on screen (``N*s`` -> ``N·s``; a ratio's ``1`` -> nothing)."""
    if not unit:
        return ""
    return UNITS.get(unit, unit)


def metric_name(key: str) -> str:
    """The words for ``key``, without the unit: ``peak_force_asymmetry`` -> ``Peak force asymmetry``,
    ``rfd_0_200ms`` -> ``RFD 0–200 ms``."""
    if key in NAMES:
        return NAMES[key]
    text = re.sub(r"(\d+)_(\d+)ms", r"\1–\2 ms", key)
    text = re.sub(r"(\d+)ms", r"\1 ms", text)
    words = [WORDS.get(w, w) for w in text.split("_") if w]
    if not words:
        return key
    first = words[0]
    words[0] = first if first.isupper() else first[:1].upper() + first[1:]
    return " ".join(words)


def metric_label(key: str, unit: str | None = None) -> str:
    """``key`` as a person reads it, with its unit in parentheses when it has one:
    ``metric_label("jump_height_takeoff_velocity", "m")`` -> ``Jump height (take-off velocity) (m)``."""
    u = unit_text(unit)
    return f"{metric_name(key)} ({u})" if u else metric_name(key)
