"""Mermaid export and the committed JSON Schemas."""

from __future__ import annotations

import json
import subprocess
import sys

from bot.content.bundle import Content
from bot.content.graph import mermaid
from bot.content.schema import schema_texts
from bot.settings import PROJECT_ROOT


def test_graph_draws_every_node_and_link(content: Content) -> None:
    """The report tree's diagram has each node, its choices as edge labels, and outside links."""
    tree = content.trees["report"]
    diagram = mermaid(content, tree)
    assert diagram.startswith("flowchart TD\n")
    for node_id in tree.nodes:
        assert f"report__{node_id}" in diagram
    assert 'report__who -->|"Someone is in danger right now"| report__danger' in diagram
    assert 'report__start -->|"another country"| report__elsewhere' in diagram
    main = mermaid(content, content.trees["main"])
    assert '"report:start"' in main and "language((language))" in main


def test_graph_cli() -> None:
    """`python -m bot content graph signs` prints the diagram; an unknown tree is an error."""
    ok = subprocess.run(
        [sys.executable, "-m", "bot", "content", "graph", "signs"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0 and "signs__q1" in ok.stdout
    missing = subprocess.run(
        [sys.executable, "-m", "bot", "content", "graph", "nope"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert missing.returncode == 1 and "the trees are" in missing.stderr


def test_committed_schemas_are_current() -> None:
    """schema/*.json match the models; regenerate with `python -m bot content schema`."""
    for name, text in schema_texts().items():
        committed = (PROJECT_ROOT / "schema" / name).read_text()
        assert json.loads(committed) == json.loads(text), f"schema/{name} is out of date"
