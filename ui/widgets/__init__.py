"""Widgets shared by the screens: messages, progress, figures and small helpers."""
