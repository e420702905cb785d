"""The course: module progress, resume, pass rule, review of misses, and the knowledge check in
two forms, before and after (on the shipped content, driven as a user through the engine)."""

from __future__ import annotations

import json
from dataclasses import replace

from bot.content.bundle import Content
from bot.content.models import CourseNode, QuizQuestionNode
from bot.core.course import AFTER, BEFORE, completed, questions_of
from bot.core.effects import CheckCertificate, IssueCertificate
from bot.core.state import ConversationState, Position
from bot.service.messages import Outbound, Reply
from bot.testing.simulator import CoreChat


def the_course(content: Content) -> CourseNode:
    """Return the shipped course."""
    node = content.trees["learn"].nodes["menu"]
    assert isinstance(node, CourseNode)
    return node


def last_text(out: list[Outbound]) -> str:
    """Return the text of the last reply."""
    return [m for m in out if isinstance(m, Reply)][-1].text


def labels(chat: CoreChat) -> list[str]:
    """Return the labels on the last keyboard."""
    return [b.label for row in chat.keyboard.rows for b in row]


def answer_questions(chat: CoreChat, tree_id: str, right: int, skip: int = 0) -> list[Outbound]:
    """From a question screen, answer the tree's questions (after `skip` already answered):
    the first `right` of them correctly, the rest wrongly. Return the last screen."""
    tree = chat.content.trees[tree_id]
    out: list[Outbound] = []
    for number, question in enumerate(questions_of(tree)[skip:], skip):
        node = tree.nodes[question]
        assert isinstance(node, QuizQuestionNode)
        pick = next(o for o in node.options if o.correct == (number < right))
        out = chat.click(pick.label)  # its feedback, then the next question or the result
    return out


def run_module(chat: CoreChat, tree_id: str, right: int) -> list[Outbound]:
    """Open a quiz tree from its start, and answer all of it."""
    tree = chat.content.trees[tree_id]
    chat.state  # noqa: B018 (reads the saved state as storage would)
    chat.event(__import__("bot.core.events", fromlist=["Start"]).Start(tree_id))
    chat.click(labels(chat)[0])  # the intro's Start button
    return answer_questions(chat, tree.id, right)


def test_a_new_learner_sees_every_module_and_the_check_first(shipped_content: Content) -> None:
    """The course opens with the knowledge check on top, then one button per module."""
    chat = CoreChat(shipped_content)
    out = chat.send("/start learn")
    course = the_course(shipped_content)
    assert labels(chat)[0] == "Start with the knowledge check"
    assert len(labels(chat)) == 1 + len(course.modules) + 1 + 2  # Reminders, Back and Home
    assert labels(chat)[-3] == "Reminders"
    assert "reach 80 percent or more in every module" in last_text(out)


def test_the_course_runs_before_modules_after_and_shows_the_gain(shipped_content: Content) -> None:
    """Check before (2 right) → every module passed → final check (6 right) → course done."""
    chat = CoreChat(shipped_content)
    course = the_course(shipped_content)
    run_module(chat, "check", right=2)
    assert chat.state.result("check", BEFORE) is not None
    out = chat.send("/start learn")
    assert "Knowledge check before the course: 2 of 6." in last_text(out)
    assert "Take the final knowledge check" not in labels(chat)
    for module in course.modules:
        total = len(questions_of(shipped_content.trees[module]))
        run_module(chat, module, right=total)
    out = chat.send("/start learn")
    assert all(label.startswith("✓ ") for label in labels(chat)[: len(course.modules)])
    assert "Take the final knowledge check" in labels(chat)
    chat.click("Take the final knowledge check")
    assert chat.state.at == Position("check_after", "intro")
    chat.click(labels(chat)[0])
    answer_questions(chat, "check_after", right=6)
    out = chat.send("/start learn")
    text = last_text(out)
    assert "Knowledge check: 2 of 6 before the course, 6 of 6 after." in text
    assert "You finished the course “Recognize and report human trafficking”" in text
    assert completed(chat.state, course)


def test_a_module_below_the_pass_mark_is_tried_not_passed(shipped_content: Content) -> None:
    """A score under 80% shows as tried; the best run counts; the check is not offered yet."""
    chat = CoreChat(shipped_content)
    out = run_module(chat, "signs", right=3)
    assert "You got 3 of 8 right." in last_text(out)
    out = chat.send("/start learn")
    assert "• Recognize the signs: 3 of 8, not passed yet" in last_text(out)
    run_module(chat, "signs", right=7)
    run_module(chat, "signs", right=1)
    result = chat.state.result("signs")
    assert result is not None and (result.score, result.best) == (1, 7)
    out = chat.send("/start learn")
    assert "✓ Recognize the signs: 7 of 8" in last_text(out)


def test_the_end_of_a_module_lists_each_missed_question_with_its_answer(
    shipped_content: Content,
) -> None:
    """Below the pass mark: "not passed" with the mark, and each missed question on one line
    with its question and right answer; the ones answered right are not listed."""
    chat = CoreChat(shipped_content)
    text = last_text(run_module(chat, "signs", right=6))
    tree = shipped_content.trees["signs"]
    assert text.startswith("Not passed yet. The pass mark is 80 percent;")
    assert "You missed 2 questions. Go back over them:" in text
    for number, question in enumerate(questions_of(tree), 1):
        node = tree.nodes[question]
        assert isinstance(node, QuizQuestionNode)
        right = next(o.label for o in node.options if o.correct)
        line = f"{number}. {node.text} Answer: {right}"
        assert (line in text.split("\n")) == (number in (7, 8)), line


def test_a_module_passed_in_full_says_so_and_lists_nothing(shipped_content: Content) -> None:
    """Full marks: passed with the mark, the score, no "go back over" and no missed list."""
    chat = CoreChat(shipped_content)
    text = last_text(run_module(chat, "signs", right=8))
    assert text.startswith("✓ Passed. The pass mark is 80 percent.\n\nYou got 8 of 8 right.")
    assert "missed" not in text and "Go back over" not in text
    assert "Answer:" not in text


def test_a_module_passed_with_a_miss_lists_it(shipped_content: Content) -> None:
    """7 of 8 passes (80 percent) and still lists the one missed question."""
    chat = CoreChat(shipped_content)
    text = last_text(run_module(chat, "signs", right=7))
    assert text.startswith("✓ Passed.")
    assert "You missed 1 question. Go back over it:\n8. " in text


def test_the_final_check_finishes_the_course_with_an_achievement(
    shipped_content: Content,
) -> None:
    """The result of the final check that completes the course: the achievement first, both
    scores, and a certificate button that asks for the name and issues the course's
    certificate."""
    chat = at_final_check(shipped_content)
    text = last_text(answer_questions(chat, "check_after", right=5))
    assert text.startswith("🏆 Course complete: “Recognize and report human trafficking”.")
    assert "Knowledge check: 2 of 6 before the course, 5 of 6 after." in text
    assert "Passed" not in text and "You missed 1 question." in text
    assert labels(chat)[0] == "Get your certificate"
    chat.click("Get your certificate")
    chat.click("Without a name")
    [certificate] = issued(chat)
    assert certificate.course == "learn:menu"
    assert chat.state.at == Position("learn", "menu")


def test_the_first_check_has_no_pass_mark_and_no_achievement(shipped_content: Content) -> None:
    """Form A's result shows the score and the misses, never passed or not, nor a certificate."""
    chat = CoreChat(shipped_content)
    text = last_text(run_module(chat, "check", right=6))
    assert text.startswith("You got 6 of 6 right.")
    assert "Get your certificate" not in labels(chat)


def test_a_module_resumes_at_the_first_unanswered_question(shipped_content: Content) -> None:
    """Three answers in, leave for home; the course shows progress; tapping resumes at 4."""
    chat = CoreChat(shipped_content)
    chat.send("/start signs")
    chat.click(labels(chat)[0])
    tree = shipped_content.trees["signs"]
    for question in questions_of(tree)[:3]:
        node = tree.nodes[question]
        assert isinstance(node, QuizQuestionNode)
        chat.click(node.options[0].label)
    chat.send("/menu")
    out = chat.send("/start learn")
    assert "• Recognize the signs: 3 of 8 answered so far" in last_text(out)
    out = chat.click("Recognize the signs")
    assert chat.state.at == Position("signs", questions_of(tree)[3])
    assert "Question 4 of 8" in last_text(out)


def test_retaking_the_check_before_passing_is_practice(shipped_content: Content) -> None:
    """The 'before' score stays the first one; no 'after' until every module passes."""
    chat = CoreChat(shipped_content)
    run_module(chat, "check", right=1)
    run_module(chat, "check", right=6)
    before = chat.state.result("check", BEFORE)
    assert before is not None and before.score == 1
    assert chat.state.result("check", AFTER) is None


def test_form_a_never_counts_as_the_final_check(shipped_content: Content) -> None:
    """A learner who passed every module before taking the first check: its result is the
    'before' score; going Back to that result, or taking form A again, records no 'after' and
    does not finish the course; the final check offered is form B."""
    chat = CoreChat(shipped_content)
    course = the_course(shipped_content)
    for module in course.modules:
        run_module(chat, module, right=len(questions_of(shipped_content.trees[module])))
    run_module(chat, "check", right=3)
    chat.click("Back")  # the last question, shown as answered
    chat.click("Next")  # and its result again
    assert chat.state.at == Position("check", "result")
    run_module(chat, "check", right=6)
    assert chat.state.result("check", AFTER) is None
    assert chat.state.result("check_after", AFTER) is None
    before = chat.state.result("check", BEFORE)
    assert before is not None and before.score == 3
    assert not completed(chat.state, course)
    chat.send("/learn")
    chat.click("Take the final knowledge check")
    assert chat.state.at == Position("check_after", "intro")


def test_form_b_before_the_modules_are_passed_does_not_count(shipped_content: Content) -> None:
    """Form B opened early (by a link) is practice: no 'after' score, no course finished."""
    chat = CoreChat(shipped_content)
    run_module(chat, "check", right=2)
    run_module(chat, "check_after", right=6)
    assert chat.state.result("check_after", AFTER) is None
    assert chat.state.result("check_after") is None


def test_the_two_forms_ask_different_questions_on_as_many_objectives(
    shipped_content: Content,
) -> None:
    """Form A and form B have the same number of questions, and share no question text and no
    right answer, so the final score is not a memory of the first."""
    course = the_course(shipped_content)
    assert (course.knowledge_check, course.knowledge_check_after) == ("check", "check_after")
    forms = [shipped_content.trees[t] for t in ("check", "check_after")]
    asked = [[f.nodes[q] for q in questions_of(f)] for f in forms]
    assert len(asked[0]) == len(asked[1]) == 6
    texts = [{getattr(n, "text", "") for n in form} for form in asked]
    assert texts[0].isdisjoint(texts[1])
    rights = [
        {o.label for n in form if isinstance(n, QuizQuestionNode) for o in n.options if o.correct}
        for form in asked
    ]
    assert rights[0] - {"Call 911"} and (rights[0] & rights[1]) <= {"Call 911"}


def test_a_course_finished_before_the_two_forms_stays_finished(shipped_content: Content) -> None:
    """A learner whose final check was form A taken again (before form B existed) keeps the
    course finished and both scores."""
    course = the_course(shipped_content)
    state = ConversationState().with_result("check", 2, 6, BEFORE).with_result("check", 6, 6, AFTER)
    for module in course.modules:
        total = len(questions_of(shipped_content.trees[module]))
        state = state.with_result(module, total, total)
    assert completed(state, course)
    assert not completed(replace(state, results=state.results[:1] + state.results[2:]), course)


def test_results_survive_storage() -> None:
    """Results round-trip through the JSON the database keeps."""
    state = ConversationState().with_result("signs", 5, 8).with_result("check", 2, 6, BEFORE)
    again = ConversationState.from_dict(json.loads(json.dumps(state.to_dict())))
    assert again.results == state.results


def at_final_check(content: Content) -> CoreChat:
    """Return a learner who took the first check and passed every module, started on the
    final check's first question."""
    chat = CoreChat(content)
    run_module(chat, "check", right=2)
    for module in the_course(content).modules:
        run_module(chat, module, right=len(questions_of(content.trees[module])))
    chat.send("/learn")
    chat.click("Take the final knowledge check")
    chat.click(labels(chat)[0])
    return chat


def finished(content: Content) -> CoreChat:
    """Return a learner who has completed the course (check, modules, check again)."""
    chat = at_final_check(content)
    answer_questions(chat, "check_after", right=6)
    chat.send("/learn")
    return chat


def issued(chat: CoreChat) -> list[IssueCertificate]:
    """Return the certificate effects of the last step."""
    return [e for e in chat.effects if isinstance(e, IssueCertificate)]


def test_a_finished_course_offers_a_certificate_with_the_name_typed(
    shipped_content: Content,
) -> None:
    """The name typed is cleaned and issued; a too-long one is refused and asked again."""
    chat = finished(shipped_content)
    assert labels(chat)[0] == "Get your certificate"
    out = chat.click("Get your certificate")
    assert "What name should your certificate show?" in last_text(out)
    out = chat.send("x" * 61)
    shown = " ".join(m.text for m in out if isinstance(m, Reply))
    assert "60 characters or fewer" in shown and issued(chat) == []
    chat.send("  Ana \t Martínez\u200b ")
    [effect] = issued(chat)
    assert (effect.course, effect.name) == ("learn:menu", "Ana Martínez")
    assert chat.state.at == Position("learn", "menu")


def test_a_certificate_can_carry_no_name(shipped_content: Content) -> None:
    """'Without a name' issues one with an empty name."""
    chat = finished(shipped_content)
    chat.click("Get your certificate")
    chat.click("Without a name")
    [effect] = issued(chat)
    assert effect.name == ""


def test_typed_text_elsewhere_is_never_a_name(shipped_content: Content) -> None:
    """Outside the name question, text issues nothing; an unfinished course offers nothing."""
    chat = CoreChat(shipped_content)
    chat.send("/learn")
    assert "Get your certificate" not in labels(chat)
    chat.send("Ana Martínez")
    assert issued(chat) == []


def test_verify_by_command_or_deep_link_asks_for_a_check(shipped_content: Content) -> None:
    """/verify CODE and /start verify-CODE both become a certificate check."""
    chat = CoreChat(shipped_content)
    chat.send("/verify BCN-1234")
    assert chat.effects == [CheckCertificate("BCN-1234")]
    chat.send("/start verify-BCN-5678")
    assert chat.effects == [CheckCertificate("BCN-5678")]
