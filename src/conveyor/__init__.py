"""Conveyor: run GitHub Actions workflows unchanged, on your own machines."""

__version__ = "0.1.0"
