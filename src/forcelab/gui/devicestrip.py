"""The device strip along the top of the window: port, profile, rate, connect, status, tare, calibrate.

It only collects choices and shows status; connecting is the main window's job (through
:mod:`forcelab.gui.services`). The status labels take any object with the fields of
:class:`forcelab.acquisition.engine.EngineStatus`.
"""

from __future__ import annotations

from typing import Any

from PySide6 import QtCore, QtWidgets

RATES = (500, 1000, 2000)


def _set_state_style(label: QtWidgets.QLabel, state: str) -> None:
    label.setProperty("state", state)
    label.style().unpolish(label)
    label.style().polish(label)


class DeviceStrip(QtWidgets.QFrame):
    """Signals: ``connect_requested(port, profile, rate)``, ``disconnect_requested()``,
    ``simulate_requested(profile, rate)``, ``tare_requested()``, ``calibrate_requested()``,
    ``refresh_requested()``."""

    connect_requested = QtCore.Signal(str, str, float)
    disconnect_requested = QtCore.Signal()
    simulate_requested = QtCore.Signal(str, float)
    tare_requested = QtCore.Signal()
    calibrate_requested = QtCore.Signal()
    refresh_requested = QtCore.Signal()

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("deviceStrip")
        self.port = QtWidgets.QComboBox()
        self.port.setEditable(True)
        self.port.setMinimumContentsLength(10)
        self.port.setSizeAdjustPolicy(QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.port.setToolTip("Serial port (name and serial number); you can also type a path")
        self.refresh = QtWidgets.QPushButton("↻")
        self.refresh.setToolTip("Look for ports again")
        self.refresh.setFixedWidth(32)
        self.profile = QtWidgets.QComboBox()
        self.profile.setToolTip("Device profile: channel map, plate geometry")
        self.profile.setMinimumContentsLength(12)
        self.profile.setSizeAdjustPolicy(QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.rate = QtWidgets.QComboBox()
        for r in RATES:
            self.rate.addItem(f"{r} Hz", float(r))
        self.rate.setCurrentIndex(1)
        self.connect_button = QtWidgets.QPushButton("Connect")
        self.connect_button.setObjectName("primary")
        self.simulate_button = QtWidgets.QPushButton("Simulate")
        self.simulate_button.setToolTip("No plate here? Start virtual plates on a pseudo-terminal")
        self.state = QtWidgets.QLabel("not connected")
        self.state.setObjectName("stateLabel")
        _set_state_style(self.state, "idle")
        self.rate_label = QtWidgets.QLabel("— Hz")
        self.lost_label = QtWidgets.QLabel("lost 0")
        self.crc_label = QtWidgets.QLabel("CRC 0")
        for w in (self.rate_label, self.lost_label, self.crc_label):
            w.setToolTip("Achieved sample rate, samples lost (counter gaps), frames failing their CRC")
        self.tare_button = QtWidgets.QPushButton("Zero (T)")
        self.tare_button.setToolTip("Zero the plates: step off first (shortcut T)")
        self.calibrate_button = QtWidgets.QPushButton("Calibrate…")
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Fixed)
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        widgets: list[QtWidgets.QWidget] = [
            self.port, self.refresh, self.profile,
            self.rate, self.connect_button, self.simulate_button,
        ]
        for widget in widgets:
            layout.addWidget(widget)
        layout.addSpacing(12)
        for label in (self.state, self.rate_label, self.lost_label, self.crc_label):
            layout.addWidget(label)
        layout.addStretch(1)
        layout.addWidget(self.tare_button)
        layout.addWidget(self.calibrate_button)
        self._connected = False
        self._connected_label = ""
        self.connect_button.clicked.connect(self._on_connect_clicked)
        self.simulate_button.clicked.connect(
            lambda: self.simulate_requested.emit(self.current_profile(), self.current_rate())
        )
        self.tare_button.clicked.connect(self.tare_requested)
        self.calibrate_button.clicked.connect(self.calibrate_requested)
        self.refresh.clicked.connect(self.refresh_requested)
        self.set_connected(False)

    def set_ports(self, ports: list[tuple[str, str]]) -> None:
        """Fill the port list with ``(device path, description)`` pairs."""
        current = self.port.currentText()
        self.port.clear()
        for device, description in ports:
            self.port.addItem(description, device)
        if current and current != self._connected_label:  # what the user typed, not the port that was in use
            self.port.setEditText(current)
        self._connected_label = ""
        self.port.setToolTip("Serial port (name and serial number); you can also type a path")

    def show_connected_port(self, label: str, device: str) -> None:
        """Show the port in use (e.g. the simulated plates' pty, which is not in the discovered list) as the
        selected entry; :meth:`set_ports` after disconnecting brings the discovered list back."""
        i = self.port.findData(device) if device else -1
        if i < 0:
            self.port.insertItem(0, label, device)
            i = 0
        else:
            self.port.setItemText(i, label)
        self.port.setCurrentIndex(i)
        self._connected_label = label
        edit = self.port.lineEdit()
        if edit is not None:
            edit.setCursorPosition(0)  # show the start of the label, not its tail
        self.port.setToolTip(f"Connected: {label} ({device})" if device and device not in label else
                             f"Connected: {label}")

    def set_profiles(self, names: list[str]) -> None:
        """Fill the profile list."""
        self.profile.clear()
        self.profile.addItems(names)

    def select_profile(self, name: str) -> None:
        """Make ``name`` the chosen profile."""
        self.profile.setCurrentText(name)

    def current_profile(self) -> str:
        """The chosen profile's name."""
        return self.profile.currentText()

    def current_rate(self) -> float:
        """The chosen sample rate (Hz)."""
        return float(self.rate.currentData())

    def chosen_port(self) -> str:
        """The port path: the selected item's device, or what the user typed."""
        i = self.port.currentIndex()
        text = self.port.currentText().strip()
        if i >= 0 and self.port.itemText(i) == text:
            return str(self.port.itemData(i))
        return text

    def _on_connect_clicked(self) -> None:
        if self._connected:
            self.disconnect_requested.emit()
        else:
            self.connect_requested.emit(self.chosen_port(), self.current_profile(), self.current_rate())

    def set_connected(self, connected: bool, description: str = "") -> None:
        """Switch the strip between its connected and idle looks."""
        self._connected = connected
        self.connect_button.setText("Disconnect" if connected else "Connect")
        self.connect_button.setEnabled(True)
        for widget in (self.port, self.profile, self.rate, self.simulate_button, self.refresh):
            widget.setEnabled(not connected)
        for button in (self.tare_button, self.calibrate_button):
            button.setEnabled(connected)
        if connected:
            self.state.setText(f"connected {description}".strip())
            _set_state_style(self.state, "connected")
        else:
            self.state.setText("not connected")
            _set_state_style(self.state, "idle")
            self.rate_label.setText("— Hz")

    def show_connecting(self, what: str) -> None:
        """Show that a connection is being made (buttons off until it succeeds or fails)."""
        for widget in (self.connect_button, self.simulate_button):
            widget.setEnabled(False)
        self.state.setText(f"connecting to {what}…")
        _set_state_style(self.state, "silent")

    def show_status(self, status: Any) -> None:
        """Show an engine status snapshot (fields of ``EngineStatus``)."""
        state = str(status.state)
        style = {"connected": "connected", "silent": "silent", "reconnecting": "disconnected"}.get(state, "idle")
        _set_state_style(self.state, style)
        self.state.setText({"reconnecting": "device lost: reconnecting…", "silent": "no data (silent)"}.get(
            state, state))
        self.rate_label.setText(f"{status.achieved_rate:,.0f} / {status.nominal_rate:,.0f} Hz")
        self.lost_label.setText(f"lost {status.lost_samples:,}")
        self.crc_label.setText(f"CRC {status.crc_errors:,}" + (f" · bad {status.malformed:,}" if status.malformed else ""))
