"""Write the protocol test vectors in this folder: <name>.bin (bytes on the wire) + <name>.json.

Run once when the protocol changes (``python hardware/vectors/make_vectors.py``), then review the diff:
the vectors are frozen, and tests check both the Python decoder and the C firmware encoder against them.
Each JSON holds the inputs (``items``: what was encoded, in order), the ``damage`` applied afterwards
(bytes XOR-ed at offsets, to make corrupted frames), and what a correct decoder must report
(``expect``), derived from the inputs, not from running a decoder.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any

import numpy as np

from forcelab.devices import protocol as p

HERE = Path(__file__).resolve().parent


def encode_item(item: dict[str, Any]) -> bytes:
    """Bytes for one input item (samples, reply, command or raw bytes)."""
    if "samples" in item:
        s = item["samples"]
        return p.encode_samples(
            s["counter_start"], np.array(s["micros"], dtype=np.int64), np.array(s["counts"], dtype=np.int64),
            samples_per_frame=s["samples_per_frame"],
        )
    if "reply" in item:
        return p.encode_reply(reply_from_json(item["reply"]))
    if "command" in item:
        return p.encode_command(command_from_json(item["command"]))
    return bytes.fromhex(item["raw_hex"])


def reply_from_json(r: dict[str, Any]) -> p.Reply:
    """A reply dataclass from its JSON form."""
    kind = r["type"]
    if kind == "IDENTIFY_REPLY":
        return p.IdentifyReply(r["seq"], r["protocol_version"], r["channels"], r["rate_hz"], r["model"],
                               r["serial"], r["firmware"])
    if kind == "ACK":
        return p.Ack(r["seq"], r["command"])
    if kind == "CALIBRATION_REPLY":
        return p.CalibrationReply(r["seq"], tuple(r["gains"]), tuple(r["offsets"]))
    if kind == "ERROR_REPLY":
        return p.ErrorReply(r["seq"], r["command"], r["code"], r["message"])
    if kind == "LOG":
        return p.LogMessage(r["text"])
    raise ValueError(kind)


def command_from_json(c: dict[str, Any]) -> p.Command:
    """A command dataclass from its JSON form."""
    kind, seq = c["type"], c["seq"]
    if kind == "IDENTIFY":
        return p.Identify(seq)
    if kind == "START":
        return p.Start(seq)
    if kind == "STOP":
        return p.Stop(seq)
    if kind == "SET_RATE":
        return p.SetRate(c["rate_hz"], seq)
    if kind == "TARE":
        return p.Tare(c["samples"], seq)
    if kind == "READ_CALIBRATION":
        return p.ReadCalibration(seq)
    if kind == "WRITE_CALIBRATION":
        return p.WriteCalibration(tuple(c["gains"]), tuple(c["offsets"]), seq)
    raise ValueError(kind)


def samples(counter_start: int, micros: np.ndarray, counts: np.ndarray, spf: int) -> dict[str, Any]:
    return {"samples": {"counter_start": int(counter_start), "samples_per_frame": spf,
                        "micros": [int(m) & 0xFFFFFFFF for m in micros], "counts": counts.astype(int).tolist()}}


def plate_counts(n: int, rng: np.random.Generator) -> np.ndarray:
    """Eight load cells of a dual plate: someone standing, ~ +1.2 M counts per cell, noise, one cell unloaded."""
    base = np.array([1_210_000, 1_190_500, 1_250_250, 1_170_100, 980_000, 1_020_000, 1_005_000, -1_250])
    return base + rng.integers(-400, 400, (n, 8))


def build() -> dict[str, dict[str, Any]]:
    rng = np.random.default_rng(20260101)
    vec: dict[str, dict[str, Any]] = {}

    vec["samples_2ch_basic"] = {
        "description": "The SAMPLES example of protocol.md section 9: 2 channels, 2 samples in one frame.",
        "items": [samples(7, np.array([1000, 1100]), np.array([[1, -1], [0x123456, -0x800000]]), 2)],
        "damage": [],
    }
    n = 100
    vec["samples_8ch_10khz"] = {
        "description": "Dual plate, 8 channels at 10 kHz, 10 samples per frame, 10 frames.",
        "items": [samples(0, 250_000 + np.arange(n) * 100, plate_counts(n, rng), 10)],
        "damage": [],
    }
    n = 60
    vec["samples_counter_wrap"] = {
        "description": "3 channels at 1 kHz; the 32-bit sample counter and the microsecond clock both wrap.",
        "items": [samples(2**32 - 25, 2**32 - 20_500 + np.arange(n) * 1000,
                          rng.integers(-(1 << 23), 1 << 23, (n, 3)), 10)],
        "damage": [],
    }
    vec["samples_counter_gap"] = {
        "description": "4 channels at 2 kHz; 20 samples (counters 30..49) never sent: samples_lost = 20.",
        "items": [
            samples(0, 10_000 + np.arange(30) * 500, rng.integers(-5000, 5000, (30, 4)), 2),
            samples(50, 10_000 + np.arange(50, 80) * 500, rng.integers(-5000, 5000, (30, 4)), 2),
        ],
        "damage": [],
    }
    counts5 = plate_counts(50, np.random.default_rng(5))
    item = samples(0, np.arange(50) * 100, counts5, 10)
    pieces = encode_item(item).split(b"\x00")
    frame2 = pieces[2]
    start2 = len(pieces[0]) + len(pieces[1]) + 2
    # flip bit 4 of a count byte in the frame's 4th sample or later that is neither a COBS code byte nor
    # 0x10 (which would become a delimiter): COBS stays valid, so only the CRC can catch it
    code_positions, i = set(), 0
    while i < len(frame2):
        code_positions.add(i)
        i += frame2[i]
    target = next(j for j in range(120, len(frame2)) if j not in code_positions and frame2[j] != 0x10)
    vec["samples_corrupted_frame"] = {
        "description": "8 channels, 5 frames of 10; one bit of frame 2 (samples 20..29) flipped: the frame fails its "
                       "CRC and is dropped whole (crc_errors = 1, samples_lost = 10), no value of it is returned.",
        "items": [item],
        "damage": [{"offset": start2 + target, "xor": 0x10}],
    }

    ident = {"type": "IDENTIFY_REPLY", "seq": 1, "protocol_version": 1, "channels": 2, "rate_hz": 1000,
             "model": "forcelab-dual-plate", "serial": "FL-0042", "firmware": "1.0.0"}
    vec["stream_mixed"] = {
        "description": "What a host sees after connecting: the tail of a frame, a boot LOG, replies to IDENTIFY "
                       "and START, samples, a calibration reply, garbage (13 37) between frames, an error reply, "
                       "more samples and the ACK of STOP.",
        "items": [
            {"raw_hex": "a1b2c300"},
            {"reply": {"type": "LOG", "text": "forcelab-dual-plate 1.0.0 ready"}},
            {"reply": ident},
            {"reply": {"type": "ACK", "seq": 2, "command": 0x11}},
            samples(0, 7_000_000 + np.arange(20) * 1000, rng.integers(-9000, 9000, (20, 2)), 1),
            {"reply": {"type": "CALIBRATION_REPLY", "seq": 3, "gains": [0.0001220703125, 0.000244140625],
                       "offsets": [-1250.0, 3.5]}},
            {"raw_hex": "133700"},
            {"reply": {"type": "ERROR_REPLY", "seq": 4, "command": 0x13, "code": 4, "message": "streaming"}},
            samples(20, 7_000_000 + np.arange(20, 40) * 1000, rng.integers(-9000, 9000, (20, 2)), 1),
            {"reply": {"type": "ACK", "seq": 5, "command": 0x12}},
        ],
        "damage": [],
    }
    vec["commands"] = {
        "description": "Every host command once, as a device receives them.",
        "items": [
            {"command": {"type": "IDENTIFY", "seq": 1}},
            {"command": {"type": "SET_RATE", "seq": 2, "rate_hz": 10000}},
            {"command": {"type": "TARE", "seq": 3, "samples": 500}},
            {"command": {"type": "READ_CALIBRATION", "seq": 4}},
            {"command": {"type": "WRITE_CALIBRATION", "seq": 5, "gains": [0.5, 0.25, 0.0001220703125],
                         "offsets": [-12.0, 100.5, 0.0]}},
            {"command": {"type": "START", "seq": 6}},
            {"command": {"type": "STOP", "seq": 7}},
        ],
        "damage": [],
    }
    return vec


def expectations(v: dict[str, Any]) -> dict[str, Any]:
    """What a correct decoder reports, from the inputs alone (damage and raw garbage known by construction)."""
    counter: list[int] = []
    micros: list[int] = []
    counts: list[list[int]] = []
    replies: list[dict[str, Any]] = []
    commands: list[dict[str, Any]] = []
    stats = {"crc_errors": 0, "malformed": 0, "samples_lost": 0, "frames_ok": 0}
    damaged_frames = len(v["damage"])
    first = True
    for item in v["items"]:
        if "samples" in item:
            s = item["samples"]
            k = s["samples_per_frame"]
            nframes = -(-len(s["micros"]) // k)
            for f in range(nframes):
                if v["damage"] and f == 2:  # the corrupted vector damages frame 2
                    continue
                stats["frames_ok"] += 1
                for j in range(f * k, min((f + 1) * k, len(s["micros"]))):
                    counter.append(s["counter_start"] + j)
                    micros.append(s["micros"][j])
                    counts.append(s["counts"][j])
        elif "reply" in item:
            replies.append(item["reply"])
            stats["frames_ok"] += 1
        elif "command" in item:
            commands.append(item["command"])
            stats["frames_ok"] += 1
        elif not first:
            stats["malformed"] += 1
        first = False
    stats["crc_errors"] = damaged_frames
    if counter:
        full = np.arange(counter[0], counter[-1] + 1)
        stats["samples_lost"] = int(len(full) - len(counter))
    # unwrapped device time in microseconds from the first sample's clock value
    us = np.array(micros, dtype=np.int64)
    if us.size:
        steps = (np.diff(us) + 2**31) % 2**32 - 2**31
        unwrapped = np.concatenate(([us[0]], us[0] + np.cumsum(steps)))
    else:
        unwrapped = us
    out: dict[str, Any] = {"stats": stats}
    if counter:
        out.update(counter=counter, micros=micros, device_time_us=unwrapped.tolist(), counts=counts)
    if replies:
        out["replies"] = replies
    if commands:
        out["commands"] = commands
    return out


def dump(obj: dict[str, Any]) -> str:
    """JSON with one line per key (and per item / expected field): readable diffs, small files."""
    lines = []
    for key, value in obj.items():
        if isinstance(value, list) and value and key == "items":
            inner = ",\n  ".join(json.dumps(x, separators=(",", ":")) for x in value)
            lines.append(f' "{key}": [\n  {inner}\n ]')
        elif isinstance(value, dict):
            inner = ",\n  ".join(f"{json.dumps(k)}: {json.dumps(x, separators=(',', ':'))}" for k, x in value.items())
            lines.append(f' "{key}": {{\n  {inner}\n }}')
        else:
            lines.append(f" {json.dumps(key)}: {json.dumps(value)}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


def main() -> None:
    for name, v in build().items():
        wire = bytearray(b"".join(encode_item(it) for it in v["items"]))
        for d in v["damage"]:
            wire[d["offset"]] ^= d["xor"]
        v["file"] = f"{name}.bin"
        v["expect"] = expectations(v)
        (HERE / f"{name}.bin").write_bytes(bytes(wire))
        (HERE / f"{name}.json").write_text(dump({"name": name, **v}))
    # the CRC check value from protocol.md, for implementers
    assert struct.pack("<I", 0xCBF43926) == bytes.fromhex("2639f4cb")


if __name__ == "__main__":
    main()
