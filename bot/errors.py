"""The one error every layer raises when Beacon cannot start: it names a setting and the problem."""

from __future__ import annotations


class StartupError(Exception):
    """A setting or a dependency it names is wrong; the message is one line for the operator."""

    def __init__(self, setting: str, problem: str) -> None:
        """Keep the setting's name (such as DATABASE_URL) and what is wrong with it."""
        super().__init__(f"{setting}: {problem}")
        self.setting = setting
        self.problem = problem
