"""Calibration with known masses: capture points per channel, fit a line per channel, show each fit.

The tester puts a known mass over one load cell, picks the channel, types the mass and presses
*Capture*: the dialog takes the mean raw counts of that channel over the last second from the engine's
ring. With two or more points on a channel, *Fit* runs :func:`forcelab.acquisition.calibration.fit_known_masses`
and shows each channel's gain, offset and residuals, so a bad point is visible before the calibration is
applied. *Apply* hands the new calibration to the engine (and stores it for the device).
"""

from __future__ import annotations

import numpy as np
from PySide6 import QtWidgets

from forcelab.acquisition.calibration import (
    Calibration,
    CalibrationError,
    CalibrationStore,
    MassPoint,
    fit_known_masses,
)
from forcelab.acquisition.engine import AcquisitionEngine


class CalibrationDialog(QtWidgets.QDialog):
    """Known-mass calibration of the connected device."""

    def __init__(self, engine: AcquisitionEngine, parent: QtWidgets.QWidget | None = None,
                 store: CalibrationStore | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Calibrate with known masses")
        self.engine = engine
        self.store = store
        self.points: list[MassPoint] = []
        self.fitted: Calibration | None = None
        nch = engine.plate_map.channels
        self.channel = QtWidgets.QSpinBox()
        self.channel.setRange(0, nch - 1)
        self.mass = QtWidgets.QDoubleSpinBox()
        self.mass.setRange(0.0, 500.0)
        self.mass.setDecimals(3)
        self.mass.setSuffix(" kg")
        self.capture_button = QtWidgets.QPushButton("Capture 1 s")
        self.points_table = QtWidgets.QTableWidget(0, 3)
        self.points_table.setHorizontalHeaderLabels(["channel", "mass (kg)", "mean counts"])
        self.fit_table = QtWidgets.QTableWidget(0, 6)
        self.fit_table.setHorizontalHeaderLabels(
            ["channel", "gain (N/count)", "offset (counts)", "RMS residual (N)", "max residual (N)", "points"])
        for t in (self.points_table, self.fit_table):
            t.verticalHeader().setVisible(False)
            t.horizontalHeader().setStretchLastSection(True)
        self.message = QtWidgets.QLabel("")
        self.message.setObjectName("flagText")
        self.message.setWordWrap(True)
        self.fit_button = QtWidgets.QPushButton("Fit")
        self.apply_button = QtWidgets.QPushButton("Apply")
        self.apply_button.setEnabled(False)
        close = QtWidgets.QPushButton("Close")
        row = QtWidgets.QHBoxLayout()
        for w in (QtWidgets.QLabel("Channel"), self.channel, QtWidgets.QLabel("Mass"), self.mass):
            row.addWidget(w)
        row.addWidget(self.capture_button)
        buttons = QtWidgets.QHBoxLayout()
        buttons.addWidget(self.fit_button)
        buttons.addWidget(self.apply_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(QtWidgets.QLabel("Points"))
        layout.addWidget(self.points_table)
        layout.addWidget(QtWidgets.QLabel("Fit per channel"))
        layout.addWidget(self.fit_table)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.capture_button.clicked.connect(self.capture)
        self.fit_button.clicked.connect(self.fit)
        self.apply_button.clicked.connect(self.apply)
        close.clicked.connect(self.reject)

    def add_point(self, channel: int, mass_kg: float, counts: float) -> None:
        """Add one (channel, mass, counts) point."""
        self.points.append(MassPoint(channel, mass_kg, counts))
        r = self.points_table.rowCount()
        self.points_table.insertRow(r)
        for c, text in enumerate((str(channel), f"{mass_kg:.3f}", f"{counts:,.1f}")):
            self.points_table.setItem(r, c, QtWidgets.QTableWidgetItem(text))

    def capture(self) -> None:
        """Take the mean raw counts of the chosen channel over the last second."""
        ch = self.channel.value()
        rows = self.engine.ring.latest(max(1, int(self.engine.rate)))
        if rows.shape[0] == 0:
            self.message.setText("No samples yet: is the device streaming?")
            return
        counts = float(np.mean(rows[:, self.engine.column(f"raw{ch}")]))
        self.add_point(ch, self.mass.value(), counts)
        self.message.setText(f"Captured channel {ch}: {counts:,.1f} counts at {self.mass.value():.3f} kg")

    def fit(self) -> None:
        """Fit every channel that has points and show the fits."""
        try:
            cal = fit_known_masses(self.points, self.engine.calibration)
        except CalibrationError as exc:
            self.message.setText(f"Cannot fit: {exc}")
            self.apply_button.setEnabled(False)
            return
        self.fitted = cal
        self.fit_table.setRowCount(0)
        for f in cal.fits:
            r = self.fit_table.rowCount()
            self.fit_table.insertRow(r)
            cells = (str(f.channel), f"{f.gain:.6g}", f"{f.offset:,.1f}", f"{f.rms_residual_n:.2f}",
                     f"{f.max_residual_n:.2f}", str(f.n_points))
            for c, text in enumerate(cells):
                self.fit_table.setItem(r, c, QtWidgets.QTableWidgetItem(text))
        worst = max((f.max_residual_n for f in cal.fits), default=0.0)
        self.message.setText(f"Fitted {len(cal.fits)} channel(s); largest residual {worst:.2f} N. Apply to use it.")
        self.apply_button.setEnabled(True)

    def apply(self) -> None:
        """Use the fitted calibration from now on (and store it under the device's serial number)."""
        if self.fitted is None:
            return
        self.engine.set_calibration(self.fitted)
        if self.store is not None and self.fitted.device_serial:
            try:
                self.store.save(self.fitted)
            except (OSError, CalibrationError) as exc:
                self.message.setText(f"Applied, but not stored: {exc}")
                return
        self.accept()
