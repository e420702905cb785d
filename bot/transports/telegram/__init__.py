"""What both Telegram runtimes share: update parsing, delivery with retries, per-user order."""
