"""Run Beacon's command line: `python -m bot --help`."""

from bot.cli import main

raise SystemExit(main())
