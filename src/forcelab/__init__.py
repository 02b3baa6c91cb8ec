"""forcelab: force-plate testing for sports science.

Subpackages follow the data's journey: ``devices`` (transports, decoders, simulator) ->
``acquisition`` (engine, ring buffer, calibration, online trial detection) -> ``analysis`` (pure
numpy metrics) -> ``storage`` (HDF5 archive, SQLite index) -> ``gui`` (the only package that imports Qt).
"""

__version__ = "0.1.0"
