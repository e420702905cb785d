"""Beacon on the web: a server-rendered chat page over the conversation service."""
