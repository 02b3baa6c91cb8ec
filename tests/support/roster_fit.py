"""Whether every athlete in a roster list is shown whole: the wrapped text fits its item's rectangle."""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from forcelab.gui.roster import DETAIL_ROLE, NAME_ROLE, RosterDelegate


def misfits(view: QtWidgets.QListWidget) -> list[str]:
    """Every visible entry whose name (and detail line), wrapped at its item's width less the delegate's inset
    (at words, or anywhere when a word alone is too wide), is taller or wider than the item the view laid out
    for it; empty when all fit."""
    fm = QtGui.QFontMetrics(view.font())
    bad = []
    for i in range(view.count()):
        item = view.item(i)
        if item is None or item.isHidden():
            continue
        rect = view.visualItemRect(item)
        inner = rect.width() - 2 * RosterDelegate.PAD_X
        texts = [str(item.data(NAME_ROLE) or ""), str(item.data(DETAIL_ROLE) or "")]
        boxes = [fm.boundingRect(QtCore.QRect(0, 0, inner, 100_000), RosterDelegate.wrap_flags(fm, inner, t), t)
                 for t in texts if t]
        need_h = sum(b.height() for b in boxes) + 2 * RosterDelegate.PAD_Y
        need_w = max(b.width() for b in boxes)
        if need_h > rect.height() or need_w > inner or rect.right() >= view.viewport().width() + 1:
            bad.append(f"{texts[0]!r}: needs {need_w}x{need_h} px, item {rect.width()}x{rect.height()} px")
    return bad
