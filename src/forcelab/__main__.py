"""``python -m forcelab`` is the ``forcelab`` command."""

from forcelab.cli import main

raise SystemExit(main())
