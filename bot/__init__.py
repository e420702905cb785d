"""Beacon: learn the signs of human trafficking and reach the right hotline, in your language."""

__version__ = "0.1.0"
