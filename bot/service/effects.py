"""One table from each effect the engine emits to the one handler that gives it its meaning:
what it stores, what it sends. A new effect is a class in `bot.core.effects` and a row here."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, get_args

from bot.core import texts
from bot.core.campaign_counts import START
from bot.core.effects import (
    AdminReport,
    AnswerTap,
    CheckCertificate,
    ClearChat,
    CountCampaign,
    CountResourceViews,
    CourseCompleted,
    Effect,
    ForgetUser,
    IssueCertificate,
    JoinOrg,
    LeaveOrg,
    Notice,
    SaveAnswer,
    SetEmployeeId,
    SetLocale,
    SetReminder,
    Show,
)
from bot.core.engine import Step
from bot.core.state import ConversationState
from bot.logs import event
from bot.service.messages import EraseChat, Reply, TapAnswer
from bot.service.outbox import Item, MakeAdminReport, MakeCertificate, VerifyCode
from bot.service.ports import (
    CampaignCountRow,
    Loaded,
    OrgWrites,
    QuizAnswerRow,
    ReminderRow,
    Writes,
)
from bot.service.render import Renderer

log = logging.getLogger("beacon.service")

Drawn = Reply | TapAnswer | EraseChat
Draw = Callable[[Renderer], Drawn]
"""A message to send, drawn once the language of the step is known."""


@dataclass(slots=True)
class Turn:
    """What one step's effects add up to, built handler by handler: the rows to store and what
    to send. The service fills in how to seal a chat and mark a start; the simulator need not."""

    seal: Callable[[], str] | None = None
    """Returns the user's chat, encrypted, for a reminder (None where nothing is stored)."""
    language: str | None = None
    """The platform's language code, kept with a reminder."""
    private: bool = True
    """Whether the conversation is the user's own (admin figures are shown only there)."""
    mark_start: Callable[[str], str] | None = None
    """Returns the keyed marker that lets a person's start of a campaign count once a day."""
    answers: list[QuizAnswerRow] = field(default_factory=list)
    views: list[str] = field(default_factory=list)
    locale: str | None = None
    reminder: ReminderRow | None = None
    drop_reminder: bool = False
    forget: bool = False
    counts: list[CampaignCountRow] = field(default_factory=list)
    joins: list[JoinOrg] = field(default_factory=list)
    employee_ids: list[SetEmployeeId] = field(default_factory=list)
    completed: list[str] = field(default_factory=list)
    leaves: list[int] = field(default_factory=list)
    made: list[Item] = field(default_factory=list)
    """Certificates to make and codes to check, sent first."""
    drawn: list[Draw] = field(default_factory=list)
    """Screens, notices, tap answers and the chat's erasure, in the engine's order."""
    admin: list[Draw | Item] = field(default_factory=list)
    """Admin figures (or the refusal in a group), sent last."""

    def orgs(self) -> OrgWrites | None:
        """Return the membership changes, or None when there are none."""
        if not (self.joins or self.employee_ids or self.completed or self.leaves):
            return None
        return OrgWrites(
            tuple(self.joins), tuple(self.employee_ids), tuple(self.completed), tuple(self.leaves)
        )

    def writes(self, step: Step, before: ConversationState, loaded: Loaded) -> Writes:
        """Return what the step changes in storage (only the deletion when it forgets)."""
        if self.forget:
            return Writes(forget=True)
        changed = step.state != before or loaded.revision is None
        return Writes(
            state=step.state.to_dict() if changed else None,
            revision=step.state.revision,
            answers=tuple(self.answers),
            views=tuple(self.views),
            locale=self.locale,
            reminder=self.reminder,
            drop_reminder=self.drop_reminder,
            campaign_counts=tuple(self.counts),
            orgs=self.orgs(),
        )

    def rendered(self, renderer: Renderer) -> list[Drawn]:
        """Return the messages the step shows, in order, in the renderer's language."""
        return [draw(renderer) for draw in self.drawn]

    def items(self, renderer: Renderer) -> list[Item]:
        """Return what the step sends: certificates to make, its messages, then admin figures."""
        admin = [item(renderer) if callable(item) else item for item in self.admin]
        return [*self.made, *self.rendered(renderer), *admin]


def show(effect: Show, turn: Turn) -> None:
    """Send the screen."""
    turn.drawn.append(lambda r: r.screen(effect.screen))


def notice(effect: Notice, turn: Turn) -> None:
    """Send the short message."""
    turn.drawn.append(lambda r: Reply(r.say(effect.message)))


def answer_tap(effect: AnswerTap, turn: Turn) -> None:
    """Answer the button press, with its note if any."""
    message = effect.message
    turn.drawn.append(lambda r: TapAnswer(r.say(message) if message else None))


def clear_chat(effect: ClearChat, turn: Turn) -> None:
    """Erase the chat where the platform allows it."""
    turn.drawn.append(lambda r: EraseChat())


def save_answer(effect: SaveAnswer, turn: Turn) -> None:
    """Store the quiz answer."""
    turn.answers.append(QuizAnswerRow(effect.tree, effect.node, effect.option, effect.correct))


def count_resource_views(effect: CountResourceViews, turn: Turn) -> None:
    """Add one anonymous view to each resource shown."""
    turn.views.extend(effect.resource_ids)


def set_locale(effect: SetLocale, turn: Turn) -> None:
    """Store the language chosen; this step is already shown in it."""
    turn.locale = effect.code


def forget_user(effect: ForgetUser, turn: Turn) -> None:
    """Delete every row about the user; nothing else of the step is stored."""
    turn.forget = True


def set_reminder(effect: SetReminder, turn: Turn) -> None:
    """Keep the reminder with the sealed chat and the platform's language, or drop it."""
    if effect.plan is None or effect.next_at is None:
        turn.drop_reminder = True
    elif turn.seal is not None:
        plan = effect.plan.to_list()
        turn.reminder = ReminderRow(turn.seal(), plan, effect.next_at, turn.language)


def issue_certificate(effect: IssueCertificate, turn: Turn) -> None:
    """Make the certificate when the step is delivered."""
    turn.made.append(MakeCertificate(effect.course, effect.name))


def check_certificate(effect: CheckCertificate, turn: Turn) -> None:
    """Check the code when the step is delivered."""
    turn.made.append(VerifyCode(effect.code))


def join_org(effect: JoinOrg, turn: Turn) -> None:
    """Store the membership."""
    turn.joins.append(effect)


def set_employee_id(effect: SetEmployeeId, turn: Turn) -> None:
    """Store the employee id with the membership."""
    turn.employee_ids.append(effect)


def leave_org(effect: LeaveOrg, turn: Turn) -> None:
    """End the membership."""
    turn.leaves.append(effect.org_id)


def course_completed(effect: CourseCompleted, turn: Turn) -> None:
    """Record the completion on the memberships counting the course."""
    turn.completed.append(effect.course)


def admin_report(effect: AdminReport, turn: Turn) -> None:
    """Send the admin figures when the step is delivered; in a group, a kind refusal."""
    if turn.private:
        turn.admin.append(MakeAdminReport())
        return
    event(log, "admin_refused_in_group")
    turn.admin.append(lambda r: Reply(r.say(texts.ADMIN_PRIVATE_ONLY)))


def count_campaign(effect: CountCampaign, turn: Turn) -> None:
    """Add to the campaign's count for today; a start counts once a day per person."""
    row = CampaignCountRow(effect.campaign, effect.metric, effect.amount)
    if effect.metric == START and turn.mark_start is not None:
        row = replace(row, once=turn.mark_start(effect.campaign))
    turn.counts.append(row)


Handler = Callable[[Any, Turn], None]
"""Interprets one effect of its type into the step's turn."""

HANDLERS: Mapping[type, Handler] = {
    Show: show,
    Notice: notice,
    AnswerTap: answer_tap,
    ClearChat: clear_chat,
    SaveAnswer: save_answer,
    CountResourceViews: count_resource_views,
    SetLocale: set_locale,
    ForgetUser: forget_user,
    SetReminder: set_reminder,
    IssueCertificate: issue_certificate,
    CheckCertificate: check_certificate,
    JoinOrg: join_org,
    SetEmployeeId: set_employee_id,
    LeaveOrg: leave_org,
    CourseCompleted: course_completed,
    AdminReport: admin_report,
    CountCampaign: count_campaign,
}
"""Every effect type and the one function that gives it its meaning."""


def unhandled(union: object, handlers: Mapping[type, Handler] = HANDLERS) -> list[type]:
    """Return the effect types of a union that have no handler."""
    return [kind for kind in get_args(union) if kind not in handlers]


def play(effects: Iterable[Effect], turn: Turn) -> Turn:
    """Run each effect's handler, in order, into `turn`; return it."""
    for effect in effects:
        HANDLERS[type(effect)](effect, turn)
    return turn
