"""Names and versions of the HDF5 session format (see docs/archive-format.md).

Everything that names a group, dataset or attribute in a session file lives here, so the writer, the
reader, the migration code and the documentation agree on one spelling.
"""

from __future__ import annotations

#: The layout version this forcelab writes. Readers accept every version in ``READABLE_VERSIONS``.
SCHEMA_VERSION = 2
#: Version 1 is the draft layout (one ``force`` dataset per trial, metrics as a JSON attribute only,
#: no continuous stream); :mod:`forcelab.storage.migrate` upgrades it on read.
READABLE_VERSIONS = (1, 2)

#: Value of the root attribute ``format``: tells a session file apart from any other HDF5 file.
FORMAT_NAME = "forcelab-session"

STREAM = "stream"
TRIALS = "trials"
JOURNAL = "journal"
CALIBRATION = "calibration"
HISTORY = "metrics_history"
#: One uint64: stream rows known to be completely on disk (the writer moves it after each flush).
COMMITTED = "committed_rows"

#: Trial ``accepted`` attribute values (int8, readable everywhere).
UNDECIDED = -1
REJECTED = 0
ACCEPTED = 1

#: Trial attributes that say where a trial stood in a test protocol (docs/protocols.md): the protocol's name,
#: the step (1-based int), the step's label and the limb (``both``, ``left``, ``right``). Absent on a trial
#: recorded outside a protocol; the writer refuses any other key, so the names stay documented.
TRIAL_META = ("protocol", "protocol_step", "protocol_step_label", "limb")

#: Force datasets, in the order ``total, left, right``; per-plate ones exist only for two plates.
FORCE_NAMES = ("force_total", "force_left", "force_right")


def trial_group_name(number: int) -> str:
    """``trial_001`` for trial 1: zero padded so names sort in trial order."""
    return f"trial_{number:03d}"
