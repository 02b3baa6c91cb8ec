"""The protocol editor in the real window: duplicate a shipped protocol, change, reorder and add steps, save it
in the documented user file format (read back exactly), refuse what the model refuses with its message,
delete. Screenshot ``protocol-editor.png`` into the ``shots`` folder."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from PySide6 import QtCore

from forcelab.gui.protocol_editor import ProtocolEditor
from forcelab.protocols import library
from forcelab.protocols.model import protocol_from_dict
from support.gui_window import open_window
from support.screens import save_shot

LEFT = QtCore.Qt.MouseButton.LeftButton


def _pick(editor: ProtocolEditor, text: str) -> None:
    rows = [editor.list.item(i).text() for i in range(editor.list.count())]
    editor.list.setCurrentRow(rows.index(text))


def _retype(qtbot, line, text: str) -> None:  # type: ignore[no-untyped-def]
    line.selectAll()
    qtbot.keyClick(line, QtCore.Qt.Key.Key_Backspace)
    qtbot.keyClicks(line, text)


def test_a_shipped_protocol_is_duplicated_changed_and_saved_as_the_users(qtbot, archive: Path, shots: Path) -> None:  # type: ignore[no-untyped-def]
    folder = library.user_directory()
    folder.mkdir(parents=True)
    (folder / "newer.json").write_text(json.dumps({"name": "Newer", "steps": [{"test": "cmj"}, {"test": "hop"}]}))
    window = open_window(qtbot, "Ada Jumper", 75.0)
    panel = window.protocol_panel
    qtbot.mouseClick(panel.edit_button, LEFT)
    editor = window.protocol.editor
    assert isinstance(editor, ProtocolEditor) and editor.isVisible()

    # a file naming a test this analysis does not know: listed, refused with the model's message naming it
    _pick(editor, "⚠ newer.json  (cannot be read)")
    assert "step 2, field 'test': unknown test 'hop'" in editor.message.text()
    assert not editor.save_button.isEnabled() and editor.delete_button.isEnabled()

    _pick(editor, "Jump profile  (shipped)")  # shipped: read-only
    assert editor.name.isReadOnly() and not editor.save_button.isEnabled() and not editor.delete_button.isEnabled()
    assert not editor.test.isEnabled() and "read-only" in editor.message.text()
    qtbot.mouseClick(editor.duplicate_button, LEFT)
    assert editor.name.text() == "Jump profile (copy)" and not editor.name.isReadOnly()
    assert editor.path is None and editor.save_button.isEnabled()

    _retype(qtbot, editor.name, "IMTP strength check")  # the name of a shipped one: refused, saying so
    assert editor.message.text().startswith("a shipped protocol is called 'IMTP strength check'")
    assert not editor.save_button.isEnabled()
    _retype(qtbot, editor.name, "")
    assert editor.message.text() == "this protocol, field 'name': a protocol needs a name"
    _retype(qtbot, editor.name, "Jump profile U18")

    editor.steps.setCurrentRow(2)  # the drop jumps: a lower box, and before the squat jumps
    assert editor.test.currentData() == "dj" and editor.drop_height.value() == pytest.approx(0.30)
    assert not editor._form.isRowVisible(editor.load)  # a drop jump takes no load
    editor.drop_height.setValue(0.20)
    qtbot.mouseClick(editor.up_button, LEFT)
    assert [editor.steps.item(i).text() for i in range(3)] == [
        "1. 3 × Countermovement jump", "2. 3 × Drop jump 20 cm", "3. 3 × Squat jump"]
    qtbot.mouseClick(editor.add_step_button, LEFT)  # after the drop jumps: a hamstring pull
    assert editor.steps.currentRow() == 2 and editor.steps.count() == 4
    editor.test.setCurrentIndex(editor.test.findData("imtp"))
    assert not editor._form.isRowVisible(editor.drop_height)
    editor.trials.setValue(2)
    editor.limb.setCurrentIndex(editor.limb.findData("alternate"))
    editor.target_kind.setCurrentIndex(editor.target_kind.findData("previous_best"))
    assert "field 'target.metric': a previous_best target needs the 'metric'" in editor.message.text()
    assert editor.message.text().startswith("protocol 'Jump profile U18', step 3")
    assert not editor.save_button.isEnabled()
    qtbot.keyClicks(editor.target_metric, "peak_force")
    editor.target_value.setValue(90)
    qtbot.keyClicks(editor.label, "Hamstring pull")
    qtbot.keyClicks(editor.instructions, "Heel on the bar, knee at 90 degrees.")
    assert editor.steps.item(2).text() == "3. 2 per leg × Hamstring pull"
    assert editor.message.text() == "4 steps, 13 trials · not saved yet" and editor.save_button.isEnabled()
    editor.steps.setCurrentRow(0)  # the CMJ: a loaded jump
    editor.load.setValue(20.0)
    editor.steps.setCurrentRow(2)
    save_shot(editor, shots / "protocol-editor.png")

    qtbot.mouseClick(editor.save_button, LEFT)
    path = folder / "jump-profile-u18.json"
    assert editor.message.text() == f"Saved {path}" and editor.path == path and not editor.save_button.isEnabled()
    saved = library.load_file(path)  # the documented format, read back as exactly what the editor made
    assert saved == dataclasses.replace(editor.protocol(), source=str(path))
    assert json.loads(path.read_text())["format"] == "forcelab-protocol"
    assert [s.test for s in saved.steps] == ["cmj", "dj", "imtp", "sj"]
    assert saved.steps[0].settings == {"load_mass": 20.0} and saved.steps[1].settings == {"drop_height": 0.2}
    pull = saved.steps[2]
    assert (pull.trials, pull.limb, pull.label, pull.target.kind, pull.target.metric, pull.target.percent) == (
        2, "alternate", "Hamstring pull", "previous_best", "peak_force", 90.0)
    # the protocol box offers it at once
    assert "Jump profile U18" in [panel.picker.itemText(i) for i in range(panel.picker.count())]
    assert "Jump profile" in window.protocol.library.names()  # the shipped one is still there, unchanged

    # renamed: the file follows the name
    _retype(qtbot, editor.name, "Jump profile U20")
    qtbot.mouseClick(editor.save_button, LEFT)
    assert not path.exists() and (folder / "jump-profile-u20.json").exists()
    assert "Jump profile U18" not in window.protocol.library.names()

    # deleting: the user's protocol and the unreadable file (the question answered yes)
    editor.confirm = lambda question: True  # type: ignore[method-assign]
    _pick(editor, "Jump profile U20")
    qtbot.mouseClick(editor.delete_button, LEFT)
    _pick(editor, "⚠ newer.json  (cannot be read)")
    qtbot.mouseClick(editor.delete_button, LEFT)
    assert list(folder.iterdir()) == []
    assert "Jump profile U20" not in [panel.picker.itemText(i) for i in range(panel.picker.count())]
    assert not panel.problems.text()
    window.close()


def test_a_new_protocol_needs_a_name_of_its_own(qtbot, archive: Path) -> None:  # type: ignore[no-untyped-def]
    library.save(protocol_from_dict({"name": "Mine", "steps": [{"test": "sj"}]}))
    editor = ProtocolEditor()
    qtbot.addWidget(editor)
    editor.show()
    qtbot.mouseClick(editor.new_button, LEFT)
    assert editor.name.text() == "My protocol" and editor.steps.count() == 1
    _retype(qtbot, editor.name, "Mine")
    assert editor.message.text().startswith("another of your protocols is called 'Mine'")
    qtbot.mouseClick(editor.remove_step_button, LEFT)
    _retype(qtbot, editor.name, "Empty")
    assert editor.message.text() == "protocol 'Empty', field 'steps': a protocol needs a list of one or more steps"
    assert not editor.save_button.isEnabled()

    # unsaved changes are not dropped without asking: answered no, the form keeps them
    asked: list[str] = []
    editor.confirm = lambda question: bool(asked.append(question))  # type: ignore[method-assign]
    _pick(editor, "Mine")
    assert asked == ["Discard the changes to 'Empty'? They are not saved."]
    assert editor.name.text() == "Empty" and editor.list.currentRow() == -1
    editor.close()
    assert len(asked) == 2 and editor.isVisible()  # closing asked too, and stayed open
    editor.confirm = lambda question: True  # type: ignore[method-assign]
    _pick(editor, "Mine")
    assert editor.name.text() == "Mine" and not editor.name.isReadOnly() and not editor.dirty
    editor.close()
    assert not editor.isVisible()


def test_a_protocol_made_in_the_editor_runs_in_the_app(qtbot, archive: Path) -> None:  # type: ignore[no-untyped-def]
    window = open_window(qtbot, "Ada Jumper", 75.0)
    panel = window.protocol_panel
    qtbot.mouseClick(panel.edit_button, LEFT)
    editor = window.protocol.editor
    qtbot.mouseClick(editor.new_button, LEFT)
    _retype(qtbot, editor.name, "Two jumps")
    editor.trials.setValue(1)
    qtbot.mouseClick(editor.add_step_button, LEFT)
    editor.test.setCurrentIndex(editor.test.findData("sj"))
    qtbot.mouseClick(editor.save_button, LEFT)
    editor.close()
    window.activateWindow()  # the window has the keyboard again (J, Space)
    window.setFocus()
    panel.picker.setCurrentText("Two jumps")
    assert panel.preview.text() == "1 × Countermovement jump · 1 × Squat jump"  # a step added copies trials

    assert window.start_simulated("forcelab dual plate (8 cells)", 1000.0, noise=2.0, seed=8)
    link = window.session.link
    assert link is not None
    qtbot.waitUntil(lambda: link.feed.ring.total_written > 2500, timeout=10_000)
    qtbot.mouseClick(panel.start_button, LEFT)
    assert panel.step_title.text() == "Step 1 of 2 · Countermovement jump"
    qtbot.keyClick(window, QtCore.Qt.Key.Key_J)
    qtbot.waitUntil(lambda: len(window.session.trials) == 1, timeout=20_000)
    assert window.session.trials[1].meta["protocol"] == "Two jumps"
    assert panel.step_title.text() == "Step 2 of 2 · Squat jump" and window.tests.current_test() == "sj"
    window.close()
