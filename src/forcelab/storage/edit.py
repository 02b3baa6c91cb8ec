"""Change a closed session: the tester's accept/reject decision and note, or a trial's analysis, after the fact.

Each change goes through :func:`forcelab.storage.rewrite.rewrite_session` (changed in memory, written as a
new compact file that replaces the original atomically), so a crash while editing leaves the session as it
was. A session still being recorded is refused (its recorder's ``set_decision``/``store_result`` is the way
then). A published session is changed through the station's spool and a version-checked publish
(:func:`forcelab.storage.publish.edit_published`) with one of these as the change.
"""

from __future__ import annotations

import os
from pathlib import Path

import h5py
import numpy as np

from forcelab import __version__
from forcelab.analysis.types import TrialResult
from forcelab.storage import schema
from forcelab.storage.h5open import SessionFileError
from forcelab.storage.rewrite import rewrite_session
from forcelab.storage.trialio import write_result


def _trial_group(f: h5py.File, path: Path, number: int) -> h5py.Group:
    name = f"{schema.TRIALS}/{schema.trial_group_name(number)}"
    if name not in f:
        raise SessionFileError(path, f"no trial {number} in this session")
    return f[name]


def set_trial_decision(path: str | os.PathLike[str], number: int, accepted: bool | None, note: str = "") -> None:
    """Accept (True), reject (False) or un-decide (None) trial ``number`` of the session at ``path``."""
    p = Path(path)

    def change(f: h5py.File) -> None:
        g = _trial_group(f, p, number)
        value = schema.UNDECIDED if accepted is None else (schema.ACCEPTED if accepted else schema.REJECTED)
        g.attrs["accepted"] = np.int8(value)
        g.attrs["note"] = note

    rewrite_session(p, change, while_recording="decide through its recorder")


def set_trial_result(path: str | os.PathLike[str], number: int, result: TrialResult) -> None:
    """Store ``result`` as the analysis of trial ``number`` of the closed session at ``path``.

    For an analysis that finished after its session was closed, or one the tester changed in review (an
    event placed by hand): it replaces the trial's current analysis, which is the live one of the same
    session, not an older method's (those are kept by re-analysis, :mod:`forcelab.storage.reanalyze`).
    """
    p = Path(path)
    payload = result.to_dict()
    payload["rate"] = result.rate

    def change(f: h5py.File) -> None:
        write_result(_trial_group(f, p, number), payload, software=f"forcelab {__version__}")

    rewrite_session(p, change, while_recording="store it through its recorder")
