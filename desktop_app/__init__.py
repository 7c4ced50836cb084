"""Odyssey: a desktop neural-network trainer."""

__version__ = "0.1.0"
