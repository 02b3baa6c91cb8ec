"""The frozen byte-level vectors in hardware/vectors/ against the Python codec and decoder, and the
examples printed in hardware/protocol.md against the codec."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from forcelab.devices import cobs
from forcelab.devices import protocol as p
from forcelab.devices.binary_decoder import BinaryDecoder

ROOT = Path(__file__).resolve().parents[2]
VECTORS = ROOT / "hardware" / "vectors"
NAMES = sorted(f.stem for f in VECTORS.glob("*.json"))


def load(name: str) -> tuple[dict[str, Any], bytes]:
    v = json.loads((VECTORS / f"{name}.json").read_text())
    return v, (VECTORS / v["file"]).read_bytes()


def reply_json(r: p.Message | p.Rejected) -> dict[str, Any]:
    """The JSON form used in the vectors, built from a decoded message."""
    if isinstance(r, p.LogMessage):
        return {"type": "LOG", "text": r.text}
    if isinstance(r, p.IdentifyReply):
        return {"type": "IDENTIFY_REPLY", "seq": r.seq, "protocol_version": r.protocol_version,
                "channels": r.channels, "rate_hz": r.rate_hz, "model": r.model, "serial": r.serial,
                "firmware": r.firmware}
    if isinstance(r, p.Ack):
        return {"type": "ACK", "seq": r.seq, "command": r.command}
    if isinstance(r, p.CalibrationReply):
        return {"type": "CALIBRATION_REPLY", "seq": r.seq, "gains": list(r.gains), "offsets": list(r.offsets)}
    if isinstance(r, p.ErrorReply):
        return {"type": "ERROR_REPLY", "seq": r.seq, "command": r.command, "code": r.code, "message": r.message}
    if isinstance(r, p.Identify | p.Start | p.Stop | p.ReadCalibration):
        return {"type": {p.Identify: "IDENTIFY", p.Start: "START", p.Stop: "STOP",
                         p.ReadCalibration: "READ_CALIBRATION"}[type(r)], "seq": r.seq}
    if isinstance(r, p.SetRate):
        return {"type": "SET_RATE", "seq": r.seq, "rate_hz": r.rate_hz}
    if isinstance(r, p.Tare):
        return {"type": "TARE", "seq": r.seq, "samples": r.samples}
    if isinstance(r, p.WriteCalibration):
        return {"type": "WRITE_CALIBRATION", "seq": r.seq, "gains": list(r.gains), "offsets": list(r.offsets)}
    raise AssertionError(f"unexpected message {r!r}")


def test_vectors_exist() -> None:
    assert {"samples_2ch_basic", "samples_8ch_10khz", "samples_counter_wrap", "samples_counter_gap",
            "samples_corrupted_frame", "stream_mixed", "commands"} <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("chunk", [1, 13, 1 << 16])
def test_decoder_reproduces_vector(name: str, chunk: int) -> None:
    v, wire = load(name)
    exp = v["expect"]
    if "commands" in exp:  # host -> device traffic: what a device (simulator, firmware) reads
        reader = p.FrameReader()
        got = [m for i in range(0, len(wire), chunk) for m in reader.feed(wire[i : i + chunk])]
        assert [reply_json(m) for m in got] == exp["commands"]
        return
    dec = BinaryDecoder()
    blocks = [b for i in range(0, len(wire), chunk) for b in dec.feed(wire[i : i + chunk])]
    counter = np.concatenate([b.counter for b in blocks])
    np.testing.assert_array_equal(counter, np.array(exp["counter"], dtype=np.uint64))
    np.testing.assert_array_equal(np.concatenate([b.counts for b in blocks]), np.array(exp["counts"]))
    t_us = np.concatenate([b.device_time for b in blocks]) * 1e6
    np.testing.assert_allclose(t_us, exp["device_time_us"], rtol=0, atol=1e-3)
    assert [reply_json(r) for r in dec.replies] == exp.get("replies", [])
    s = dec.stats
    assert {"crc_errors": s.crc_errors, "malformed": s.malformed, "samples_lost": s.samples_lost,
            "frames_ok": s.frames_ok} == exp["stats"]


def _generator() -> Any:
    """hardware/vectors/make_vectors.py as a module (it encodes items with forcelab's codec)."""
    spec = importlib.util.spec_from_file_location("make_vectors", VECTORS / "make_vectors.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", NAMES)
def test_python_encoder_reproduces_vector_bytes(name: str) -> None:
    gen = _generator()
    v, wire = load(name)
    out = bytearray(b"".join(gen.encode_item(item) for item in v["items"]))
    for d in v["damage"]:
        out[d["offset"]] ^= d["xor"]
    assert bytes(out) == wire
    assert gen.expectations(v) == v["expect"]


def test_corrupted_vector_damages_only_a_non_code_byte() -> None:
    v, wire = load("samples_corrupted_frame")
    assert v["expect"]["stats"]["crc_errors"] == 1 and v["expect"]["stats"]["samples_lost"] == 10
    assert 20 not in v["expect"]["counter"] and 30 in v["expect"]["counter"]
    assert wire.count(b"\x00") == 5  # the flip did not create a delimiter


def doc_examples() -> list[tuple[str, str]]:
    """(decoded hex, wire hex) pairs from the code blocks of protocol.md section 9."""
    text = (ROOT / "hardware" / "protocol.md").read_text()
    section = text[text.index("## 9. Byte-level examples") :]
    pairs = []
    for block in re.findall(r"```\n(.*?)```", section, flags=re.S):
        decoded = "".join(re.findall(r"^(?:decoded:)?\s+((?:[0-9A-F]{2} ?)+)", block.split("wire:")[0], flags=re.M))
        wire = "".join(re.findall(r"((?:[0-9A-F]{2} ?)+)", block.split("wire:")[1]))
        pairs.append((decoded.replace(" ", ""), wire.replace(" ", "")))
    return pairs


def test_protocol_md_examples_are_consistent() -> None:
    pairs = doc_examples()
    assert len(pairs) == 9
    for decoded, wire in pairs:
        raw, enc = bytes.fromhex(decoded), bytes.fromhex(wire)
        assert enc.endswith(b"\x00") and cobs.decode(enc[:-1]) == raw
        assert cobs.encode(raw) + b"\x00" == enc
        msg = p.parse_frame(raw)  # CRC and layout valid
        if isinstance(msg, p.SampleFrame):
            assert enc == (VECTORS / "samples_2ch_basic.bin").read_bytes()
        else:
            re_encoded = p.encode_reply(msg) if isinstance(msg, p.IdentifyReply | p.Ack | p.ErrorReply) else \
                p.encode_command(msg)  # type: ignore[arg-type]
            assert re_encoded == enc
