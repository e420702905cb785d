"""Interface texts of the engine, marked for gettext extraction with context "ui"."""

from __future__ import annotations

from bot.core.effects import Msg, ResourceCard


def pgettext(context: str, text: str) -> Msg:
    """Mark a text for translation (Babel extracts calls of this name) and return it as a Msg."""
    return Msg(context, text)


def npgettext(context: str, singular: str, plural: str) -> Msg:
    """Mark a text with a plural form; its `count` parameter picks the form when rendered."""
    return Msg(context, singular, plural=plural)


BACK = pgettext("ui", "Back")
HOME = pgettext("ui", "Home")
NEXT = pgettext("ui", "Next")
EXIT = pgettext("exit", "Exit")
RIGHT = pgettext("ui", "Right.")
NOT_QUITE = pgettext("ui", "Not quite.")
CORRECT_ANSWER = pgettext("ui", "The answer: {answer}")
SOURCE = pgettext("ui", "Source: {name} ({url})")
QUESTION_COUNT = pgettext("ui", "Question {number} of {total}")
MISSED = npgettext(
    "ui",
    "You missed {count} question. Go back over it:",
    "You missed {count} questions. Go back over them:",
)
# One missed question on a quiz's result, on one line: its number, the question as asked, then
# its right answer. Keep "{number}." first and all three placeholders.
MISSED_ITEM = pgettext("ui", "{number}. {question} Answer: {answer}")
# On a module's result, before the score: the module reached the pass mark ({percent} is a
# number, e.g. 80).
RESULT_PASSED = pgettext("ui", "✓ Passed. The pass mark is {percent} percent.")
# On a module's result, before the score: the module is below the pass mark.
RESULT_NOT_PASSED = pgettext(
    "ui",
    "Not passed yet. The pass mark is {percent} percent; try the module again when you're ready.",
)
# On the final knowledge check's result, when it completes the course: an achievement.
COURSE_ACHIEVED = pgettext(
    "ui",
    "🏆 Course complete: “{title}”. You passed every module and took the final check. "
    "Your certificate is ready.",
)
MODULE_PASSED = pgettext("ui", "✓ {title}: {score} of {total}")
MODULE_TRIED = pgettext("ui", "• {title}: {score} of {total}, not passed yet")
MODULE_UNDER_WAY = pgettext("ui", "• {title}: {answered} of {total} answered so far")
MODULE_NEW = pgettext("ui", "• {title}")
TICKED = pgettext("ui", "✓ {title}")
CHECK_START = pgettext("ui", "Start with the knowledge check")
CHECK_FINAL = pgettext("ui", "Take the final knowledge check")
CHECK_BEFORE = pgettext("ui", "Knowledge check before the course: {before} of {total}.")
CHECK_BOTH = pgettext(
    "ui", "Knowledge check: {before} of {total} before the course, {after} of {total} after."
)
COURSE_RULE = pgettext(
    "ui",
    "To finish the course, reach {percent} percent or more in every module, "
    "then take the knowledge check again.",
)
COURSE_DONE = pgettext("ui", "You finished the course “{title}”. Well done.")
REFRESH_OPEN = pgettext("ui", "Refresh what you missed")
REMINDERS_OPEN = pgettext("ui", "Reminders")
REMINDERS_OFF = pgettext(
    "ui",
    "Reminders are off. Pick the days and the hour, then turn them on. "
    "Beacon never sends one between 9 pm and 8 am.",
)
REMINDERS_ON = pgettext("ui", "Reminders are on.")
# On the reminders screen where Beacon can never write first (the local chat, the web page):
# reminders are a Telegram feature, nothing is offered here.
REMINDERS_ELSEWHERE = pgettext(
    "ui",
    "Reminders work when you use Beacon on Telegram. Beacon can't send them here, so there "
    "is nothing to turn on.",
)
REMINDERS_PLAN = pgettext("ui", "{days} at {time} ({zone})")
REMINDERS_NO_DAYS = pgettext("ui", "Pick at least one day.")
REMINDERS_PRIVACY = pgettext(
    "privacy",
    "To send you reminders, Beacon keeps your chat number, encrypted, only while reminders are "
    "on. Turning them off deletes it.",
)
REMINDERS_TURN_ON = pgettext("ui", "Turn reminders on")
REMINDERS_TURN_OFF = pgettext("privacy", "Turn reminders off")
EARLIER = pgettext("ui", "◀ Earlier")
LATER = pgettext("ui", "Later ▶")
OTHER_ZONE = pgettext("ui", "Time zone: {zone}")
REMINDER = pgettext(
    "ui",
    "A few minutes of training? Send /learn to pick up where you left off or to refresh what "
    "you missed. To stop these reminders, send /reminders.",
)
STREAK = npgettext(
    "ui", "You have learned {count} day in a row.", "You have learned {count} days in a row."
)
GROUP_QUIZ_START = pgettext(
    "ui",
    "Quiz: {title}. {count} questions, {seconds} seconds each. Answer in the polls below; "
    "each poll shows why once it closes.",
)
GROUP_QUIZ_ADMINS_ONLY = pgettext("ui", "Only a group admin can start or stop a quiz.")
GROUP_QUIZ_RUNNING = pgettext(
    "ui", "A quiz is already running here. An admin can stop it with /stopquiz."
)
GROUP_QUIZ_NONE = pgettext("ui", "No quiz is running here.")
GROUP_QUIZ_WHICH = pgettext("ui", "Start a quiz with /quiz and one of these modules: {modules}")
LEADERBOARD = pgettext("ui", "Results: {title} ({total} questions)")
LEADERBOARD_LINE = pgettext("ui", "{place}. {name}: {score}")
LEADERBOARD_EMPTY = pgettext("ui", "Quiz over: {title}. Nobody answered this time.")
CERTIFICATE_GET = pgettext("ui", "Get your certificate")
CERTIFICATE_ASK = pgettext(
    "privacy",
    "What name should your certificate show? Type it (up to 60 characters), or tap the button "
    "for a certificate without a name. Beacon keeps the name only with the certificate; "
    "/forget removes it.",
)
CERTIFICATE_NO_NAME = pgettext("ui", "Without a name")
CERTIFICATE_NAME_TOO_LONG = pgettext("ui", "Please keep the name to 60 characters or fewer.")
CERTIFICATE_READY = pgettext(
    "ui", "Here is your certificate for “{title}”. Its verification code is {code}."
)
CERTIFICATE_HEADING = pgettext("certificate", "Certificate of completion")
CERTIFICATE_AWARDED = pgettext("certificate", "This certifies that")
CERTIFICATE_COMPLETED = pgettext("certificate", "has completed the course")
CERTIFICATE_CODE = pgettext("certificate", "Verification code")
CERTIFICATE_HINT = pgettext(
    "certificate", "To check it, send /verify {code} to Beacon on Telegram, or scan the QR code."
)
# The same hint when Beacon has a public web address: {address} is its verification page
# (e.g. https://beacon.example.org/verify), where the code printed above is typed in.
CERTIFICATE_HINT_WEB = pgettext(
    "certificate", "To check it, scan the QR code or open {address} and enter the code."
)
# The same, when Beacon is on Telegram too.
CERTIFICATE_HINT_WEB_TELEGRAM = pgettext(
    "certificate",
    "To check it, scan the QR code, open {address} and enter the code, or send /verify {code} "
    "to Beacon on Telegram.",
)
VERIFY_VALID = pgettext("ui", "Valid: this certificate for “{title}” was issued on {date}.")
VERIFY_VALID_NAMED = pgettext(
    "ui", "Valid: this certificate for “{title}” was issued to {name} on {date}."
)
VERIFY_INVALID = pgettext(
    "ui", "Beacon did not issue a certificate with that code. Check the code and try again."
)
VERIFY_HOW = pgettext("ui", "Send /verify and the code, for example /verify BCN-1234-ABCD-5678.")
WEEKDAYS = (
    pgettext("weekday", "Mon"),
    pgettext("weekday", "Tue"),
    pgettext("weekday", "Wed"),
    pgettext("weekday", "Thu"),
    pgettext("weekday", "Fri"),
    pgettext("weekday", "Sat"),
    pgettext("weekday", "Sun"),
)
ZONE_NAMES = {
    "America/Phoenix": pgettext("zone", "Arizona"),
    "America/Los_Angeles": pgettext("zone", "Pacific time"),
    "America/Denver": pgettext("zone", "Mountain time"),
    "America/Chicago": pgettext("zone", "Central time"),
    "America/New_York": pgettext("zone", "Eastern time"),
    "America/Anchorage": pgettext("zone", "Alaska"),
    "Pacific/Honolulu": pgettext("zone", "Hawaii"),
    "Europe/London": pgettext("zone", "United Kingdom"),
    # Mexico's time zones: a region's name, then a city in it, in brackets.
    "America/Mexico_City": pgettext("zone", "Central Mexico (Mexico City)"),
    "America/Cancun": pgettext("zone", "Quintana Roo (Cancún)"),
    "America/Mazatlan": pgettext("zone", "Pacific Mexico (Mazatlán)"),
    "America/Tijuana": pgettext("zone", "Baja California (Tijuana)"),
    # Canada's time zones: the zone's name, then a city in it, in brackets.
    "America/St_Johns": pgettext("zone", "Newfoundland time (St. John's)"),
    "America/Halifax": pgettext("zone", "Atlantic time (Halifax)"),
    "America/Toronto": pgettext("zone", "Eastern time (Toronto)"),
    "America/Winnipeg": pgettext("zone", "Central time (Winnipeg)"),
    "America/Regina": pgettext("zone", "Saskatchewan (Regina)"),
    "America/Edmonton": pgettext("zone", "Mountain time (Edmonton)"),
    "America/Vancouver": pgettext("zone", "Pacific time (Vancouver)"),
    "UTC": pgettext("zone", "UTC"),
}
REFRESH_START = pgettext("ui", "Start the refresher")
REFRESHER = pgettext("ui", "Refresher")
REFRESH_DUE = npgettext(
    "ui",
    "{count} question you missed is due for a refresher.",
    "{count} questions you missed are due for a refresher.",
)
REFRESH_NEXT = pgettext("ui", "Nothing is due right now. The next refresher is due on {date}.")
REFRESH_NONE = pgettext(
    "ui",
    "Nothing to refresh yet. A question you miss in a module comes back here "
    "a day or more later, when it is due.",
)
LANGUAGE_PROMPT = pgettext("ui", "Choose your language.")
LANGUAGE_UNREVIEWED = pgettext("ui", "{name} (not yet reviewed)")
STALE = pgettext("ui", "That button is from an earlier screen, so nothing changed.")
OVERTAKEN = pgettext("ui", "That message arrived after a newer one, so nothing changed.")
"""Said, with the current screen, to a message that reached Beacon after a newer one."""
TRY_AGAIN = pgettext("ui", "Something went wrong on our side. Please try again in a moment.")
"""A tap's answer when Beacon could not save what it did (the database is busy or down)."""
UNREADABLE = pgettext("ui", "That button could not be read, so nothing changed.")
USE_BUTTONS = pgettext("ui", "Beacon works with the buttons below and does not keep what you type.")
CASE_DETAILS = pgettext(
    "safety",
    "Beacon is not a hotline and cannot receive a report, so it did not keep what you typed. "
    "Please send details like these to one of the channels Beacon shows you.",
)
UNKNOWN_COMMAND = pgettext(
    "ui", "Beacon does not know that command. Send /help to see the commands."
)
GROUP_ONLY_HERE = pgettext(
    "ui",
    "Group quizzes run in a group chat: add Beacon to a group, and a group admin sends "
    "/quiz there (and /stopquiz to end it early).",
)
UNSUPPORTED = pgettext(
    "ui", "Beacon cannot open photos, stickers, voice notes or files. Please use the buttons."
)
EMERGENCY_FIRST = pgettext("safety", "If anyone is in immediate danger, call {number} now.")
EMERGENCY_UNKNOWN = pgettext(
    "safety", "If anyone is in immediate danger, call your local emergency number now."
)
EMERGENCY_BY_COUNTRY = pgettext(
    "safety", "If anyone is in immediate danger, call the emergency number now: {numbers}."
)
EMERGENCY_NUMBER_IN = Msg("", "{number} ({countries})", translate=False)
"""One emergency number and the countries it serves, as listed before a place is chosen."""
PLACE_IN_COUNTRY = pgettext("safety", "{region}, {country}")
PLACE_SAME = pgettext("safety", "As before: {place}")
PLACE_OTHER_COUNTRY = pgettext("safety", "Another country")
REGION_PROMPT = pgettext("safety", "Which state or region?")
REGION_ELSEWHERE = pgettext("safety", "Another state or region")
SHOWING_FOR = pgettext("safety", "Showing channels for {place}.")
PLACE_SET = pgettext(
    "safety",
    "Beacon will show channels for {place}. It kept only that, not your location.",
)
PLACE_UNKNOWN = pgettext(
    "safety",
    "Beacon has no checked channels for that location yet, and did not keep it. "
    "If anyone is in immediate danger, call your local emergency number.",
)
SUMMARY = pgettext("safety", "Beacon summary for {place}. {emergency} {channels}")
SUMMARY_CHANNEL = Msg("", "{name}: {value}", translate=False)
NO_RESOURCES = pgettext(
    "safety",
    "Beacon has no checked channel for this place yet. "
    "If anyone is in immediate danger, call your local emergency number.",
)
FORGET_CONFIRM = pgettext("privacy", "Delete everything Beacon keeps about you? This deletes:")
FORGET_ITEMS = pgettext(
    "privacy",
    "• your language, the area you chose and where you are in a conversation\n"
    "• your quiz answers, scores and what is due for a refresher\n"
    "• your reminders, with your encrypted chat number\n"
    "• the name on any certificate you asked for\n"
    "• the numbers of this chat's messages kept for /exit\n"
    "• the right to see an organization's figures, if you manage its training",
)
FORGET_MEMBERSHIP = pgettext(
    "privacy",
    "• your membership of {org}: your department, when you joined and the record of whether "
    "you completed the course",
)
FORGET_MEMBERSHIP_WITH_ID = pgettext(
    "privacy",
    "• your membership of {org}: your department, your employee id, when you joined and the "
    "record of whether you completed the course",
)
FORGET_EMPLOYER = pgettext(
    "privacy",
    "{org} will no longer see whether you completed the training, and will no longer count "
    "you as enrolled. To remove only that and keep your own progress, send /leave instead.",
)
FORGET_CERTIFICATE = pgettext(
    "privacy",
    "A certificate you already have still verifies with its code, but no longer shows your name.",
)
FORGET_FINAL = pgettext("privacy", "This cannot be undone. Anonymous counts that name no one stay.")
FORGET_YES = pgettext("privacy", "Yes, delete everything")
# Button: do not delete anything, go back to the screen before.
FORGET_CANCEL = pgettext("privacy", "Cancel")
FORGET_DONE = pgettext(
    "privacy", "Done. Beacon deleted everything it kept about you. Send /start to begin again."
)
LAW_ENFORCEMENT = pgettext("resource", "Law enforcement.")
NOT_LAW_ENFORCEMENT = pgettext("resource", "Not law enforcement.")
HOURS = pgettext("resource", "Hours: {hours}")
LANGUAGES = pgettext("resource", "Languages: {languages}")
RUN_BY = pgettext("resource", "Who runs it: {operator}")
# Heading above the other channels of a screen, each shown on one line.
OTHER_CHANNELS = pgettext("resource", "Other channels:")
# One line per channel: its name, its main number or address, and why to use it.
CHANNEL_BRIEF = pgettext("resource", "• {name}: {value} — {why}")
# Button that opens the full details of one channel (its name follows). Keep it short.
MORE_ABOUT = pgettext("resource", "More: {name}")
# Buttons under a channel's details: "Copy" puts the number or address on the clipboard;
# "Open" opens a web page. Keep them short; the number follows.
COPY_CONTACT = {
    "call": pgettext("resource", "Copy number: {value}"),
    "text": pgettext("resource", "Copy number to text: {value}"),
    "chat": pgettext("resource", "Copy chat contact: {value}"),
    "web": pgettext("resource", "Copy address: {value}"),
    "email": pgettext("resource", "Copy email: {value}"),
}
OPEN_CHAT = pgettext("resource", "Open the chat")
# {site} is the web address's host name, such as humantraffickinghotline.org.
OPEN_PAGE = pgettext("resource", "Open {site}")
# {source} is a web address such as dcs.az.gov. "Compiled": copied from that page and others
# on that date, without checking the live page.
COMPILED_FROM = pgettext("resource", "Details compiled from {source} on {date}.")
# {source} is a web address such as dcs.az.gov: someone read that live page on that date.
CHECKED_LIVE = pgettext("resource", "Details checked on the live page {source} on {date}.")
# Descriptions of the commands in the chat's menu (see bot/core/commands.py).
COMMAND_START = pgettext("command", "Start again from the main menu")
COMMAND_MENU = pgettext("command", "Main menu")
COMMAND_HELP = pgettext("command", "What Beacon can do")
COMMAND_LANGUAGE = pgettext("command", "Change the language")
COMMAND_EXIT = pgettext("exit", "Clear this conversation")
COMMAND_FORGET = pgettext("privacy", "Delete everything Beacon keeps about you")
COMMAND_LEARN = pgettext("command", "Your course, refreshers and reminders")
COMMAND_REMINDERS = pgettext("command", "Turn learning reminders on or off")
COMMAND_VERIFY = pgettext("command", "Check a certificate's verification code")
SHORT_DESCRIPTION = pgettext(
    "bot",
    "Learn the signs of human trafficking and find the right hotline. "
    "An automated guide, not a hotline.",
)
DESCRIPTION = pgettext(
    "bot",
    "Beacon teaches the signs of human trafficking in short quizzes and shows you the right "
    "hotline or reporting channel for your place. It is an automated guide: not a hotline, "
    "not a person, not the police. It does not keep what you type. "
    "If anyone is in immediate danger, call 911 (or your local emergency number).",
)
CHANNEL_KINDS = {
    "call": pgettext("resource", "Call"),
    "text": pgettext("resource", "Text"),
    "chat": pgettext("resource", "Chat"),
    "web": pgettext("resource", "Online"),
    "email": pgettext("resource", "Email"),
}
JOIN_CONSENT = pgettext(
    "org",
    "{org} invites you to take Beacon's course “{course}” as a member of {department}.\n\n"
    "If you join, {org} will see only whether you completed the course, the date, and your "
    "certificate's verification code if you ask for a certificate. Whoever has that code can "
    "see the name printed on the certificate.\n\n"
    "It will never see your answers, your scores, what you looked up or anything else you do "
    "in Beacon. You can leave at any time (/leave), and /forget deletes everything.",
)
JOIN_CONSENT_WITH_ID = pgettext(
    "org",
    "{org} invites you to take Beacon's course “{course}” as a member of {department}.\n\n"
    "If you join, {org} will see only whether you completed the course, the date, and your "
    "certificate's verification code if you ask for a certificate, with the employee id you "
    "type next. Whoever has that code can see the name printed on the certificate.\n\n"
    "It will never see your answers, your scores, what you looked up or anything else you do "
    "in Beacon. You can leave at any time (/leave), and /forget deletes everything.",
)
JOIN_INVALID = pgettext("org", "This join link is not valid. Ask your organization for a new one.")
JOIN_YES = pgettext("org", "Join")
JOIN_NO = pgettext("org", "Not now")
JOINED = pgettext("org", "You joined {org} ({department}).")
EMPLOYEE_ID_ASK = pgettext(
    "org",
    "{org} asks for your employee id, to match your completion with its records. "
    "Type it now (up to 40 characters). Only {org} sees it, with your completion.",
)
EMPLOYEE_ID_BAD = pgettext(
    "org", "That employee id is empty or longer than 40 characters. Please type it again."
)
EMPLOYEE_ID_SAVED = pgettext("org", "Thank you. {org} will see this employee id.")
# {example} is an id in the organization's own format, such as E-123456: keep it as it is.
EMPLOYEE_ID_LOOKS_LIKE = pgettext("org", "It looks like this: {example}")
EMPLOYEE_ID_MISMATCH = pgettext(
    "org",
    "That does not look like an employee id of {org}. It should look like this: {example}. "
    "Please check it and type it again.",
)
EMPLOYEE_ID_MISMATCH_NO_EXAMPLE = pgettext(
    "org",
    "That does not look like an employee id of {org}. Please check it and type it again.",
)
# {employee_id} is exactly what the person typed: keep it as it is.
EMPLOYEE_ID_CONFIRM = pgettext("org", "Your employee id for {org}: {employee_id}. Right?")
EMPLOYEE_ID_CONFIRM_AGAIN = pgettext(
    "org",
    "Is the employee id you typed for {org} right? If you are not sure, tap Change and type "
    "it again.",
)
# Button: the employee id shown is right.
EMPLOYEE_ID_RIGHT = pgettext("org", "Yes, that's right")
# Button: type the employee id again.
EMPLOYEE_ID_CHANGE = pgettext("org", "Change")
# Button on the course screen of a member whose organization asks for an employee id.
EMPLOYEE_ID_OPEN = pgettext("org", "Change your employee id for {org}")
LEAVE_OPEN = pgettext("org", "Leave {org}")
LEAVE_CONFIRM = pgettext(
    "org",
    "Leave {org}? It will no longer see whether you completed the course. Your own progress stays.",
)
LEAVE_YES = pgettext("org", "Yes, leave {org}")
LEFT = pgettext("org", "You left {org}.")
NOT_A_MEMBER = pgettext("org", "You are not a member of any organization in Beacon.")
ADMIN_REFUSED = pgettext(
    "admin",
    "Sorry, this command is only for people who manage an organization's training in Beacon. "
    "Send /learn for the course, or /menu for everything else.",
)
ADMIN_PRIVATE_ONLY = pgettext(
    "admin",
    "Please send /admin in your private chat with Beacon. Figures are never shown in a group.",
)
ADMIN_CHART_TITLE = pgettext("admin", "{org}: completion by department (of those enrolled)")
ADMIN_CHART_TARGET = pgettext("admin", "Target {target}%")
ADMIN_CHART_NOTE = pgettext(
    "admin",
    "Each bar is dark up to the lowest completion the department's enrolled band allows and "
    "light up to the highest. A department with under 5 enrolled has no bar.",
)

# A quiz question shown again once answered: the first answer counts.
FIRST_ANSWER_COUNTS = pgettext("ui", "You answered this one already; your first answer counts.")
CHOSEN_OPTION = Msg("", "● {label}", translate=False)
"""An option as the one the learner chose, on a question shown as answered."""


def date_line(card: ResourceCard) -> Msg:
    """Return a card's date: when its details were checked on the live page, else compiled."""
    if card.checked_live_on is not None:
        return CHECKED_LIVE.fill(source=card.source, date=card.checked_live_on)
    return COMPILED_FROM.fill(source=card.source, date=card.compiled_on)
