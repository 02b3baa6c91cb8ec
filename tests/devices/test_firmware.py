"""The C reference firmware (hardware/firmware), built with gcc on the host: its encoder must produce the
bytes of the frozen vectors, its command reader must parse what the Python host sends, and its device
logic must answer commands and stream frames that the Python decoder reads back exactly."""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from forcelab.devices import cobs
from forcelab.devices import protocol as p
from forcelab.devices.binary_decoder import BinaryDecoder

ROOT = Path(__file__).resolve().parents[2]
FIRMWARE = ROOT / "hardware" / "firmware"
VECTORS = ROOT / "hardware" / "vectors"
SOURCES = ["host_test.c", "forcelab_proto.c", "device.c"]


@pytest.fixture(scope="module")
def host_test(tmp_path_factory: pytest.TempPathFactory) -> Path:
    gcc = shutil.which("gcc")
    assert gcc, "gcc is needed to build hardware/firmware for this test"
    exe = tmp_path_factory.mktemp("firmware") / "host_test"
    cmd = [gcc, "-std=c99", "-O2", "-Wall", "-Wextra", "-Wpedantic", "-Werror", "-o", str(exe),
           *(str(FIRMWARE / s) for s in SOURCES), "-lm"]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return exe


def run(exe: Path, mode: str, data: bytes) -> bytes:
    done = subprocess.run([str(exe), mode], input=data, capture_output=True, check=False, timeout=60)
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout


def hexs(text: str) -> str:
    return text.encode().hex() or "-"


def f32_bits(x: float) -> str:
    return struct.pack("<f", x)[::-1].hex()


def script(items: list[dict[str, Any]]) -> bytes:
    """The host_test encode script for a vector's items (format documented in host_test.c)."""
    out: list[str] = []
    for item in items:
        if "samples" in item:
            s = item["samples"]
            ch = len(s["counts"][0])
            out.append(f"S {s['counter_start']} {s['samples_per_frame']} {ch} {len(s['micros'])}")
            out += [" ".join(map(str, [us, *row])) for us, row in zip(s["micros"], s["counts"], strict=True)]
        elif "raw_hex" in item:
            out.append(f"X {item['raw_hex']}")
        else:
            r = item["reply"]
            kind = r["type"]
            if kind == "IDENTIFY_REPLY":
                out.append(f"I {r['seq']} {r['protocol_version']} {r['channels']} {r['rate_hz']} "
                           f"{hexs(r['model'])} {hexs(r['serial'])} {hexs(r['firmware'])}")
            elif kind == "ACK":
                out.append(f"A {r['seq']} {r['command']}")
            elif kind == "CALIBRATION_REPLY":
                pairs = " ".join(f"{f32_bits(g)} {f32_bits(o)}" for g, o in zip(r["gains"], r["offsets"], strict=True))
                out.append(f"C {r['seq']} {len(r['gains'])} {pairs}")
            elif kind == "ERROR_REPLY":
                out.append(f"E {r['seq']} {r['command']} {r['code']} {hexs(r['message'])}")
            else:
                out.append(f"L {hexs(r['text'])}")
    return ("\n".join(out) + "\n").encode()


DEVICE_VECTORS = sorted(f.stem for f in VECTORS.glob("*.json") if f.stem != "commands")


@pytest.mark.parametrize("name", DEVICE_VECTORS)
def test_c_encoder_reproduces_vector_and_python_decodes_it(host_test: Path, name: str) -> None:
    v = json.loads((VECTORS / f"{name}.json").read_text())
    wire = bytearray(run(host_test, "encode", script(v["items"])))
    for d in v["damage"]:
        wire[d["offset"]] ^= d["xor"]
    assert bytes(wire) == (VECTORS / v["file"]).read_bytes()
    dec = BinaryDecoder()
    blocks = dec.feed(bytes(wire))
    np.testing.assert_array_equal(np.concatenate([b.counts for b in blocks]), np.array(v["expect"]["counts"]))
    np.testing.assert_array_equal(np.concatenate([b.counter for b in blocks]), v["expect"]["counter"])
    assert dec.stats.crc_errors == v["expect"]["stats"]["crc_errors"]


def test_c_command_reader_parses_vector_and_python_commands(host_test: Path) -> None:
    v = json.loads((VECTORS / "commands.json").read_text())
    lines = run(host_test, "commands", (VECTORS / "commands.bin").read_bytes()).decode().splitlines()
    expected = []
    for c in v["expect"]["commands"]:
        args = {"SET_RATE": [c.get("rate_hz")], "TARE": [c.get("samples")]}.get(c["type"], [])
        if c["type"] == "WRITE_CALIBRATION":
            args = [f"{x:.9g}" for pair in zip(c["gains"], c["offsets"], strict=True) for x in pair]
        expected.append(" ".join(map(str, [c["type"], c["seq"], *args])))
    assert lines == [*expected, "dropped 0"]


def test_c_command_reader_drops_damage_and_flags_bad_commands(host_test: Path) -> None:
    good = p.encode_command(p.Identify(seq=1))
    bad = bytearray(p.encode_command(p.Start(seq=2)))
    bad[2] ^= 0x04
    stream = (good + bytes(bad) + p.frame(0x20, b"\x07") + p.frame(p.FrameType.SET_RATE, b"\x08\x01")
              + b"\x00\x00" + p.encode_command(p.Stop(seq=9)))
    lines = run(host_test, "commands", stream).decode().splitlines()
    assert lines == ["IDENTIFY 1", "UNKNOWN 7 error=1", "SET_RATE 8 error=2", "STOP 9", "dropped 1"]


def test_c_cobs_matches_python(host_test: Path) -> None:
    rng = np.random.default_rng(7)
    cases = [b"", b"\x00", b"\x00\x00", bytes(range(1, 255)), bytes(range(1, 256)), bytes(range(0, 256)),
             b"\x01" * 254 + b"\x00", b"\x01" * 508, b"\x01" * 253 + b"\x00" + b"\x02" * 300]
    cases += [bytes(rng.integers(0, 3, int(rng.integers(1, 900))).astype(np.uint8)) for _ in range(50)]
    cases += [bytes(rng.integers(1, 256, int(rng.integers(1, 900))).astype(np.uint8)) for _ in range(50)]
    text = "\n".join(c.hex() or "-" for c in cases) + "\n"
    lines = run(host_test, "cobs", text.encode()).decode().splitlines()
    assert len(lines) == len(cases)
    for case, line in zip(cases, lines, strict=True):
        enc, status = line.split()
        assert status == "ok"
        assert bytes.fromhex(enc) == cobs.encode(case)


def device_script(steps: list[tuple[str, Any]]) -> bytes:
    out = []
    for kind, arg in steps:
        out.append(f"H {arg.hex()}" if kind == "H" else f"{kind} {arg}")
    return ("\n".join(out) + "\n").encode()


def expected_counts(s: np.ndarray) -> np.ndarray:
    """What the fake board's ADC delivers for sample s of a run (see host_test.c)."""
    return (s[:, None] * 37 + np.arange(8) * 1000 - 4000).astype(np.int32)


def test_device_logic_session(host_test: Path) -> None:
    steps: list[tuple[str, Any]] = [
        ("H", p.encode_command(p.Identify(seq=1))),
        ("H", p.encode_command(p.SetRate(rate_hz=1234, seq=2))),  # not a rate of this board
        ("H", p.encode_command(p.SetRate(rate_hz=2000, seq=3))),
        ("H", p.encode_command(p.Start(seq=4))),
        ("N", 25),  # 2 kHz -> 2 samples per frame: 12 frames sent, 1 sample pending
        ("H", p.encode_command(p.SetRate(rate_hz=1200, seq=5))),  # busy while streaming
        ("W", 0),  # the host stops reading: 3 frames (6 samples) are dropped, counter advances
        ("N", 6),
        ("W", -1),
        ("N", 9),
        ("H", p.encode_command(p.Stop(seq=6))),
        ("H", p.encode_command(p.WriteCalibration(gains=(0.5,) * 8, offsets=tuple(float(i) for i in range(8)),
                                                  seq=7))),
        ("H", p.encode_command(p.Tare(samples=4, seq=8))),
        ("N", 4),
        ("H", p.encode_command(p.ReadCalibration(seq=9))),
        ("H", p.frame(0x30, b"\x0a")),
    ]
    wire = run(host_test, "device", device_script(steps))
    dec = BinaryDecoder(8)
    blocks = dec.feed(wire)
    replies = list(dec.replies)
    assert replies[0] == p.LogMessage("forcelab-dual-plate 1.0.0 ready")
    assert replies[1] == p.IdentifyReply(1, 1, 8, 1000, "forcelab-dual-plate", "HOST-0001", "1.0.0")
    err = replies[2]
    assert isinstance(err, p.ErrorReply) and err.code_name == "BAD_ARGUMENT" and "2000" in err.message
    assert replies[3] == p.Ack(3, p.FrameType.SET_RATE)
    assert replies[4] == p.Ack(4, p.FrameType.START)
    busy = replies[5]
    assert isinstance(busy, p.ErrorReply) and busy.code_name == "BUSY" and busy.seq == 5
    assert replies[6] == p.Ack(6, p.FrameType.STOP)
    assert replies[7] == p.Ack(7, p.FrameType.WRITE_CALIBRATION)
    tare = replies[8]
    assert isinstance(tare, p.CalibrationReply) and tare.seq == 8
    # the tare ran the ADC from scratch: samples 0..3, mean of channel c = 1.5 * 37 + c * 1000 - 4000
    np.testing.assert_allclose(tare.offsets, 1.5 * 37 + np.arange(8) * 1000 - 4000)
    assert tare.gains == (0.5,) * 8
    assert replies[9] == tare.__class__(9, tare.gains, tare.offsets)
    unknown = replies[10]
    assert isinstance(unknown, p.ErrorReply) and unknown.code_name == "UNKNOWN_COMMAND" and unknown.seq == 10
    # samples: 0..39 minus the 6 dropped while the host was not reading
    counter = np.concatenate([b.counter for b in blocks]).astype(np.int64)
    sent = np.r_[0:24, 30:40]  # 24 sent before W 0 (25th pending, then frames 24-25, 26-27, 28-29 dropped)
    np.testing.assert_array_equal(counter, sent)
    np.testing.assert_array_equal(np.concatenate([b.counts for b in blocks]), expected_counts(sent))
    np.testing.assert_allclose(np.concatenate([b.device_time for b in blocks]), 1.0 + sent / 2000)
    assert dec.stats.samples_lost == 6 and dec.stats.crc_errors == 0 and dec.stats.malformed == 0
