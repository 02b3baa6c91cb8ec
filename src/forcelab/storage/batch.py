"""Batch re-analysis of many sessions, in this process or on a ``dask.distributed`` cluster.

One task per session file (:func:`reanalyse_task`, which is :func:`forcelab.storage.reanalyze.reanalyze_session`
with ``keep_going``): the worker reads the session and writes the re-analysed one as a staged copy beside it
(``.<name>.reanalyzing``); the caller (the machine that planned the batch, which owns the index, so the
index sees one writer whatever its backend) puts each staged copy in place as it comes back through the
same version-checked replace every edit of a published session takes
(:func:`forcelab.storage.publish.replace_published`): index row and rename in one transaction, refused when
someone changed the session since the batch planned it. So a batch killed part-way leaves every session
either done or untouched (a stale staged copy at most, overwritten by the next run). Trials already at
today's method version are skipped (unless ``force``), which makes a second run idempotent and a run after
a kill finish only what is left. ``forcelab reanalyze SESSION`` is a batch of one.

Dask is the optional extra ``forcelab[lab]``; without it :func:`cluster` raises :class:`ClusterUnavailable`
saying what to install.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from forcelab.storage.h5open import SessionFileError
from forcelab.storage.index import ArchiveIndex, StaleSessionError
from forcelab.storage.publish import PublishError, replace_published
from forcelab.storage.reanalyze import SessionReanalysis, TrialFailure, reanalyze_session
from forcelab.storage.rewrite import staged_name

log = logging.getLogger(__name__)

LAB_EXTRA_HINT = "pip install 'forcelab[lab]'"


class ClusterUnavailable(RuntimeError):
    """dask.distributed is not installed, or the scheduler cannot be reached."""


@dataclass(frozen=True)
class PlannedSession:
    """A session file chosen for re-analysis and how many trials the index says it has."""

    path: Path
    n_trials: int
    version: int | None = None  # the index version it was planned at (the re-analysis is an edit of it)


@dataclass
class SessionOutcome:
    """What came back from one session's task: the re-analysis, or why the file could not be read."""

    path: Path
    reanalysed: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    failures: list[TrialFailure] = field(default_factory=list)
    error: str = ""  # the whole file failed (unreadable, still recording, old schema, stale)
    staged: str = ""  # the re-analysed copy waiting to be put in place ("" when nothing was re-analysed)
    changed: dict[int, tuple[int, int, bool]] = field(default_factory=dict)  # trial: (metrics, values changed, history kept)


@dataclass
class BatchReport:
    """Totals of a batch."""

    trials: int = 0  # trials re-analysed
    sessions: int = 0  # sessions with at least one trial re-analysed
    skipped: int = 0  # trials already at today's method version
    failures: list[tuple[Path, int | None, str]] = field(default_factory=list)  # (file, trial or None, reason)


def select_sessions(
    index: ArchiveIndex,
    *,
    athlete: str | None = None,
    test: str | None = None,
    since: date | None = None,
) -> list[PlannedSession]:
    """Indexed, readable sessions matching the filters (``since``: started on or after that day), oldest first."""
    planned = []
    for row in index.sessions(athlete):
        if row["error"]:
            continue
        if test is not None and test not in str(row["tests"] or "").split(","):
            continue
        if since is not None:
            started = datetime.fromisoformat(row["started"]).date() if row["started"] else None
            if started is None or started < since:
                continue
        planned.append(PlannedSession(index.session_file(row["path"]), int(row["n_trials"]), int(row["version"])))
    return planned


def reanalyse_task(path: str, force: bool, tests: tuple[str, ...] | None) -> SessionOutcome:
    """Re-analyse one session file with today's analysis into a staged copy beside it (runs on a worker);
    never raises for bad data."""
    p = Path(path)
    staged = staged_name(p, "reanalyzing")
    try:
        done: SessionReanalysis = reanalyze_session(p, force=force, tests=tests, keep_going=True, dest=staged)
    except (SessionFileError, ValueError, KeyError, OSError) as exc:
        log.warning("%s: not re-analysed: %s", p, exc)
        return SessionOutcome(p, error=f"{type(exc).__name__}: {exc}")
    changed = {}
    for number, (old, new) in done.changes.items():
        moved = sum(1 for k in new if old.get(k, {}).get("value") != new[k].get("value"))
        changed[number] = (len(new), moved, number in done.kept)
    return SessionOutcome(p, sorted(done.changes), done.skipped, done.failures,
                          staged=str(done.written or ""), changed=changed)


def put_in_place(outcome: SessionOutcome, planned: PlannedSession, index: ArchiveIndex) -> SessionOutcome:
    """Publish ``outcome``'s staged copy over its session (version-checked against the plan); a refusal or an
    unreachable index becomes the outcome's ``error`` (nothing of that session changed; a rerun redoes it)."""
    if not outcome.staged:
        return outcome
    staged = Path(outcome.staged)
    try:
        replace_published(staged, index.archive, index.relative(planned.path), expected=planned.version,
                          index=index, keeps=f"{planned.path.name} keeps its earlier analysis")
    except (StaleSessionError, PublishError) as exc:
        log.warning("%s: re-analysis not saved: %s", planned.path, exc)
        return SessionOutcome(outcome.path, [], outcome.skipped, outcome.failures, error=str(exc))
    return outcome


@contextmanager
def cluster(*, workers: int | None = None, scheduler: str | None = None) -> Iterator[Any]:
    """A ``distributed.Client``: on the scheduler at ``scheduler`` (``tcp://HOST:8786``), else on a new
    ``LocalCluster`` of ``workers`` single-threaded worker processes on 127.0.0.1 (its dashboard on a free
    port, never the well-known 8787), closed
    on exit."""
    try:
        import distributed
    except ModuleNotFoundError as exc:
        raise ClusterUnavailable(
            f"batch re-analysis on a cluster needs dask.distributed ({exc.name} is not installed): "
            f"{LAB_EXTRA_HINT}, or use --workers 0 to run in this process"
        ) from exc
    if scheduler is not None:
        try:
            client = distributed.Client(scheduler, timeout="20s")
        except (OSError, TimeoutError) as exc:
            raise ClusterUnavailable(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from exc
        with client:
            yield client
        return
    with (
        distributed.LocalCluster(
            n_workers=workers or 1, threads_per_worker=1, processes=True, host="127.0.0.1",
            dashboard_address="127.0.0.1:0", silence_logs=logging.WARNING,
        ) as local,
        distributed.Client(local) as client,
    ):
        yield client


def run_batch(
    planned: Sequence[PlannedSession],
    *,
    index: ArchiveIndex,
    client: Any | None = None,
    force: bool = False,
    tests: Collection[str] | None = None,
    on_done: Callable[[SessionOutcome], None] | None = None,
) -> BatchReport:
    """Re-analyse ``planned`` on ``client`` (a ``distributed.Client``), or in this process when it is None.

    Each session that comes back is put in place and re-indexed in ``index`` (:func:`put_in_place`), in this
    process. ``on_done`` is then called with its outcome (in completion order): the place for a progress
    bar.
    """
    wanted = tuple(sorted(tests)) if tests is not None else None
    report = BatchReport()

    by_path = {s.path: s for s in planned}

    def take(outcome: SessionOutcome) -> None:
        outcome = put_in_place(outcome, by_path[outcome.path], index)
        report.trials += len(outcome.reanalysed)
        report.sessions += int(bool(outcome.reanalysed))
        report.skipped += len(outcome.skipped)
        if outcome.error:
            report.failures.append((outcome.path, None, outcome.error))
        report.failures.extend((outcome.path, f.trial, f.reason) for f in outcome.failures)
        if on_done is not None:
            on_done(outcome)

    if client is None:
        for s in planned:
            take(reanalyse_task(str(s.path), force, wanted))
        return report
    from distributed import as_completed

    # pure=False: a long-lived scheduler must never hand back a previous batch's result for the same file
    futures = {
        client.submit(reanalyse_task, str(s.path), force, wanted, pure=False): s.path for s in planned
    }
    for future in as_completed(futures):
        if future.status == "error":  # a crash outside the data errors the task handles (a worker bug)
            exc = future.exception()
            take(SessionOutcome(futures[future], error=f"{type(exc).__name__}: {exc}"))
        else:
            take(future.result())
        future.release()
    return report
