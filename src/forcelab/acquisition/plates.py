"""The plate map under its first name: :mod:`forcelab.devices.plates` holds it (the archive builds one too, to
recompute a trial's centre of pressure from its raw counts, and the archive may not import acquisition).
Importing it from here keeps working."""

from __future__ import annotations

from forcelab.devices.plates import PlateLayout, PlateMap, layout_columns

__all__ = ["PlateLayout", "PlateMap", "layout_columns"]
