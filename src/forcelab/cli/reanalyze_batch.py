"""``forcelab reanalyze --all``: every matching trial of the archive, on a Dask cluster.

The options, a text progress bar on stderr, and the run: bring the index up to date, pick the sessions,
re-analyse them on a ``LocalCluster`` (``--workers N``) or an existing scheduler (``--scheduler URL``), or in
this process (``--workers 0``), put each session in place and in the index as it comes back (version checked,
:func:`forcelab.storage.batch.put_in_place`), report each failing file or
trial with its reason, and print ``reanalysed N trials in M sessions`` last. Exit code 1 when anything
failed (the rest is done).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TextIO

from forcelab.cli import CliError, out
from forcelab.storage import bridge
from forcelab.storage.batch import ClusterUnavailable, SessionOutcome, cluster, run_batch, select_sessions
from forcelab.storage.index import ArchiveIndex

_BATCH_ONLY = ("athlete", "test", "since", "workers", "scheduler", "force")


def add_arguments(p: argparse.ArgumentParser, *, day: Callable[[str], date]) -> None:
    """The batch options of ``forcelab reanalyze`` (``day``: the commands' YYYY-MM-DD argument type)."""
    g = p.add_argument_group("batch re-analysis (--all; needs forcelab[lab] for Dask)")
    g.add_argument("--all", action="store_true", help="every indexed session matching the filters below")
    g.add_argument("--athlete", help="only this athlete's sessions")
    g.add_argument("--test", choices=bridge.TESTS, help="only trials of this test")
    g.add_argument("--since", type=day, metavar="DATE", help="only sessions started on or after DATE (YYYY-MM-DD)")
    where = g.add_mutually_exclusive_group()
    where.add_argument(
        "--workers", type=int, metavar="N",
        help="worker processes of a local Dask cluster (default: the number of CPUs; 0: in this process, no Dask)",
    )
    where.add_argument("--scheduler", metavar="tcp://HOST:8786", help="run on this existing Dask scheduler")
    g.add_argument("--force", action="store_true", help="also re-analyse trials already at today's method version")


def refuse_batch_options(args: argparse.Namespace) -> None:
    """Batch options without ``--all`` are a mistake, not something to ignore."""
    given = [f"--{name}" for name in _BATCH_ONLY if getattr(args, name, None) not in (None, False)]
    if given:
        raise CliError(f"{', '.join(given)} only apply with --all")


class Progress:
    """``[#####.....]  412/1000 trials  83/200 sessions`` on stderr: redrawn in place on a terminal, else a
    line at most every ``every`` seconds (and the last one)."""

    def __init__(self, total: int, stream: TextIO = sys.stderr, *, every: float = 1.0, width: int = 30) -> None:
        self.total = max(total, 1)
        self.stream = stream
        self.every = every
        self.width = width
        self.tty = stream.isatty()
        self._last = 0.0

    def show(self, trials: int, sessions: int, of_sessions: int) -> None:
        """Draw the bar for ``trials`` of the planned trials done (re-analysed, skipped or failed)."""
        now = time.monotonic()
        final = sessions >= of_sessions
        if not (self.tty or final or now - self._last >= self.every):
            return
        self._last = now
        filled = min(self.width, round(self.width * trials / self.total))
        line = f"[{'#' * filled}{'.' * (self.width - filled)}] {trials:>6}/{self.total} trials {sessions:>5}/{of_sessions} sessions"
        self.stream.write(f"\r{line}" if self.tty else f"{line}\n")
        if self.tty and final:
            self.stream.write("\n")
        self.stream.flush()


def run(args: argparse.Namespace, archive: Path) -> int:
    """``forcelab reanalyze --all [--athlete NAME] [--test T] [--since DATE] [--workers N | --scheduler URL]``."""
    if args.workers is not None and args.workers < 0:
        raise CliError(f"--workers {args.workers}: give 0 (this process) or more")
    if not getattr(args, "verbose", False):  # Dask logs every worker start and stop at INFO through the root handler
        logging.getLogger("distributed").setLevel(logging.WARNING)
    with ArchiveIndex(archive) as index:
        index.sync()
        planned = select_sessions(index, athlete=args.athlete, test=args.test, since=args.since)
        total = sum(s.n_trials for s in planned)
        out(f"method version: {bridge.method_version()}; {total} trials in {len(planned)} sessions to check")
        progress = Progress(total)
        counts = {"trials": 0, "sessions": 0}

        def on_done(outcome: SessionOutcome) -> None:
            if outcome.error:
                sys.stderr.write(f"forcelab: error: {outcome.path}: {outcome.error}\n")
            for f in outcome.failures:
                sys.stderr.write(f"forcelab: error: {outcome.path}: trial {f.trial}: {f.reason}\n")
            counts["sessions"] += 1
            counts["trials"] += len(outcome.reanalysed) + len(outcome.skipped) + len(outcome.failures)
            progress.show(counts["trials"], counts["sessions"], len(planned))

        tests = None if args.test is None else (args.test,)
        try:
            if args.scheduler is None and args.workers == 0:
                report = run_batch(planned, index=index, force=args.force, tests=tests, on_done=on_done)
            else:
                workers = args.workers if args.workers is not None else (os.cpu_count() or 1)
                with cluster(workers=workers, scheduler=args.scheduler) as client:
                    report = run_batch(planned, index=index, client=client, force=args.force, tests=tests, on_done=on_done)
        except ClusterUnavailable as exc:
            raise CliError(str(exc)) from exc
    if report.skipped:
        out(f"skipped {report.skipped} trials already at method version {bridge.method_version()} (--force re-runs them)")
    if report.failures:
        out(f"{len(report.failures)} failed (listed above on stderr)")
    out(f"reanalysed {report.trials} trials in {report.sessions} sessions")
    return 1 if report.failures else 0
