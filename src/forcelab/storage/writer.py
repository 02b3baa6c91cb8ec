"""Write a session incrementally and crash-safely: :class:`SessionWriter`.

While recording, the file is in HDF5 SWMR mode: every dataset exists from the start (the continuous
``/stream`` of samples and the ``/journal`` of trial events) and only grows. Samples are buffered in
memory and written in blocks; the file is flushed when the oldest unflushed sample is older than
``flush_interval`` (0.25 s by default), never per row. SWMR orders HDF5's metadata writes so that a
process killed at any instant leaves a file that opens (read-only, SWMR) with everything up to the last
flush. :meth:`SessionWriter.close` then writes the per-trial groups into a copy of the file and swaps it
in atomically (:mod:`forcelab.storage.finalize`), so even a crash while closing cannot lose the session.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import h5py
import numpy as np

from forcelab import __version__
from forcelab.analysis.types import TrialResult
from forcelab.devices.calibration import Calibration
from forcelab.devices.types import SampleBlock
from forcelab.storage import journal, liveness, schema
from forcelab.storage.archive import station_id

log = logging.getLogger(__name__)


class ArchiveWriteError(OSError):
    """Writing the session failed (disk full, file removed, ...); what was flushed before is kept."""


@dataclass
class SessionInfo:
    """What a session is: who, when, which device and tests. Stored as root attributes."""

    athlete: str
    rate: float
    tests: Sequence[str]
    channels: int
    plates: int = 1  # 1: total force only; 2: left and right plate forces as well
    raw_unit: str = "counts"  # "counts" (int32 ADC counts) or "N" (the device or file gave newtons)
    #: counts to newtons (the one :class:`~forcelab.devices.calibration.Calibration`); stored in the
    #: archive's ``counts * conversion + offset`` form
    calibration: Calibration | None = None
    tester: str = ""
    device_model: str = ""
    device_serial: str = ""
    device_firmware: str = ""
    channel_map: Mapping[str, Any] | Sequence[Any] = field(default_factory=dict)
    #: the plates' geometry (:meth:`forcelab.devices.plates.PlateMap.to_dict`: cells, positions, origins), so a
    #: trial's centre of pressure can be recomputed from its raw counts; empty when not known
    plate_geometry: Mapping[str, Any] = field(default_factory=dict)
    started: datetime | None = None
    source: str = ""
    notes: str = ""
    station: str = field(default_factory=station_id)  # who recorded it (``$FORCELAB_STATION`` or host name)
    #: the test protocol the session was recorded for, as JSON (forcelab.protocols.resume); "" for none
    protocol: str = ""

    def __post_init__(self) -> None:
        if not self.athlete.strip():
            raise ValueError("a session needs an athlete name")
        if not np.isfinite(self.rate) or self.rate <= 0:
            raise ValueError(f"sample rate must be positive, got {self.rate!r}")
        if self.channels < 1:
            raise ValueError("a session needs at least one raw channel")
        if self.plates not in (1, 2):
            raise ValueError(f"plates must be 1 or 2, got {self.plates}")
        if self.raw_unit not in ("counts", "N"):
            raise ValueError(f"raw_unit must be 'counts' or 'N', got {self.raw_unit!r}")
        if self.calibration is None:
            self.calibration = Calibration.identity(self.channels)
        if self.calibration.channels != self.channels:
            raise ValueError(
                f"calibration has {self.calibration.channels} channels, the session {self.channels}"
            )
        if self.started is None:
            self.started = datetime.now(UTC).astimezone()


def _checked_meta(meta: Mapping[str, str | int] | None) -> dict[str, str | int]:
    """A trial's protocol metadata, checked: only the documented keys (:data:`schema.TRIAL_META`), text or
    whole-number values; ``ValueError`` naming the key otherwise."""
    out: dict[str, str | int] = {}
    for key, value in (meta or {}).items():
        if key not in schema.TRIAL_META:
            raise ValueError(f"trial metadata {key!r} is not one of {', '.join(schema.TRIAL_META)}")
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise ValueError(f"trial metadata {key!r} must be text or a whole number, got {value!r}")
        out[key] = value
    return out


def _stream_chunk_rows(rate: float) -> int:
    """About one second of samples per chunk (at least 1024, at most 16384 rows)."""
    return int(min(16384, max(1024, 2 ** round(np.log2(max(rate, 1.0))))))


class SessionWriter:
    """Record one session into ``path`` (which must not exist yet).

    The engine calls :meth:`append` with each block of samples and the forces it computed; trial
    detection calls :meth:`begin_trial` / :meth:`end_trial`; analysis results and the tester's decision
    follow with :meth:`store_result` and :meth:`set_decision`. :meth:`close` marks the session complete.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        info: SessionInfo,
        *,
        flush_interval: float = 0.25,
        compression: str | None = "gzip",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = Path(path)
        self.info = info
        self.flush_interval = float(flush_interval)
        self._clock = clock
        self._closed = False
        self._failed: ArchiveWriteError | None = None
        self._buf: list[tuple[np.ndarray, np.ndarray, np.ndarray, list[np.ndarray]]] = []
        self._buf_rows = 0
        self._written = 0
        self._committed = 0
        self._oldest_unflushed: float | None = None
        self._pending_journal: list[bytes] = []
        self._journal_len = 0
        self._next_trial = 1
        self._open_trials: dict[int, str] = {}
        self._known_trials: set[int] = set()
        self.flushes = 0
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.exists():
            raise FileExistsError(f"{self.path}: a session file already exists there")
        self._lock = liveness.acquire(self.path)
        try:
            self._file = h5py.File(self.path, "w-", libver="latest")
            self._create_layout(compression)
            self._file.swmr_mode = True
        except OSError as exc:
            liveness.release(self.path, self._lock)
            raise ArchiveWriteError(f"{self.path}: cannot create the session file: {exc}") from exc
        cal = info.calibration
        assert cal is not None
        gain, offset = cal.to_archive()
        self._journal({"t": "calibration", "row": 0, "gain": gain.tolist(), "offset": offset.tolist()})
        self.flush()

    # ------------------------------------------------------------------ layout
    def _create_layout(self, compression: str | None) -> None:
        f, info = self._file, self.info
        cal = info.calibration
        assert cal is not None and info.started is not None
        gain, offset = cal.to_archive()
        f.attrs["format"] = schema.FORMAT_NAME
        f.attrs["schema_version"] = schema.SCHEMA_VERSION
        f.attrs["software_version"] = f"forcelab {__version__}"
        f.attrs["athlete"] = info.athlete
        f.attrs["started"] = info.started.isoformat(timespec="milliseconds")
        f.attrs["tester"] = info.tester
        f.attrs["tests"] = ",".join(info.tests)
        f.attrs["rate"] = float(info.rate)
        f.attrs["plates"] = int(info.plates)
        f.attrs["device_model"] = info.device_model
        f.attrs["device_serial"] = info.device_serial
        f.attrs["device_firmware"] = info.device_firmware
        f.attrs["channel_map"] = json.dumps(info.channel_map)
        f.attrs["plate_geometry"] = json.dumps(dict(info.plate_geometry))
        f.attrs["source"] = info.source
        f.attrs["station"] = info.station
        f.attrs["notes"] = info.notes
        if info.protocol:  # set before SWMR starts: no attribute can be added afterwards
            f.attrs["protocol"] = info.protocol
        f.attrs["complete"] = np.int8(0)
        rows = _stream_chunk_rows(info.rate)
        comp: dict[str, Any] = {}
        if compression is not None:
            comp = {"compression": compression, "shuffle": True}
            if compression == "gzip":
                comp["compression_opts"] = 1
        s = f.create_group(schema.STREAM)
        raw_dtype = np.int32 if info.raw_unit == "counts" else np.float64
        ch = info.channels
        d = s.create_dataset("raw", (0, ch), maxshape=(None, ch), dtype=raw_dtype, chunks=(rows, ch), **comp)
        d.attrs["unit"] = info.raw_unit
        d.attrs["rate"] = float(info.rate)
        d.attrs["conversion"] = gain
        d.attrs["offset"] = offset
        d = s.create_dataset("counter", (0,), maxshape=(None,), dtype=np.uint64, chunks=(rows,), **comp)
        d.attrs["unit"] = "samples"
        d = s.create_dataset("device_time", (0,), maxshape=(None,), dtype=np.float64, chunks=(rows,), **comp)
        d.attrs["unit"] = "s"
        for name in self._force_names():
            d = s.create_dataset(name, (0,), maxshape=(None,), dtype=np.float64, chunks=(rows,), **comp)
            d.attrs["unit"] = "N"
            d.attrs["rate"] = float(info.rate)
            d.attrs["conversion"] = 1.0
        c = f.create_group(schema.CALIBRATION)
        c.create_dataset("gain", data=gain).attrs["unit"] = f"N/{info.raw_unit}"
        c.create_dataset("offset", data=offset).attrs["unit"] = "N"
        f.create_dataset(schema.JOURNAL, (0,), maxshape=(None,), dtype=np.uint8, chunks=(16384,), **comp)
        f.create_dataset(schema.COMMITTED, data=np.zeros(1, dtype=np.uint64)).attrs["unit"] = "samples"

    def _force_names(self) -> tuple[str, ...]:
        return schema.FORCE_NAMES if self.info.plates == 2 else schema.FORCE_NAMES[:1]

    # ------------------------------------------------------------------ samples
    @property
    def rows(self) -> int:
        """Samples received so far (written and buffered): the stream row the next sample gets."""
        return self._written + self._buf_rows

    @property
    def flushed_rows(self) -> int:
        """Samples that are on disk and committed (a reader of a crashed file gets exactly these)."""
        return self._committed

    def append(
        self,
        block: SampleBlock,
        total: np.ndarray,
        left: np.ndarray | None = None,
        right: np.ndarray | None = None,
    ) -> None:
        """Queue one block of samples with its forces in newtons; flushes when the flush interval is due."""
        self._check_usable()
        n = block.n
        raw = block.values if block.values is not None else block.counts
        raw = np.asarray(raw)
        if raw.ndim != 2 or raw.shape[1] != self.info.channels:
            raise ValueError(f"expected {self.info.channels} raw channels, got shape {raw.shape}")
        forces = [np.asarray(total, dtype=np.float64)]
        if self.info.plates == 2:
            if left is None or right is None:
                raise ValueError("a two-plate session needs left and right forces with every block")
            forces += [np.asarray(left, dtype=np.float64), np.asarray(right, dtype=np.float64)]
        for arr in forces:
            if arr.shape != (n,):
                raise ValueError(f"force arrays must have shape ({n},), got {arr.shape}")
        if n == 0:
            return
        self._buf.append((np.asarray(block.counter, dtype=np.uint64), np.asarray(block.device_time), raw, forces))
        self._buf_rows += n
        now = self._clock()
        if self._oldest_unflushed is None:
            self._oldest_unflushed = now
        if now - self._oldest_unflushed >= self.flush_interval:
            self.flush()

    def append_arrays(
        self,
        raw: np.ndarray,
        total: np.ndarray,
        left: np.ndarray | None = None,
        right: np.ndarray | None = None,
        *,
        counter: np.ndarray | None = None,
        device_time: np.ndarray | None = None,
    ) -> None:
        """:meth:`append` for plain arrays (imports): counter and device time default to the row numbers."""
        raw = np.asarray(raw)
        n = raw.shape[0]
        start = self.rows
        if counter is None:
            counter = np.arange(start, start + n, dtype=np.uint64)
        if device_time is None:
            device_time = np.arange(start, start + n, dtype=np.float64) / self.info.rate
        if self.info.raw_unit == "N":
            block = SampleBlock(counter, device_time, np.empty((n, 0), np.int32), values=raw)
        else:
            block = SampleBlock(counter, device_time, raw.astype(np.int32, copy=False))
        self.append(block, total, left, right)

    def poll(self) -> None:
        """Flush if the interval is due; call it from a timer when blocks may stop arriving."""
        if self._oldest_unflushed is not None and self._clock() - self._oldest_unflushed >= self.flush_interval:
            self.flush()

    def flush(self) -> None:
        """Write buffered samples and journal lines, then flush the file (one HDF5 flush)."""
        self._check_usable()
        try:
            if self._buf:
                s = self._file[schema.STREAM]
                counter = np.concatenate([b[0] for b in self._buf])
                dtime = np.concatenate([b[1] for b in self._buf])
                raw = np.concatenate([b[2] for b in self._buf])
                n0, n1 = self._written, self._written + len(counter)
                for name, data in [("counter", counter), ("device_time", dtime), ("raw", raw)] + [
                    (fname, np.concatenate([b[3][k] for b in self._buf]))
                    for k, fname in enumerate(self._force_names())
                ]:
                    ds = s[name]
                    ds.resize(n1, axis=0)
                    ds[n0:n1] = data
                self._written = n1
                self._buf.clear()
                self._buf_rows = 0
            if self._pending_journal:
                data = np.frombuffer(b"".join(self._pending_journal), dtype=np.uint8)
                j = self._file[schema.JOURNAL]
                j.resize(self._journal_len + data.size, axis=0)
                j[self._journal_len :] = data
                self._journal_len += data.size
                self._pending_journal.clear()
            self._file.flush()
            # Only after the data is on disk does the commit mark move: a reader trusts rows below it.
            self._file[schema.COMMITTED][0] = self._written
            self._file.flush()
            self._committed = self._written
        except (OSError, RuntimeError) as exc:  # h5py reports some write failures as RuntimeError
            self._fail(exc)
        self.flushes += 1
        self._oldest_unflushed = None

    def _fail(self, exc: BaseException) -> None:
        seconds = self._committed / self.info.rate
        first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        self._failed = ArchiveWriteError(
            f"{self.path}: writing failed ({first_line}); the disk may be full. Recording stopped; "
            f"the first {seconds:.2f} s ({self._committed} samples) and the trials in them are saved."
        )
        log.error("%s", self._failed)
        raise self._failed from exc

    def _check_usable(self) -> None:
        if self._failed is not None:
            raise self._failed
        if self._closed:
            raise ValueError(f"{self.path}: the session is closed")

    # ------------------------------------------------------------------ trials
    def _journal(self, entry: dict[str, Any]) -> None:
        self._pending_journal.append(journal.encode(entry))

    def begin_trial(self, test: str, *, start: int | None = None,
                    meta: Mapping[str, str | int] | None = None) -> int:
        """Start a trial at stream row ``start`` (default: the next sample); returns its number (1, 2, ...).

        ``meta`` is what the trial's protocol step says about it (keys :data:`schema.TRIAL_META`: protocol,
        protocol_step, protocol_step_label, limb); it becomes trial attributes when the session closes."""
        self._check_usable()
        start = self.rows if start is None else int(start)
        if start < 0:
            raise ValueError(f"trial start must be a stream row >= 0, got {start}")
        extra = _checked_meta(meta)
        number = self._next_trial
        self._next_trial += 1
        self._open_trials[number] = test
        self._known_trials.add(number)
        at = datetime.now(UTC).astimezone().isoformat(timespec="milliseconds")
        entry: dict[str, Any] = {"t": "begin", "trial": number, "test": test, "start": start, "at": at}
        if extra:
            entry["meta"] = extra
        self._journal(entry)
        return number

    def end_trial(self, number: int, *, stop: int | None = None) -> None:
        """End trial ``number`` at stream row ``stop`` (exclusive; default: all samples so far)."""
        self._check_usable()
        if number not in self._open_trials:
            raise ValueError(f"trial {number} is not open")
        stop = self.rows if stop is None else int(stop)
        del self._open_trials[number]
        self._journal({"t": "end", "trial": number, "stop": stop})
        self.flush()

    def add_trial(self, test: str, start: int, stop: int, result: TrialResult | None = None, *,
                  meta: Mapping[str, str | int] | None = None) -> int:
        """Record a trial whose rows are already appended (imports, offline segmentation, the app's trials);
        ``meta`` as for :meth:`begin_trial`."""
        number = self.begin_trial(test, start=start, meta=meta)
        self.end_trial(number, stop=stop)
        if result is not None:
            self.store_result(number, result)
        return number

    def store_result(self, number: int, result: TrialResult) -> None:
        """Store the analysis of trial ``number`` (events are relative to the trial's first row)."""
        self._check_usable()
        if number not in self._known_trials:
            raise ValueError(f"no trial {number} in this session")
        payload = result.to_dict()
        payload["rate"] = result.rate
        self._journal({"t": "result", "trial": number, "result": payload, "software": __version__})
        self.flush()

    def set_decision(self, number: int, accepted: bool | None, note: str = "") -> None:
        """The tester accepts (True) or rejects (False) trial ``number``, with an optional note."""
        self._check_usable()
        if number not in self._known_trials:
            raise ValueError(f"no trial {number} in this session")
        self._journal({"t": "decision", "trial": number, "accepted": accepted, "note": note})
        self.flush()

    def set_calibration(self, calibration: Calibration) -> None:
        """A new calibration (after a re-tare) applies from the next sample on."""
        self._check_usable()
        if calibration.channels != self.info.channels:
            raise ValueError("calibration channel count does not match the session")
        gain, offset = calibration.to_archive()
        self._journal({"t": "calibration", "row": self.rows, "gain": gain.tolist(), "offset": offset.tolist(),
                       "unit": "N"})

    # ------------------------------------------------------------------ closing
    def close(self) -> Path:
        """Flush, end open trials, write the trial groups and mark the session complete."""
        if self._closed:
            return self.path
        for number in list(self._open_trials):
            self.end_trial(number)
        self.flush()
        self._file.close()
        self._closed = True
        from forcelab.storage.finalize import finalize

        try:
            finalize(self.path, complete=True)
        finally:
            liveness.release(self.path, self._lock)
        return self.path

    def abort(self) -> None:
        """Stop without finalizing: the file stays readable and marked incomplete."""
        if self._closed:
            return
        try:
            if self._failed is None:
                self.flush()
        except ArchiveWriteError:
            pass  # already logged in _fail; what was committed before stays on disk
        self._closed = True
        try:
            self._file.close()
        except (OSError, RuntimeError) as exc:
            log.error("%s: closing after a failure: %s", self.path, exc.__class__.__name__)
        liveness.release(self.path, self._lock)

    def __enter__(self) -> SessionWriter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()
