"""Text-line decoder: column maps, line ends, banners, partial lines, synthesised counters and gaps."""

from __future__ import annotations

import numpy as np
import pytest

from forcelab.devices.text_decoder import TextFormat, TextLineDecoder
from forcelab.devices.types import SampleBlock


def run(dec: TextLineDecoder, data: bytes, chunk: int) -> list[SampleBlock]:
    out: list[SampleBlock] = []
    for i in range(0, len(data), chunk):
        out += dec.feed(data[i : i + chunk])
    return out


def cat(blocks: list[SampleBlock]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    vals = [b.values for b in blocks if b.values is not None]
    return (np.concatenate([b.counter for b in blocks]), np.concatenate([b.device_time for b in blocks]),
            np.concatenate(vals))


@pytest.mark.parametrize("chunk", [1, 5, 64, 10_000])
@pytest.mark.parametrize("eol", [b"\n", b"\r\n", b"\r"])
def test_micros_force_lines_any_chunking_and_line_end(chunk: int, eol: bytes) -> None:
    lines = [f"{1000 + 1000 * i};{i * 1.5 - 3:.2f}".encode() for i in range(50)]
    data = b"HX711 ready, firmware v2" + eol + eol.join(lines) + eol
    dec = TextLineDecoder(TextFormat(channels=(1,), time_column=0, time_unit=1e-6, delimiter=";"))
    counter, t, v = cat(run(dec, data, chunk))
    np.testing.assert_array_equal(counter, np.arange(50))
    np.testing.assert_allclose(t, (1000 + 1000 * np.arange(50)) * 1e-6)
    np.testing.assert_allclose(v[:, 0], np.round(np.arange(50) * 1.5 - 3, 2))
    assert dec.stats.messages == ["HX711 ready, firmware v2"] and dec.text_lines == 1
    assert dec.stats.malformed == 0 and dec.stats.samples_lost == 0 and dec.stats.samples_ok == 50


def test_eight_channel_columns_mapped_and_milliseconds() -> None:
    rows = [[i * 2, *(c * 10.0 + i for c in range(8))] for i in range(30)]
    data = "".join(",".join(f"{x:g}" for x in r) + "\n" for r in rows).encode()
    fmt = TextFormat(channels=(8, 7, 6, 5, 4, 3, 2, 1), time_column=0, time_unit=1e-3, delimiter=",")
    blocks = TextLineDecoder(fmt).feed(data)
    (blk,) = blocks
    assert blk.channels == 8 and blk.counts.shape == (30, 0)
    assert blk.values is not None
    np.testing.assert_allclose(blk.values, np.array(rows)[:, [8, 7, 6, 5, 4, 3, 2, 1]])
    np.testing.assert_allclose(blk.device_time, np.arange(30) * 2e-3)


def test_gap_in_time_column_counts_lost_samples() -> None:
    times = list(range(0, 40_000, 1000)) + list(range(45_000, 60_000, 1000))  # 40_000..44_000 missing
    data = "".join(f"{t};{t / 1000:.1f}\n" for t in times).encode()
    dec = TextLineDecoder(TextFormat(delimiter=";", rate_hz=1000))
    counter, _, _ = cat(run(dec, data, 37))
    assert dec.stats.samples_lost == 5
    np.testing.assert_array_equal(counter, np.r_[np.arange(40), np.arange(45, 60)])


def test_period_is_estimated_when_no_rate_given() -> None:
    times = list(range(0, 20 * 500, 500)) + [19 * 500 + 500 * 3]  # after 20 regular lines, 2 missing
    data = "".join(f"{t} 1.0\n" for t in times).encode()
    dec = TextLineDecoder(TextFormat(), estimate_from=8)
    counter, _, _ = cat(run(dec, data, 11))
    assert dec.clock.period == pytest.approx(500)
    assert dec.stats.samples_lost == 2 and counter[-1] == 22


def test_jitter_below_one_and_a_half_periods_is_not_a_gap() -> None:
    times = np.cumsum([1000, 1400, 600, 1450, 550, 1000, 1000])
    data = "".join(f"{t};5\n" for t in times).encode()
    dec = TextLineDecoder(TextFormat(delimiter=";", rate_hz=1000))
    counter, _, _ = cat(dec.feed(data))
    assert dec.stats.samples_lost == 0 and list(counter) == list(range(7))


def test_counter_column_and_no_time_column() -> None:
    data = b"0,1.0\n1,2.0\n2,3.0\n5,6.0\n"
    dec = TextLineDecoder(TextFormat(time_column=0, time_is_counter=True, delimiter=",", rate_hz=100))
    counter, t, _ = cat(dec.feed(data))
    assert list(counter) == [0, 1, 2, 5] and dec.stats.samples_lost == 2
    np.testing.assert_allclose(t, [0, 0.01, 0.02, 0.05])
    dec = TextLineDecoder(TextFormat(channels=(0, 1), time_column=None, rate_hz=50))
    counter, t, v = cat(dec.feed(b"1 2\n3 4\n"))
    assert list(counter) == [0, 1] and t[1] == pytest.approx(0.02) and v.tolist() == [[1, 2], [3, 4]]


def test_time_wrap_of_arduino_micros() -> None:
    w = 1 << 32
    times = [(w - 3000 + 1000 * i) % w for i in range(8)]
    data = "".join(f"{t};1\n" for t in times).encode()
    dec = TextLineDecoder(TextFormat(delimiter=";", rate_hz=1000, time_wrap=w))
    blocks = run(dec, data, 9)
    _, t, _ = cat(blocks)
    np.testing.assert_allclose(np.diff(t), 1e-3)
    assert dec.stats.samples_lost == 0 and dec.stats.resyncs == 0


def test_malformed_lines_are_counted_not_data() -> None:
    data = b"1000;1.0\n2000;\n3000;2.0;\n;;\n4000;nan\n5000;3.0\n12;34;56\n"
    dec = TextLineDecoder(TextFormat(delimiter=";", rate_hz=1000))
    counter, _, v = cat(dec.feed(data))
    # "3000;2.0;" has the columns needed (extra empty field): data. "12;34;56" too, but its time goes
    # backwards: held until the next line shows it was damage
    assert v[:, 0].tolist() == [1.0, 2.0, 3.0]
    assert dec.stats.malformed == 3  # "2000;", ";;", "4000;nan"
    assert dec.stats.samples_lost == 2  # 1000 -> 3000 and 3000 -> 5000 at 1 kHz
    _, _, v = cat(dec.feed(b"6000;4.0\n"))
    assert v[:, 0].tolist() == [4.0]
    assert dec.stats.malformed == 4 and dec.stats.samples_lost == 2 and dec.stats.resyncs == 0


def test_garbled_time_digit_costs_one_line_but_a_real_restart_is_followed() -> None:
    dec = TextLineDecoder(TextFormat(delimiter=";", rate_hz=100))
    lines = [b"0;1", b"10000;2", b"2000000000;3", b"30000;4", b"40000;5"]  # line 3 garbled
    counter, t, v = cat(dec.feed(b"\n".join(lines) + b"\n"))
    assert v[:, 0].tolist() == [1, 2, 4, 5] and dec.stats.malformed == 1
    assert list(counter) == [0, 1, 3, 4] and dec.stats.samples_lost == 1
    counter, t, v = cat(dec.feed(b"500;6\n10500;7\n20500;8\n"))  # device restarted its clock
    assert v[:, 0].tolist() == [6, 7, 8] and list(counter) == [5, 6, 7]
    assert any("jumped" in m for m in dec.stats.messages) and dec.stats.resyncs == 1


def test_overlong_line_is_dropped_and_reading_resumes() -> None:
    dec = TextLineDecoder(TextFormat(delimiter=";", rate_hz=1000), max_line=64)
    out = dec.feed(b"1000;1\n" + b"9" * 100)
    out += dec.feed(b"9" * 100 + b"\n2000;2\n")
    _, _, v = cat(out)
    assert v[:, 0].tolist() == [1.0, 2.0]
    assert dec.stats.malformed == 1 and dec.stats.bytes_discarded == 201


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"channels": ()}, "at least one channel"),
        ({"channels": (0,), "time_column": 0}, "both time and a channel"),
        ({"time_column": None}, "rate_hz is required"),
        ({"time_is_counter": True}, "rate_hz is required"),
        ({"rate_hz": -1.0}, "positive"),
        ({"channels": (1, 1)}, "repeat"),
        ({"delimiter": ""}, "delimiter"),
        ({"time_unit": 0.0}, "time_unit"),
    ],
)
def test_format_errors_are_clear(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TextFormat(**kwargs)  # type: ignore[arg-type]
