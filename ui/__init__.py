"""The PySide6 desktop client. Every rule it shows comes from ``outbound``."""
