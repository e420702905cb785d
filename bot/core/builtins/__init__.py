"""Screens Beacon draws itself (tree `_`): one module each, gathered by `registry.REGISTRY`.

A module declares `BUILTIN`: its position, how it renders, the ops it owns and the taps it
takes, its commands and any typed text it reads. Adding a screen is adding a module (and its
texts in bot/core/texts.py).
"""
