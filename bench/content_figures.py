"""Print the course's and the report path's content figures: where the right answer sits (in file
order and as many learners see it), how often it is the longest label, and the size of every
channel screen in every language (characters and Telegram messages).

    python bench/content_figures.py [--learners 300] [--dialogues DIR]
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from bot.content.bundle import Content
from bot.content.lint import right_is_longest
from bot.content.loader import load_content
from bot.content.models import QuizQuestionNode
from bot.core.course import option_order
from bot.core.state import Position
from bot.i18n.catalogs import Catalogs
from bot.service.render import Renderer
from bot.settings import PROJECT_ROOT
from bot.testing.screens import every_screen
from bot.transports.telegram.delivery import split_message, utf16_length

PLACES = ["US-AZ", "US", "CA", "MX", "GB"]
"""The places whose channel screens are measured."""
WATCHED = "US-AZ:report:labor_channels:None:None"
"""The screen the issue measured: Arizona, an adult in forced work."""


def questions(content: Content) -> list[tuple[Position, QuizQuestionNode]]:
    """Return every quiz question of the content with its position."""
    return [
        (Position(tree.id, node_id), node)
        for tree in content.trees.values()
        if tree.quiz is not None
        for node_id, node in tree.nodes.items()
        if isinstance(node, QuizQuestionNode)
    ]


def right_index(node: QuizQuestionNode) -> int:
    """Return the file-order index of a question's right option."""
    return next(i for i, option in enumerate(node.options) if option.correct)


def print_options(content: Content, learners: int) -> None:
    """Print the right answer's position per option count, in file order and shuffled."""
    found = questions(content)
    for count in sorted({len(node.options) for _, node in found}):
        same = [(pos, node) for pos, node in found if len(node.options) == count]
        in_file = Counter(right_index(node) for _, node in same)
        seen: Counter[int] = Counter()
        for learner in range(learners):
            for pos, node in same:
                order = option_order(f"learner-{learner}", pos, count)
                seen[order.index(right_index(node))] += 1
        total = sum(seen.values())
        shuffled = " / ".join(f"{100 * seen[i] / total:.1f}%" for i in range(count))
        file_order = " / ".join(str(in_file[i]) for i in range(count))
        print(f"| {count} | {len(same)} | {file_order} | {shuffled} |")
    longest = sum(right_is_longest(node) for _, node in found)
    print(f"\nright answer is the longest label in {longest} of {len(found)} questions")


def print_screens(content: Content, catalogs: Catalogs) -> None:
    """Print, per language, the watched screen's size and the largest channel screen."""
    print("\n| language | Arizona forced work: characters, messages | channel screens | "
          "largest | most messages |")  # fmt: skip
    print("| --- | ---: | ---: | ---: | ---: |")
    for locale in catalogs.codes():
        renderer = Renderer(catalogs.translator(locale), locale)
        sizes: dict[str, tuple[int, int]] = {}
        for label, screen in every_screen(content, PLACES):
            if "_channels" in label or ":danger:" in label:
                text = renderer.screen(screen).text
                sizes[label] = (utf16_length(text), len(split_message(text)))
        chars, messages = sizes[WATCHED]
        largest = max(size for size, _ in sizes.values())
        most = max(count for _, count in sizes.values())
        print(f"| {locale} | {chars:,}, {messages} | {len(sizes)} | {largest:,} | {most} |")


def main() -> None:
    """Load the shipped content and catalogs and print both tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=300, help="learners to shuffle for")
    parser.add_argument("--dialogues", type=Path, default=PROJECT_ROOT / "dialogues")
    args = parser.parse_args()
    loaded = load_content(args.dialogues)
    if loaded.content is None:
        raise SystemExit("content does not load: run `python -m bot content check`")
    print("| options | questions | right answer by position, file order | as learners see it |")
    print("| ---: | ---: | --- | --- |")
    print_options(loaded.content, args.learners)
    print_screens(loaded.content, Catalogs(PROJECT_ROOT / "locales"))


if __name__ == "__main__":
    main()
