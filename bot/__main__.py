"""Run Beacon's command line: `python -m bot --help`."""

import gc

gc.disable()  # start-up builds many objects that live for the process: see bot.cli.settle_heap

from bot.cli import main  # noqa: E402

raise SystemExit(main())
