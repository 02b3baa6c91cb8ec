"""Change a closed session: the tester's accept/reject decision and note, after the fact.

Edits go into a copy of the file that replaces the original atomically (``os.replace``), so a crash
while editing leaves the session as it was. A session still being recorded is refused (its writer's
``set_decision`` is the way then).
"""

from __future__ import annotations

import os
import shutil

import h5py
import numpy as np

from forcelab.storage import schema
from forcelab.storage.h5open import SessionFileError
from forcelab.storage.recovery import ensure_final_layout


def set_trial_decision(path: str | os.PathLike[str], number: int, accepted: bool | None, note: str = "") -> None:
    """Accept (True), reject (False) or un-decide (None) trial ``number`` of the session at ``path``."""
    p = ensure_final_layout(path, while_recording="decide through its recorder")
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
