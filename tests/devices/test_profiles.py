"""Device profiles: the shipped ones load and agree with the firmware; broken files fail clearly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from forcelab.devices import profiles as pr

SHIPPED = ["forcelab-dual-plate", "single-load-cell", "chronojump-force-sensor", "text-8ch-plates"]


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_profiles_load(name: str) -> None:
    prof = pr.load_profile(name)
    assert prof.name == name and prof.source.endswith(f"{name}.json")
    mapped = sorted(c for p in prof.plates for c in p.channels)
    assert mapped == list(range(prof.channels))  # every channel is a cell of exactly one plate
    if prof.sample_units == "counts":
        assert prof.calibration is not None and len(prof.calibration.gains) == prof.channels
    else:
        assert prof.calibration is None


def test_dual_plate_geometry_and_channel_map() -> None:
    prof = pr.load_profile("forcelab-dual-plate")
    assert [p.name for p in prof.plates] == ["left", "right"]
    left, right = prof.plates
    assert left.channels == (0, 1, 2, 3) and right.channels == (4, 5, 6, 7)
    assert left.has_cop and right.has_cop
    assert left.cell_positions is not None
    assert left.cell_positions[0] == pytest.approx((-0.17, 0.27))  # mm in the file, metres here
    assert prof.channel_names[5] == "right.front_right"
    # nominal gain from the parts: 200 kg at 2 mV/V, PGA 128, 24-bit ratiometric
    assert prof.calibration is not None
    assert prof.calibration.gains[0] == pytest.approx(200 * 9.80665 / (0.002 * 128 * 2**23), rel=1e-7)


def test_dual_plate_rates_match_the_firmware_board() -> None:
    board = (Path(__file__).resolve().parents[2] / "hardware" / "firmware" / "board_rp2040_ads1220.c").read_text()
    line = next(x for x in board.splitlines() if x.startswith("const uint32_t board_rates[]"))
    rates = [float(v) for v in line.split("{")[1].split("}")[0].split(",") if v.strip() != "0"]
    assert pr.load_profile("forcelab-dual-plate").rates_hz == tuple(rates)


def test_profile_feeds_the_plate_map() -> None:
    from forcelab.devices.plates import PlateMap

    plate_map = PlateMap.from_profile(pr.load_profile("forcelab-dual-plate"))
    assert plate_map.names == ("left", "right") and all(p.has_cop for p in plate_map.plates)


def test_text_profile_builds_a_text_format() -> None:
    prof = pr.load_profile("text-8ch-plates")
    assert prof.text_format is not None
    assert prof.text_format.channels == (1, 2, 3, 4, 5, 6, 7, 8) and prof.text_format.delimiter == ","


def test_load_by_path_and_user_dir_wins(tmp_path: Path) -> None:
    base = json.loads((pr.REPO_PROFILES / "single-load-cell.json").read_text())
    base["description"] = "mine"
    mine = tmp_path / "custom.json"
    mine.write_text(json.dumps(base))
    assert pr.load_profile(mine).description == "mine"
    assert pr.load_profile(str(mine)).description == "mine"
    user = pr.user_profile_dir()
    user.mkdir(parents=True, exist_ok=True)
    (user / "single-load-cell.json").write_text(json.dumps(base))
    try:
        assert pr.load_profile("single-load-cell").description == "mine"
        assert pr.available_profiles()["single-load-cell"].startswith(str(user))
    finally:
        (user / "single-load-cell.json").unlink()


def test_unknown_name_lists_what_exists() -> None:
    with pytest.raises(pr.ProfileError, match="no device profile named 'nope'; available: .*forcelab-dual-plate"):
        pr.load_profile("nope")
    with pytest.raises(pr.ProfileError, match="not found"):
        pr.load_profile("/does/not/exist.json")
    with pytest.raises(pr.ProfileError, match="not a profile name"):
        pr.load_profile("a b")


def good() -> dict[str, Any]:
    return json.loads((pr.REPO_PROFILES / "forcelab-dual-plate.json").read_text())


def broken(edit: str) -> dict[str, Any]:
    d = good()
    if edit == "schema":
        d["schema"] = "forcelab-device-profile/9"
    elif edit == "typo":
        d["chanels"] = 8
    elif edit == "protocol":
        d["protocol"] = "morse"
    elif edit == "channel_range":
        d["plates"][1]["cells"][3]["channel"] = 8
    elif edit == "channel_twice":
        d["plates"][1]["cells"][0]["channel"] = 0
    elif edit == "gains_length":
        d["calibration"]["gain_n_per_count"] = d["calibration"]["gain_n_per_count"][:7]
    elif edit == "gain_zero":
        d["calibration"]["gain_n_per_count"][2] = 0
    elif edit == "half_xy":
        del d["plates"][0]["cells"][1]["y_mm"]
    elif edit == "outside":
        d["plates"][0]["cells"][2]["x_mm"] = -250
    elif edit == "rate":
        d["rate_hz"] = 1000
    elif edit == "no_cal":
        del d["calibration"]
    elif edit == "newtons_with_cal":
        d["sample_units"] = "N"
    elif edit == "bool_channels":
        d["channels"] = True
    return d


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ("schema", r"schema: expected 'forcelab-device-profile/1'"),
        ("typo", r"profile: unknown key\(s\) chanels"),
        ("protocol", r"protocol: 'morse' is not one of binary, text, chronojump"),
        ("channel_range", r"plates\[1\]\.cells\[3\]\.channel: expected an integer 0\.\.7, got 8"),
        ("channel_twice", r"plates\[1\]\.cells\[0\]\.channel: channel 0 is already a cell of plate 'left'"),
        ("gains_length", r"calibration\.gain_n_per_count: expected 8 entries, got 7"),
        ("gain_zero", r"calibration\.gain_n_per_count\[2\]: must not be 0"),
        ("half_xy", r"plates\[0\]\.cells\[1\]: give both x_mm and y_mm"),
        ("outside", r"plates\[0\]\.cells\[2\]: cell at \(-250, -270\) mm lies outside"),
        ("rate", r"rate_hz: 1000 is not among rates_hz"),
        ("no_cal", r"calibration: a device that sends counts needs a default calibration"),
        ("newtons_with_cal", r"calibration: a device that sends newtons"),
        ("bool_channels", r"channels: expected an integer 1\.\.64, got True"),
    ],
)
def test_bad_profiles_say_where(edit: str, message: str, tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(broken(edit)))
    with pytest.raises(pr.ProfileError, match=message) as err:
        pr.load_profile(path)
    assert str(path) in str(err.value)


def test_invalid_json_reports_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{\n  "schema": "forcelab-device-profile/1",\n  "name": \n}')
    with pytest.raises(pr.ProfileError, match=r"not valid JSON .* line 4"):
        pr.load_profile(path)
