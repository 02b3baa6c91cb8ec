"""Acquisition: stream engine, ring buffer, calibration and online trial detection (no Qt)."""
