"""How the call screen looks, on top of the client's stylesheet.

Colours come from the palette or are translucent, so the screen reads in a light or a
dark scheme; the few sizes that matter on a call (the number to read out, the name,
the call time) are set here.
"""

from __future__ import annotations

CALL_SCREEN_STYLE = """
QLabel#contactName { font-size: 17pt; font-weight: 600; }
QLabel#contactOrganisation { font-size: 11pt; }
QLabel#contactPlace, QLabel#phoneDetail, QLabel#historySummary, QLabel#callReason {
    color: palette(placeholder-text);
}
QLabel#callReason { font-style: italic; }
QLabel#accessibilityNeeds, QLabel#preferredContact[prominent="true"] {
    background: rgba(230, 160, 0, 0.22);
    border: 1px solid rgba(200, 130, 0, 0.8);
    border-radius: 4px;
    padding: 4px 8px;
    font-weight: 600;
    font-size: 11pt;
}
QLabel#phoneNumber { font-size: 19pt; font-weight: 600; letter-spacing: 1px; }
QLabel#phoneNumberUnusable {
    font-size: 13pt; color: palette(placeholder-text); text-decoration: line-through;
}
QPushButton#callButton { padding: 5px 18px; font-weight: 600; }
QLabel#callTimer { font-size: 12pt; font-weight: 600; padding: 0 6px; }
QLabel#sectionTitle { font-weight: 600; margin-top: 4px; }
QLabel#carriedNote, QLabel#lastCall, QLabel#queueSentence { color: palette(placeholder-text); }
QLabel#waitingSentence { font-size: 14pt; }
QLabel#keysHint { color: palette(placeholder-text); }
QPushButton#nextCallButton { font-size: 12pt; font-weight: 600; padding: 8px 24px; }

QFrame#contactCard { background: palette(base); border: 1px solid palette(mid);
                     border-radius: 6px; }
QFrame#formRow { border-radius: 4px; }
QFrame#formRow[problem="true"] { background: rgba(210, 40, 40, 0.08); }
QLabel#fieldUnit { color: palette(placeholder-text); }
QLabel#fieldHelp { color: palette(placeholder-text); font-size: 9pt; }
QLabel#fieldError { color: #c62828; font-weight: 600; }
QLabel#fieldSoft { color: palette(text); background: rgba(230, 160, 0, 0.18);
                   border-radius: 3px; padding: 2px 6px; }
QLabel#carriedTag {
    color: palette(placeholder-text); font-size: 8pt;
    border: 1px solid palette(mid); border-radius: 7px; padding: 0 6px;
}
QFrame#formRow[carried="true"] QLineEdit, QFrame#formRow[carried="true"] QRadioButton,
QFrame#formRow[carried="true"] QCheckBox, QFrame#formRow[carried="true"] QComboBox {
    color: palette(placeholder-text);
}

QPushButton#outcomeButton { padding: 7px 8px; text-align: left; }
QPushButton#outcomeButton[kind="done"] { font-weight: 600;
    background: rgba(30, 150, 70, 0.18); border: 1px solid rgba(30, 150, 70, 0.6);
    border-radius: 4px; }
QPushButton#outcomeButton[kind="stop"] {
    background: rgba(210, 40, 40, 0.10); border: 1px solid rgba(210, 40, 40, 0.6);
    border-radius: 4px; }
QPushButton#outcomeButton:focus { border: 2px solid palette(highlight); }

QFrame#callbackPicker, QFrame#slotPicker {
    background: palette(base); border: 1px solid palette(mid); border-radius: 6px;
}
QLabel#pickerTitle { font-weight: 600; }
QLabel#pickerMessage[level="warning"] { color: #b26a00; font-weight: 600; }

QFrame#connectionBanner { border-radius: 4px; padding: 2px; }
QFrame#connectionBanner[level="error"] {
    background: rgba(210, 40, 40, 0.14); border: 1px solid rgba(210, 40, 40, 0.65);
}
QFrame#connectionBanner[level="warning"] {
    background: rgba(230, 160, 0, 0.18); border: 1px solid rgba(230, 160, 0, 0.7);
}
QFrame#connectionBanner[level="info"] {
    background: rgba(40, 120, 220, 0.12); border: 1px solid rgba(40, 120, 220, 0.5);
}
QFrame#connectionBanner[level="success"] {
    background: rgba(30, 150, 70, 0.14); border: 1px solid rgba(30, 150, 70, 0.55);
}
"""
