"""Content as data: models, loader, linter, graph and JSON Schema export."""
