"""Outreach campaigns: deep links with a QR poster, and per-day counts with no link to anyone."""
