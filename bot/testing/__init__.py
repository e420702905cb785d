"""Testing helpers Beacon ships: a simulated user and golden-transcript replay."""
