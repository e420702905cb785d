"""The pure core: engine, state, events, effects and the callback codec (no I/O, no clock)."""
