"""Screens for administrators only: people's rights (access, erasure, legal holds,
retention and suppression lists)."""
