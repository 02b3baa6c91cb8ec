"""Physical constants and unit names every layer shares (analysis is the lowest layer that all the others may
import)."""

from __future__ import annotations

#: Standard gravity (m/s²), the conventional value of the 3rd CGPM (1901); the one value forcelab uses to turn
#: masses into weights and back.
STANDARD_GRAVITY = 9.80665

#: The unit of a metric that counts items (``hop_count``: the hops found). Unitless like a ratio (unit ``1``),
#: but a count: every screen, the report and the command line show it as a whole number
#: (:func:`forcelab.analysis.labels.display_number`). The metric's definition says it is a count, not its value.
COUNT = "count"
