"""Change a closed session: the tester's accept/reject decision and note, after the fact.

Edits go into a copy of the file that replaces the original atomically (``os.replace``), so a crash
while editing leaves the session as it was. A session still being recorded is refused (its writer's
``set_decision`` is the way then).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import h5py
import numpy as np

from forcelab.storage import liveness, schema
from forcelab.storage.h5open import SessionFileError, open_h5_read
from forcelab.storage.recovery import recover_session


def set_trial_decision(path: str | os.PathLike[str], number: int, accepted: bool | None, note: str = "") -> None:
    """Accept (True), reject (False) or un-decide (None) trial ``number`` of the session at ``path``."""
    p = Path(path)
    with open_h5_read(p) as f:
        finalized = schema.TRIALS in f
    if not finalized:
        if liveness.is_being_recorded(p):
            raise ValueError(f"{p}: this session is being recorded now; decide through its recorder")
        recover_session(p)
    tmp = p.with_name(p.name + ".editing")
    shutil.copyfile(p, tmp)
    try:
        with h5py.File(tmp, "r+") as f:
            name = f"{schema.TRIALS}/{schema.trial_group_name(number)}"
            if name not in f:
                raise SessionFileError(p, f"no trial {number} in this session")
            value = schema.UNDECIDED if accepted is None else (schema.ACCEPTED if accepted else schema.REJECTED)
            f[name].attrs["accepted"] = np.int8(value)
            f[name].attrs["note"] = note
        os.replace(tmp, p)
    finally:
        if tmp.exists():
            tmp.unlink()
