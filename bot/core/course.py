"""Courses: progress through quiz modules, the pass rule, the knowledge check in two forms (one
before the modules, one after) so the gain shows, what a result says, and each learner's order
of a question's options."""

from __future__ import annotations

import hashlib

from bot.content.bundle import Content
from bot.content.models import CourseNode, QuizQuestionNode, Tree
from bot.core import texts
from bot.core.effects import Msg, Part, joined
from bot.core.state import ConversationState, Position, QuizResult

QUIZ_TITLE = ("quiz", "title")
"""Where a quiz tree's title sits in its translation context: `<tree>:quiz:title`."""
BEFORE = "before"
AFTER = "after"


def quiz_title(tree: Tree) -> Msg:
    """Return a quiz tree's title as a translatable text."""
    title = tree.quiz.title if tree.quiz else tree.title
    return Msg(f"{tree.id}:{QUIZ_TITLE[0]}:{QUIZ_TITLE[1]}", title)


def questions_of(tree: Tree) -> list[str]:
    """Return the ids of a tree's questions, in file order."""
    return [node_id for node_id, node in tree.nodes.items() if isinstance(node, QuizQuestionNode)]


def option_order(seed: str, pos: Position, count: int) -> tuple[int, ...]:
    """Return the order in which one learner sees a question's `count` options, as original
    indexes: the same for one seed and question every time, a different shuffle per seed
    (sorted by a hash of seed, question and index); file order when there is no seed."""
    if not seed:
        return tuple(range(count))

    def rank(index: int) -> bytes:
        return hashlib.sha256(f"{seed}:{pos.tree}:{pos.node}:{index}".encode()).digest()

    return tuple(sorted(range(count), key=rank))


def run_answers(state: ConversationState, tree: Tree) -> dict[str, bool]:
    """Return the current run's answers in a quiz tree: question id -> answered correctly."""
    questions = set(questions_of(tree))
    return {a.node: a.correct for a in state.answers if a.tree == tree.id and a.node in questions}


def first_answer(state: ConversationState, pos: Position) -> int | None:
    """Return the option first chosen on the question at `pos`, or None if it is unanswered:
    the one just chosen, else the current run's (a refresher question counts only its own)."""
    if state.answered is not None:
        return state.answered
    if state.queue[:1] == (pos,):
        return None
    here = (pos.tree, pos.node)
    return next((a.option for a in state.answers if (a.tree, a.node) == here), None)


def passed(result: QuizResult | None, pass_percent: int) -> bool:
    """Say whether a module's best run reaches the pass mark."""
    return result is not None and result.best * 100 >= pass_percent * result.total


def course_nodes(content: Content) -> list[tuple[Position, CourseNode]]:
    """Return every course in the content with where it is."""
    return [
        (Position(tree.id, node_id), node)
        for tree in content.trees.values()
        for node_id, node in tree.nodes.items()
        if isinstance(node, CourseNode)
    ]


def course_for(content: Content, tree_id: str) -> tuple[Position, CourseNode] | None:
    """Return the course (and where it is) that names a quiz tree as a module or a check form."""
    return next(
        (
            (pos, course)
            for pos, course in course_nodes(content)
            if tree_id in (*course.modules, course.knowledge_check, course.knowledge_check_after)
        ),
        None,
    )


def result_verdict(content: Content, tree_id: str, score: int, total: int) -> Msg | None:
    """Return whether a finished run of a module reached its pass mark (the course's, else the
    quiz's), with the mark; None for a knowledge check, which has no pass mark to reach."""
    found = course_for(content, tree_id)
    quiz = content.trees[tree_id].quiz
    if found is not None and tree_id not in found[1].modules:
        return None
    percent = found[1].pass_percent if found else quiz.pass_percent if quiz else None
    if percent is None:
        return None
    made_it = score * 100 >= percent * total
    return (texts.RESULT_PASSED if made_it else texts.RESULT_NOT_PASSED).fill(percent=percent)


def finishing(
    content: Content, state: ConversationState, tree_id: str
) -> tuple[Position, CourseNode] | None:
    """Return the course (and where it is) whose final check (form B) this tree is, when the
    learner has completed that course: its result is where the course is finished."""
    found = course_for(content, tree_id)
    if found is None or found[1].knowledge_check_after != tree_id:
        return None
    return found if completed(state, found[1]) else None


def courses(content: Content) -> list[CourseNode]:
    """Return every course in the content."""
    return [node for _, node in course_nodes(content)]


def modules_passed(state: ConversationState, course: CourseNode) -> bool:
    """Say whether every module of a course has reached its pass mark."""
    return all(passed(state.result(m), course.pass_percent) for m in course.modules)


def before_result(state: ConversationState, course: CourseNode) -> QuizResult | None:
    """Return the score of the knowledge check taken before the course (form A), if taken."""
    check = course.knowledge_check
    return None if check is None else state.result(check, BEFORE)


def after_result(state: ConversationState, course: CourseNode) -> QuizResult | None:
    """Return the score of the knowledge check taken after the course (form B), if taken; a
    learner who finished before there were two forms keeps form A's "after" score (no run
    records one any more)."""
    forms = (course.knowledge_check_after, course.knowledge_check)
    return next((r for f in forms if f and (r := state.result(f, AFTER))), None)


def completed(state: ConversationState, course: CourseNode) -> bool:
    """Say whether a course is done: every module passed, and the check's second form taken."""
    checked = course.knowledge_check is None or after_result(state, course) is not None
    return modules_passed(state, course) and checked


def due_check(state: ConversationState, course: CourseNode) -> str | None:
    """Return the form of the knowledge check the course offers now: form A until it is taken,
    then form B once every module is passed; None otherwise."""
    if course.knowledge_check is None:
        return None
    if before_result(state, course) is None:
        return course.knowledge_check
    return course.knowledge_check_after if modules_passed(state, course) else None


def check_phase(content: Content, state: ConversationState, tree: str) -> str | None:
    """Return how a finished run of a quiz tree counts: "" for a module; "before" for form A of
    a knowledge check the first time only, "after" for form B once form A is taken and every
    module passed; None for a run that does not count (a form A run can never count after)."""
    for course in courses(content):
        if tree == course.knowledge_check:
            return BEFORE if before_result(state, course) is None else None
        if tree == course.knowledge_check_after:
            ready = before_result(state, course) is not None and modules_passed(state, course)
            return AFTER if ready else None
    return ""


def record_result(content: Content, state: ConversationState, tree_id: str) -> ConversationState:
    """Return the state with the finished run of a quiz tree recorded (if it counts)."""
    tree = content.trees[tree_id]
    phase = check_phase(content, state, tree_id)
    if phase is None:
        return state
    answers = run_answers(state, tree)
    return state.with_result(tree_id, sum(answers.values()), len(questions_of(tree)), phase)


def resume_at(content: Content, state: ConversationState, tree_id: str) -> Position:
    """Return where to open a module: its first unanswered question if a run is under way,
    else its start."""
    tree = content.trees[tree_id]
    answered = run_answers(state, tree)
    pending = [q for q in questions_of(tree) if q not in answered]
    if answered and pending:
        return Position(tree_id, pending[0])
    return Position(tree_id, tree.start)


def module_line(content: Content, state: ConversationState, tree_id: str, percent: int) -> Msg:
    """Return one module's progress line: passed, tried, under way, or not started."""
    tree = content.trees[tree_id]
    title = quiz_title(tree)
    result = state.result(tree_id)
    answered = len(run_answers(state, tree))
    total = len(questions_of(tree))
    if passed(result, percent) and result is not None:
        return texts.MODULE_PASSED.fill(title=title, score=result.best, total=result.total)
    if 0 < answered < total:
        return texts.MODULE_UNDER_WAY.fill(title=title, answered=answered, total=total)
    if result is not None:
        return texts.MODULE_TRIED.fill(title=title, score=result.best, total=result.total)
    return texts.MODULE_NEW.fill(title=title)


def module_label(content: Content, state: ConversationState, tree_id: str, percent: int) -> Msg:
    """Return a module's button: its title, ticked once passed."""
    title = quiz_title(content.trees[tree_id])
    return texts.TICKED.fill(title=title) if passed(state.result(tree_id), percent) else title


def check_line(state: ConversationState, course: CourseNode) -> Msg | None:
    """Return the knowledge check's scores, before and after, when there are any."""
    before = before_result(state, course)
    after = after_result(state, course)
    if before is None:
        return None
    if after is None:
        return texts.CHECK_BEFORE.fill(before=before.score, total=before.total)
    return texts.CHECK_BOTH.fill(before=before.score, after=after.score, total=after.total)


def gain_line(content: Content, state: ConversationState, tree_id: str) -> Msg | None:
    """Return both checks' scores for the result of a course's final check (form B), once a
    run of it has counted; None for any other quiz."""
    found = course_for(content, tree_id)
    if found is None or found[1].knowledge_check_after != tree_id:
        return None
    return check_line(state, found[1]) if after_result(state, found[1]) else None


def check_label(state: ConversationState, course: CourseNode) -> Msg | None:
    """Return the knowledge check's button: first before the modules, then once all pass."""
    due = due_check(state, course)
    if due is None:
        return None
    return texts.CHECK_START if due == course.knowledge_check else texts.CHECK_FINAL


def course_parts(content: Content, state: ConversationState, pos: Position) -> list[Part]:
    """Return a course screen's texts: intro, one line per module, the check, the status."""
    node = content.trees[pos.tree].nodes[pos.node]
    assert isinstance(node, CourseNode)
    lines = [module_line(content, state, m, node.pass_percent) for m in node.modules]
    check = check_line(state, node)
    if completed(state, node):
        status = texts.COURSE_DONE.fill(title=Msg(f"{pos}:title", node.title))
    else:
        status = texts.COURSE_RULE.fill(percent=node.pass_percent)
    streak = [texts.STREAK.fill(count=state.streak.days)] if state.streak.days else []
    return [
        Msg(f"{pos}:text", node.text),
        joined(lines),
        *([check] if check else []),
        status,
        *streak,
    ]
