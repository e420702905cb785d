"""Export JSON Schemas of the content files, so editors check YAML as it is typed."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from bot.content.models import ResourceFile, Tree

SCHEMAS: dict[str, type[BaseModel]] = {
    "tree.schema.json": Tree,
    "resources.schema.json": ResourceFile,
}


def schema_texts() -> dict[str, str]:
    """Return each schema file's name and JSON text."""
    return {
        name: json.dumps(model.model_json_schema(), indent=2, sort_keys=True) + "\n"
        for name, model in SCHEMAS.items()
    }


def write_schemas(directory: Path) -> list[Path]:
    """Write the schemas into a directory and return their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in schema_texts().items():
        path = directory / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
