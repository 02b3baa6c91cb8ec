"""Device profiles shipped as package data (``forcelab.profiles`` in an installed wheel).

Only JSON lives here; ``forcelab.devices.profiles`` loads it. In a source checkout the loader reads
this folder directly.
"""
