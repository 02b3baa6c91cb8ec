"""The plate map as the archive keeps it (PlateMap.to_dict): read back to the same map, and the same centre of
pressure from the same cell forces."""

from __future__ import annotations

import json

import numpy as np

from forcelab.devices.plates import PlateMap
from forcelab.devices.profiles import load_profile


def test_plate_geometry_round_trips_through_json() -> None:
    pm = PlateMap.from_profile(load_profile("forcelab-dual-plate"))
    again = PlateMap.from_profile(json.loads(json.dumps(pm.to_dict())))
    assert again == pm and again.has_cop
    cells = np.abs(np.random.default_rng(1).normal(90.0, 20.0, (500, 8)))
    cells[:100, 4:] = 0.0  # the right plate unloaded for a while: its CoP counts with no weight
    x, y = again.centre_of_pressure(cells)
    _total, per_plate, cop = pm.combine(cells)
    ex, ey = pm.combined_cop(per_plate, cop)
    np.testing.assert_array_equal(x, ex)
    np.testing.assert_array_equal(y, ey)
    assert np.all(x[:100] < 0)  # on the left plate only (its origin is at -205 mm)
    assert not PlateMap.single(2).has_cop and PlateMap.from_profile(PlateMap.single(2).to_dict()) == PlateMap.single(2)
