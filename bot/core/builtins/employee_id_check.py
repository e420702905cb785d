"""The confirmation of a typed employee id ("Right?" with Yes and Change); its buttons belong
to the employee-id screen, and an id typed here replaces the one shown."""

from __future__ import annotations

from bot.core.builtins.base import Builtin
from bot.core.builtins.employee_id import CHECK_POSITION, on_employee_id, render_check

BUILTIN = Builtin(CHECK_POSITION, render_check, text=on_employee_id)
