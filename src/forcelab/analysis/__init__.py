"""Analysis core: pure numpy functions of a ForceTrace, one module per test type (no Qt, no I/O)."""
