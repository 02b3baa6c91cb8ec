"""Where protocols come from: the ones forcelab ships and the user's own, and saving a new one.

Shipped protocols are package data (``forcelab/protocols/shipped/*.json``, listed in file-name order: the
number in front puts the most used first). The user's live in
``<user config dir>/forcelab/protocols/*.json`` (``platformdirs.user_config_dir``; Linux
``~/.config/forcelab/protocols``), one protocol per file in the format of docs/protocols.md. A user protocol
with the name of a shipped one replaces it in the list.

:func:`available` never stops at a bad file: it returns the protocols it could read and, for each file it
could not, the error naming the file, step and field, so the app lists the good ones and says what is wrong
with the others. A protocol whose test this forcelab's analysis does not know (one written for a newer
forcelab) is one of those problems, not a crash. Writes are atomic (temporary file, then rename).
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import platformdirs

from forcelab.protocols.model import Protocol, ProtocolError, protocol_from_dict

log = logging.getLogger(__name__)

_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def user_directory() -> Path:
    """The user's protocol folder: ``<user config dir>/forcelab/protocols``."""
    return Path(platformdirs.user_config_dir("forcelab", appauthor=False)) / "protocols"


def read_text(text: str, *, source: str) -> Protocol:
    """A protocol from JSON text; :class:`ProtocolError` naming ``source`` for bad JSON (with its line and
    column) or a bad protocol."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProtocolError(f"{source}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    return protocol_from_dict(raw, source=source)


def load_file(path: str | os.PathLike[str]) -> Protocol:
    """Read one protocol file; :class:`ProtocolError` naming the file for anything wrong with it."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProtocolError(f"{p}: cannot be read ({exc})") from None
    return read_text(text, source=str(p))


def shipped() -> tuple[list[Protocol], list[str]]:
    """The protocols shipped with forcelab that today's analysis can run, and why any others cannot."""
    found: list[Protocol] = []
    problems: list[str] = []
    folder = resources.files("forcelab.protocols") / "shipped"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".json"):
            continue
        try:
            found.append(read_text(entry.read_text(encoding="utf-8"), source=f"shipped/{entry.name}"))
        except ProtocolError as exc:
            problems.append(str(exc))
    return found, problems


@dataclass
class Library:
    """Every protocol the app can offer (shipped, then the user's) and the files that could not be read."""

    protocols: list[Protocol] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    #: the user's files that could not be read, with why (the editor lists them so they can be deleted)
    broken: list[tuple[Path, str]] = field(default_factory=list)

    def names(self) -> list[str]:
        """Protocol names in list order."""
        return [p.name for p in self.protocols]

    def get(self, name: str) -> Protocol:
        """The protocol called ``name``; ``KeyError`` listing the names there are."""
        for p in self.protocols:
            if p.name == name:
                return p
        raise KeyError(f"no protocol {name!r}; there are: {', '.join(self.names()) or 'none'}")


def available(directory: str | os.PathLike[str] | None = None) -> Library:
    """Shipped protocols and the user's (``directory``, default :func:`user_directory`); a user protocol with
    a shipped one's name replaces it. Unreadable files are listed in ``problems``, never raised."""
    protocols, problems = shipped()
    broken: list[tuple[Path, str]] = []
    folder = Path(directory) if directory is not None else user_directory()
    if folder.is_dir():
        for path in sorted(folder.glob("*.json")):
            try:
                mine = load_file(path)
            except ProtocolError as exc:
                problems.append(str(exc))
                broken.append((path, str(exc)))
                continue
            protocols = [p for p in protocols if p.name != mine.name] + [mine]
    for message in problems:
        log.info("protocol not offered: %s", message)
    return Library(protocols, problems, broken)


def file_name(name: str) -> str:
    """A safe file name for a protocol called ``name``: ``"Jump profile (U18)"`` -> ``jump-profile-u18.json``."""
    stem = _SAFE.sub("-", name.strip().lower()).strip("-.") or "protocol"
    return f"{stem}.json"


def is_users(protocol: Protocol, directory: str | os.PathLike[str] | None = None) -> bool:
    """True for a protocol read from a file in the user's folder (one the app may change or delete); shipped
    ones are read-only."""
    folder = Path(directory) if directory is not None else user_directory()
    return bool(protocol.source) and Path(protocol.source).parent == folder


def save(protocol: Protocol, directory: str | os.PathLike[str] | None = None, *,
         replaces: str | os.PathLike[str] | None = None) -> Path:
    """Write ``protocol`` into the user's folder (atomically) and return the file: the one writer of the format
    (docs/protocols.md). It is read back through the same checks as loading first, so a file saved here
    always loads again, as the same protocol.

    ``replaces`` is the file of the protocol being edited: renamed, the old file is removed once the new one is
    in place. A file of the new name that holds another protocol is never overwritten (:class:`ProtocolError`
    saying which)."""
    text = json.dumps(protocol.to_dict(), indent=2, ensure_ascii=False) + "\n"
    folder = Path(directory) if directory is not None else user_directory()
    path = folder / file_name(protocol.name)
    read_text(text, source=str(path))  # the same checks as loading: never write a file that will not load
    old = Path(replaces) if replaces is not None else None
    if path.exists() and (old is None or old.resolve() != path.resolve()):
        raise ProtocolError(f"{path}: already holds another protocol; choose another name for {protocol.name!r}")
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".protocol-", suffix=".json", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except OSError:
        Path(tmp).unlink(missing_ok=True)
        raise
    if old is not None and old.resolve() != path.resolve():
        old.unlink(missing_ok=True)
    return path


def delete(path: str | os.PathLike[str], directory: str | os.PathLike[str] | None = None) -> None:
    """Remove the user's protocol file ``path``; :class:`ProtocolError` for a file outside the user's folder (a
    shipped protocol is read-only)."""
    folder = Path(directory) if directory is not None else user_directory()
    p = Path(path)
    if p.parent.resolve() != folder.resolve() or p.suffix != ".json":
        raise ProtocolError(f"{p}: not one of your protocol files (in {folder}); shipped protocols are read-only")
    p.unlink(missing_ok=True)
