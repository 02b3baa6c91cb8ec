"""Physical constants every layer shares (analysis is the lowest layer that all the others may import)."""

from __future__ import annotations

#: Standard gravity (m/s²), the conventional value of the 3rd CGPM (1901); the one value forcelab uses to turn
#: masses into weights and back.
STANDARD_GRAVITY = 9.80665
