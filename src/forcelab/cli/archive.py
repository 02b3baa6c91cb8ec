"""``forcelab import``, ``export``, ``reanalyze`` and ``index``: the session archive from the command line.

Every command prints the archive folder it works on. Bad input (a missing or damaged file, an unknown
test) is one clear line and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from forcelab.cli import ARCHIVE_HELP, CliError, out, plate_numbers, reanalyze_batch
from forcelab.storage import bridge
from forcelab.storage.archive import archive_dir
from forcelab.storage.h5open import SessionFileError
from forcelab.storage.index import ArchiveIndex
from forcelab.storage.index_backend import IndexUnavailable


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``import``, ``export``, ``reanalyze`` and ``index`` subcommands."""
    p = subparsers.add_parser("import", help="turn a force recording file into an archived session")
    p.add_argument("file", type=Path, help="force recording (any layout 'forcelab analyze' reads)")
    p.add_argument("--athlete", required=True, help="athlete name")
    p.add_argument("--test", required=True, choices=bridge.TESTS, help="test type of the trials")
    p.add_argument("--rate", type=float, help="sample rate in Hz when the file has no time column")
    p.add_argument("--layout", default="auto", help="file layout (default: detect)")
    p.add_argument("--whole", action="store_true", help="take the whole file as one trial (no segmentation)")
    p.add_argument("--plates", type=plate_numbers, metavar="N[,M]",
                   help="plates to read from a C3D or AMTI/Bertec file with more than two (e.g. 1,2)")
    p.add_argument("--archive", help=ARCHIVE_HELP)
    p.set_defaults(func=run_import)

    p = subparsers.add_parser(
        "export", help="a session's metrics, force and per-hop tables as CSV (SESSION --csv DIR), or every metric "
        "of a query in long format (--out FILE.csv|FILE.parquet with --athlete, --test, --since, --until) and its "
        "per-hop tables beside it (FILE_hops.csv|.parquet)")
    p.add_argument("session", type=Path, nargs="?", help="session file (.h5), with --csv")
    p.add_argument("--csv", type=Path, metavar="DIR", help="folder to write the session's CSV files to")
    p.add_argument("--out", type=Path, metavar="FILE", help="long-format metrics file (.csv or .parquet)")
    p.add_argument("--athlete", help="only this athlete's sessions")
    p.add_argument("--test", choices=bridge.TESTS, help="only trials of this test")
    p.add_argument("--since", type=_day, metavar="YYYY-MM-DD", help="only sessions on or after this date")
    p.add_argument("--until", type=_day, metavar="YYYY-MM-DD", help="only sessions on or before this date")
    p.add_argument("--accepted-only", action="store_true", help="only trials the tester accepted")
    p.add_argument("--archive", help=ARCHIVE_HELP)
    p.set_defaults(func=run_export)

    p = subparsers.add_parser(
        "reanalyze", help="recompute metrics from the raw data (sessions, or --all on a Dask cluster), keeping the old"
    )
    p.add_argument("session", type=Path, nargs="*", help="session file(s) (.h5)")
    p.add_argument("--archive", help=ARCHIVE_HELP)
    reanalyze_batch.add_arguments(p, day=_day)
    p.set_defaults(func=run_reanalyze)

    p = subparsers.add_parser("index", help="bring the archive's index (SQLite or PostgreSQL) up to date with the session files")
    p.add_argument("--rebuild", action="store_true", help="forget the index and re-read every session file")
    p.add_argument("--archive", help=ARCHIVE_HELP)
    p.set_defaults(func=run_index)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _archive(args: argparse.Namespace) -> Path:
    path = archive_dir(getattr(args, "archive", None))
    out(f"archive: {path}")
    return path


def open_index(archive: Path) -> ArchiveIndex:
    """The archive's index (``--index``/``$FORCELAB_INDEX`` or SQLite); a clear CLI error when unusable."""
    try:
        return ArchiveIndex(archive)
    except IndexUnavailable as exc:
        raise CliError(str(exc)) from exc


def publish(archive: Path, spooled: Path) -> Path:
    """Publish ``spooled`` and every earlier session still waiting; returns where the session is now.

    When the archive folder or the index cannot be reached the session stays in the spool, a warning
    says so (it is published by the next command that publishes), and its spool path is returned.
    """
    from forcelab.storage.publish import publish_pending
    from forcelab.storage.spool import relative

    target = archive / relative(spooled, archive)
    report = publish_pending(archive)
    for p in report.published:
        if p != target:
            out(f"published waiting session: {p}")
    if spooled.exists():
        sys.stderr.write(f"forcelab: warning: {report.message()}; they are published by the next "
                         "import, recording or 'forcelab index'\n")
        return spooled
    return target


def run_import(args: argparse.Namespace) -> int:
    """``forcelab import FILE --athlete NAME --test T``."""
    from forcelab.storage.importer import import_to_spool
    from forcelab.storage.readers import ForceFileError
    from forcelab.storage.session import open_session

    archive = _archive(args)
    try:
        path = import_to_spool(
            args.file, archive=archive, athlete=args.athlete, test=args.test, rate=args.rate,
            layout=args.layout, whole=args.whole, plates=args.plates,
        )
    except (ForceFileError, ValueError, OSError) as exc:
        raise CliError(str(exc)) from exc
    session = open_session(path, load_analysis=True)  # read before publishing moves the file
    out(f"session: {publish(archive, path)}")
    for t in session.trials:
        out(f"  trial {t.number}: {t.test}, {t.n / t.rate:.2f} s, {len(t.metrics)} metrics")
    return 0


def run_export(args: argparse.Namespace) -> int:
    """``forcelab export SESSION --csv DIR`` or ``forcelab export [--athlete ..] --out FILE``."""
    from forcelab.storage.export import export_csv

    if args.session is None:
        return _export_query(args)
    if args.csv is None or args.out is not None:
        raise CliError("export SESSION writes its CSV files with --csv DIR; for a long-format metrics file of a "
                       "query leave SESSION out and give --out FILE")
    try:
        files = export_csv(args.session, args.csv)
    except (SessionFileError, OSError) as exc:
        raise CliError(str(exc)) from exc
    for f in files:
        out(f)
    return 0


def _export_query(args: argparse.Namespace) -> int:
    """Every metric of the query in long format to ``--out``."""
    from forcelab.storage.metrics_export import (
        FORMATS,
        MetricQuery,
        query_rows,
        query_table_rows,
        write_rows,
        write_tables,
    )

    if args.out is None:
        raise CliError("give --out FILE.csv or FILE.parquet (or a SESSION file with --csv DIR)")
    if args.out.suffix.lower() not in FORMATS:
        raise CliError(f"{args.out}: the export file must end in {' or '.join(FORMATS)}")
    try:
        query = MetricQuery(athlete=args.athlete, test=args.test, since=args.since, until=args.until,
                            accepted_only=args.accepted_only)
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    archive = _archive(args)
    with ArchiveIndex(archive) as index:
        index.sync()
        rows = query_rows(index, query)
        tables = query_table_rows(index, query)
    try:
        write_rows(rows, args.out)
        paths = write_tables(tables, args.out)
    except (ValueError, OSError) as exc:
        raise CliError(str(exc)) from exc
    sessions = len({r["session"] for r in rows})
    out(f"{args.out}: {len(rows)} metric values from {sessions} sessions")
    for (name, table), path in zip(tables.items(), paths, strict=True):
        out(f"{path}: {len(table.rows)} rows of the per-item table {name!r}")
    return 0


def run_reanalyze(args: argparse.Namespace) -> int:
    """``forcelab reanalyze SESSION...`` or ``forcelab reanalyze --all [filters]``.

    Named sessions take the batch's path (:func:`forcelab.storage.batch.run_batch` in this process): the old
    analysis kept in history, the new file put in place and in the index in one version-checked step.
    """
    from forcelab.storage.batch import PlannedSession, SessionOutcome, run_batch

    if args.all:
        if args.session:
            raise CliError("give session files or --all, not both")
        return reanalyze_batch.run(args, _archive(args))
    if not args.session:
        raise CliError("give the session file(s) to re-analyse, or --all")
    reanalyze_batch.refuse_batch_options(args)
    archive = _archive(args)
    root = archive.resolve()
    planned = []
    for path in args.session:
        if not path.is_file():
            raise CliError(f"{path}: no such session file")
        if not path.resolve().is_relative_to(root):
            raise CliError(f"{path}: not a session of the archive {archive}; re-analysis keeps the archive's "
                           "files and index together (give --archive, or import the file first)")
    with open_index(archive) as index:
        index.sync([p.resolve() for p in args.session])  # indexed (and repaired) at their current version
        rows = {r["path"]: r for r in index.sessions()}
        for path in args.session:
            row = rows.get(index.relative(path.resolve()))
            if row is None or row["error"]:
                why = row["error"] if row is not None else "not indexed"
                sys.stderr.write(f"forcelab: error: {path}: {why}\n")
                continue
            planned.append(PlannedSession(path.resolve(), int(row["n_trials"]), int(row["version"])))

        def on_done(outcome: SessionOutcome) -> None:
            if outcome.error:
                sys.stderr.write(f"forcelab: error: {outcome.path}: {outcome.error}\n")
                return
            out(f"session: {outcome.path}")
            for number, (n, moved, kept) in sorted(outcome.changed.items()):
                history = "the old analysis kept in history" if kept else "the same as before: no history entry"
                out(f"  trial {number}: {n} metrics ({moved} changed; {history})")
            for f in outcome.failures:
                sys.stderr.write(f"forcelab: error: {outcome.path}: trial {f.trial}: {f.reason}\n")

        report = run_batch(planned, index=index, force=True, on_done=on_done)
    failed = len(args.session) - len(planned) + len({p for p, _, _ in report.failures})
    if failed:
        raise CliError(f"{failed} of {len(args.session)} sessions could not be re-analysed")
    return 0


def run_index(args: argparse.Namespace) -> int:
    """``forcelab index [--rebuild]``."""
    from forcelab.storage.publish import publish_pending

    archive = _archive(args)
    with open_index(archive) as index:
        waiting = publish_pending(archive, index=index)
        report = index.rebuild() if args.rebuild else index.sync()
        n = sum(1 for row in index.sessions() if not row["error"])
        where = index.describe()
    for p in waiting.published:
        out(f"published waiting session: {p}")
    if waiting.message():
        sys.stderr.write(f"forcelab: warning: {waiting.message()}\n")
    out(
        f"index: {where}: {n} sessions ({report.added} added, {report.updated} updated, "
        f"{report.removed} removed, {report.incomplete} incomplete)"
    )
    for err in report.errors:
        out(f"  unreadable: {err}")
    return 0
