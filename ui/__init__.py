"""The app's look (QSS theme, icons), shipped as package data: read with importlib.resources.files("forcelab.ui")."""
