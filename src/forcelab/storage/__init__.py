"""Storage: the HDF5 session archive, its SQLite index, import and export (no Qt)."""
