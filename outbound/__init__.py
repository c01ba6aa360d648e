"""Outbound's engine: everything but the windows, free of Qt."""

# The one place the version is written: pyproject.toml reads it from here, and the
# desktop bundle, which carries no package metadata, has it too.
__version__ = "0.1.0"
