"""Helpers shared by tests of several packages (a pty "device", archive fixtures); not tests themselves."""
