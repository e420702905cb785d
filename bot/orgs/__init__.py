"""Organizations: employers who enrol their staff, and the completion figures they may see.

Pure parts (join codes, stats, CSV and chart) are separate from storage (`directory`)."""
