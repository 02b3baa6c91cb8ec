"""The station id: which testing station (computer) recorded a session.

``$FORCELAB_STATION``, else the host name, made file-name safe. It is stored in every session file
(root attribute ``station``), in the index, and in the session's file name, so two stations recording
the same athlete in the same second never write the same file.
"""

from __future__ import annotations

import os
import socket

from forcelab.storage.archive import slug

STATION_ENV = "FORCELAB_STATION"


def station_id() -> str:
    """This station's id: ``$FORCELAB_STATION`` or the host name, as a slug (``lab-pc-2``)."""
    return slug(os.environ.get(STATION_ENV) or socket.gethostname() or "station")
