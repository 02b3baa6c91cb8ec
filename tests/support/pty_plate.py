"""A bare pseudo-terminal "device" for transport and engine tests: a pty pair behind a stable symlink.

Writing to ``master`` is what a device sends; :meth:`unplug` closes the master (the slave side then
reports a hang-up, as a USB device that vanished) and :meth:`replug` makes a new pty behind the same
symlink, as the same device coming back.
"""

from __future__ import annotations

import os
import tty
from pathlib import Path


class PtyPlate:
    def __init__(self, directory: Path, name: str = "plate") -> None:
        self.link = directory / name
        self.master = -1
        self._slave = -1
        self.replug()

    @property
    def port(self) -> str:
        return str(self.link)

    def replug(self) -> None:
        master, slave = os.openpty()
        tty.setraw(slave)
        tty.setraw(master)
        os.set_blocking(master, False)
        tmp = self.link.with_suffix(".tmp")
        if tmp.is_symlink():
            tmp.unlink()
        tmp.symlink_to(os.ttyname(slave))
        os.replace(tmp, self.link)
        self.master, self._slave = master, slave

    def write(self, data: bytes) -> int:
        """Write all of ``data`` (retrying while the pty buffer is full)."""
        view = memoryview(data)
        while view:
            try:
                n = os.write(self.master, view)
            except BlockingIOError:
                import time

                time.sleep(0.001)
                continue
            view = view[n:]
        return len(data)

    def read(self) -> bytes:
        try:
            return os.read(self.master, 65536)
        except (BlockingIOError, OSError):
            return b""

    def unplug(self) -> None:
        for fd in (self.master, self._slave):
            if fd >= 0:
                os.close(fd)
        self.master = self._slave = -1
        self.link.unlink(missing_ok=True)

    def close(self) -> None:
        if self.master >= 0:
            self.unplug()
