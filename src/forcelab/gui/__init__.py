"""The desktop app: windows and widgets. The only forcelab package that imports Qt."""
