"""Publish a closed session from the station's spool to the shared archive and its index.

One publish: copy the spooled file beside its place in the archive (``.<name>.<station>.publishing``;
a hard link, so no copy, when spool and archive share a file system, as on a single laptop), fsync it, then in one index transaction register it (or, for an edit, claim the next version: a stale
edit is refused) and atomically rename it into place; the transaction commits only after the rename, and
the spooled copy is removed only after the commit. If the archive folder or the database cannot be
reached, :class:`PublishError` says so and the session stays in the spool; :func:`publish_pending` (run
at every start and before every publish) retries. A retry re-copies with the same modification time, so
re-registering is an update of the same row, never a second one: nothing is lost, nothing is registered
twice.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.exc import OperationalError, SQLAlchemyError

from forcelab.storage import spool
from forcelab.storage.archive import station_id
from forcelab.storage.h5open import SessionFileError
from forcelab.storage.index import ArchiveIndex, StaleSessionError
from forcelab.storage.index_backend import IndexUnavailable
from forcelab.storage.recovery import ensure_final_layout
from forcelab.storage.rewrite import fsync_path, staged_name
from forcelab.storage.session import open_session

log = logging.getLogger(__name__)


class PublishError(Exception):
    """The session could not be published now; it is safe in the spool and will be published later."""


@dataclass(frozen=True)
class PublishReport:
    """What :func:`publish_pending` did: published files (in the archive), files still waiting, why."""

    published: tuple[Path, ...] = ()
    waiting: tuple[Path, ...] = ()
    errors: tuple[str, ...] = ()
    incomplete: int = 0  # published sessions whose recorder had stopped abnormally (recovered first)

    def message(self) -> str | None:
        """One line for the tester when something waits in the spool (``None`` when all is published)."""
        if not self.waiting:
            return None
        why = self.errors[-1] if self.errors else "not yet published"
        return f"{len(self.waiting)} session(s) kept on this station, not yet in the shared archive: {why}"


def _open_index(archive: Path, url: str | None, index: ArchiveIndex | None) -> ArchiveIndex:
    return index if index is not None else ArchiveIndex(archive, url)


def replace_published(
    staged: Path, archive: Path, rel: str | os.PathLike[str], *, expected: int | None,
    url: str | None = None, index: ArchiveIndex | None = None, keeps: str = "nothing was changed",
) -> Path:
    """Put ``staged`` (a complete, fsynced new file in the archive's folder for ``rel``) in place, in the index.

    One index transaction registers the session (``expected=None``: a new one, or a re-publish of the same
    file) or claims the version after ``expected`` (an edit: refused with
    :class:`~forcelab.storage.index.StaleSessionError` when the index holds a newer one), then renames
    ``staged`` over ``archive/rel`` and fsyncs the folder; it commits only after the rename. Whatever
    fails, ``staged`` is removed and the archive keeps what it had; an unreachable or failing index raises
    :class:`PublishError` ending in ``keeps`` (what the caller still has). Returns the path in the archive.
    """
    target = Path(archive) / rel
    own = index is None
    try:
        session = open_session(staged, load_analysis=True)
        stat = staged.stat()
        ix = _open_index(archive, url, index)
        try:
            with ix.transaction() as conn:
                if expected is None:
                    ix.add_session(session, stat=stat, rel=str(rel))
                else:
                    ix.register_edit(conn, session, rel=str(rel), expected=expected, stat=stat)
                os.replace(staged, target)
                fsync_path(target.parent)
        finally:
            if own:
                ix.close()
    except StaleSessionError:
        staged.unlink(missing_ok=True)
        raise
    except (IndexUnavailable, SQLAlchemyError, OSError) as exc:
        staged.unlink(missing_ok=True)
        first = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        what = "index unreachable" if isinstance(exc, IndexUnavailable | OperationalError) else "index error"
        raise PublishError(f"{what} ({first[0] if first else type(exc).__name__}); {keeps}") from exc
    return target


def _stage(spooled: Path, tmp: Path) -> None:
    """Put a copy of ``spooled`` at ``tmp`` (beside its place in the archive), on disk.

    On the same file system (one station whose spool and archive share a disk: the zero set-up default)
    this is a second name for the same file, so publishing is a rename; elsewhere (a lab's share) a copy,
    fsynced. Either keeps the modification time, so a re-publish is the same file to the index.
    """
    tmp.unlink(missing_ok=True)  # a stale copy of an interrupted publish
    try:
        os.link(spooled, tmp)  # the spooled file was fsynced when its recording closed
        return
    except OSError:  # another file system (EXDEV), or one without hard links: copy
        pass
    shutil.copy2(spooled, tmp)
    fsync_path(tmp)


def publish_session(
    spooled: Path, archive: Path, *, url: str | None = None, index: ArchiveIndex | None = None
) -> Path:
    """Publish one spooled session to ``archive`` and its index; returns its path in the archive.

    Raises :class:`PublishError` (kept in the spool, retried later) or, for an edit that started from
    an older version than the index holds, :class:`~forcelab.storage.index.StaleSessionError` (the edit
    is dropped from the spool: it must be made again on the current version).
    """
    spooled = Path(spooled).absolute()
    rel = spool.relative(spooled, archive)
    target = Path(archive) / rel
    expected = spool.edit_base(spooled)
    try:
        ensure_final_layout(spooled, while_recording="it is published when its recording closes")
        open_session(spooled)
    except ValueError as exc:
        raise PublishError(str(exc)) from exc
    except SessionFileError as exc:
        raise PublishError(f"{spooled}: not published, the file is unreadable: {exc.reason}") from exc
    tmp = staged_name(target, f"{station_id()}.publishing")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        _stage(spooled, tmp)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise PublishError(f"archive folder {archive} unreachable ({exc}); {spooled.name} stays on this station") from exc
    try:
        replace_published(tmp, archive, rel, expected=expected, url=url, index=index,
                          keeps=f"{spooled.name} stays on this station")
    except StaleSessionError:
        spool.forget(spooled)
        raise
    spool.forget(spooled)
    log.info("published %s (%s)", target, "edit" if expected is not None else "new session")
    return target


def publish_pending(
    archive: Path, *, url: str | None = None, index: ArchiveIndex | None = None
) -> PublishReport:
    """Publish every session waiting in this station's spool for ``archive`` (oldest first).

    Stops at the first file that cannot be published for want of the folder or the database (the rest
    would fail alike); a stale edit is logged and dropped. Never raises for those: the report says.
    """
    published: list[Path] = []
    errors: list[str] = []
    incomplete = 0
    waiting = spool.waiting(archive)  # not one in progress
    for k, path in enumerate(waiting):
        try:
            published.append(publish_session(path, archive, url=url, index=index))
            incomplete += not open_session(published[-1]).complete
        except StaleSessionError as exc:
            log.warning("edit refused: %s", exc)
            errors.append(str(exc))
        except PublishError as exc:
            log.warning("not published: %s", exc)
            errors.append(str(exc))
            return PublishReport(tuple(published), tuple(waiting[k:]), tuple(errors), incomplete)
    return PublishReport(tuple(published), (), tuple(errors), incomplete)


def edit_published(
    archive: Path, path: str | os.PathLike[str], change: Callable[[Path], object], *,
    expected_version: int, url: str | None = None, index: ArchiveIndex | None = None,
) -> Path:
    """Change a published session through the spool: copy it in, ``change(local_copy)``, publish it back.

    ``expected_version`` is the index version the caller read the session at
    (:meth:`ArchiveIndex.session_version`); if someone else published a change since, the edit is
    refused with :class:`~forcelab.storage.index.StaleSessionError` and the archive keeps their version.
    If the folder or the database is unreachable the edit waits in the spool (:class:`PublishError`).
    """
    source = Path(path) if Path(path).is_absolute() else Path(archive) / path
    rel = source.absolute().relative_to(Path(archive).absolute())
    local = spool.spool_dir(archive) / rel
    if local.exists():
        raise PublishError(f"{rel}: an earlier change is still waiting on this station; publish it first")
    local.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, local)
    try:
        change(local)
    except BaseException:
        spool.forget(local)
        raise
    spool.mark_edit(local, expected_version)
    return publish_session(local, archive, url=url, index=index)
