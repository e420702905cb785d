"""The imperative shell around the core: load state, run the engine, save, render."""
