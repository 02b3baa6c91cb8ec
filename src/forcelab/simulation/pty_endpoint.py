"""The simulated device's end of a pseudo-terminal, with a stable path for the host.

:class:`PtyEndpoint` holds the master side of a pty in raw mode (``os.openpty`` + ``tty.setraw``),
non-blocking, and keeps a symlink (``<dir>/ttySIM0``) pointing at the current slave (``/dev/pts/N``).
The device never keeps the slave open itself, so the master reports POLLHUP exactly while no host has
the port open: that is how the device notices a host opening (DTR reset) and closing the port.
:meth:`unplug` closes the master (the slave vanishes, host reads fail) and removes the symlink;
:meth:`plug` opens a new pty and points the symlink at it, so a host reopens the same path.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import select
import termios
import tty

log = logging.getLogger(__name__)


class PtyEndpoint:
    """Master side of a pty behind a stable symlink ``link``."""

    def __init__(self, link: str) -> None:
        self.link = link
        self._master: int | None = None
        self._poll: select.poll | None = None
        self.slave_path: str | None = None

    @property
    def plugged(self) -> bool:
        """True while the pty exists."""
        return self._master is not None

    def plug(self) -> None:
        """Create a new pty (raw mode) and point :attr:`link` at its slave."""
        if self._master is not None:
            return
        master, slave = os.openpty()
        tty.setraw(slave)
        path = os.ttyname(slave)
        os.close(slave)  # the host opens it; until then the master reports POLLHUP
        os.set_blocking(master, False)
        poll = select.poll()
        poll.register(master, select.POLLIN | select.POLLHUP)
        self._master, self._poll, self.slave_path = master, poll, path
        tmp = self.link + ".new"
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        os.symlink(path, tmp)
        os.replace(tmp, self.link)

    def unplug(self) -> None:
        """Close the master: the slave disappears, the host's reads fail; remove :attr:`link`."""
        if self._master is None:
            return
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.link)
        os.close(self._master)
        self._master = None
        self._poll = None

    def host_present(self) -> bool:
        """True while some process has the slave open (the master does not report POLLHUP)."""
        if self._poll is None:
            return False
        return not any(ev & select.POLLHUP for _, ev in self._poll.poll(0))

    def read(self) -> bytes:
        """Whatever the host wrote (non-blocking; ``b""`` when nothing or no host)."""
        if self._master is None:
            return b""
        try:
            return os.read(self._master, 65536)
        except BlockingIOError:
            return b""
        except OSError as exc:
            if exc.errno == errno.EIO:  # no host on the other side
                return b""
            raise

    def write(self, data: bytes) -> int | None:
        """Non-blocking write: the number of bytes the pty took, ``None`` if it took none (full or no
        host)."""
        if self._master is None:
            return None
        try:
            return os.write(self._master, data)
        except BlockingIOError:
            return None
        except OSError as exc:
            if exc.errno == errno.EIO:
                return None
            raise

    def flush_host_input(self) -> None:
        """Throw away bytes written for a host that has gone (a real USB port drops them), so the next
        host does not read stale data."""
        if self.slave_path is None or self._master is None:
            return
        try:
            fd = os.open(self.slave_path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        except OSError as exc:
            log.debug("could not flush %s: %s", self.slave_path, exc)
            return
        try:
            termios.tcflush(fd, termios.TCIFLUSH)
        finally:
            os.close(fd)
