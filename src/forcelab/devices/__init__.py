"""Devices: transports, sans-IO protocol decoders, the simulator and replay (no Qt)."""
