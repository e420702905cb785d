"""The web page's own texts (the conversation's come from the service), marked for gettext."""

from __future__ import annotations

from bot.core import texts
from bot.core.texts import pgettext

EXIT = texts.EXIT
# The label of the verification page's text box ("Verification code", as on the certificate).
CODE = texts.CERTIFICATE_CODE
# Under the Exit button at the top of every web page. "Shift" is the keyboard key: keep it
# as the key is labelled on keyboards in the language.
EXIT_HINT = pgettext("exit", "To leave this page fast, press Exit or press Shift three times.")
# On the web page's report screens, below the conversation: what quick exit cannot hide.
# Honest and calm; "private window" is the browser's private or incognito mode.
EXIT_LIMITS = pgettext(
    "exit",
    "Exit closes this page and deletes this conversation from Beacon, but it cannot hide "
    "that this site was visited: the browser's history still shows it, and other devices "
    "on the same network may see it. A private window leaves less behind.",
)
# A heading read by screen readers only: the list of messages on the web page.
CONVERSATION = pgettext("web", "Conversation")
# Read by screen readers before a label the person tapped on the web page.
YOU = pgettext("web", "You")
# The label of the text box on a web screen that asks for typed text (a name, an id).
ANSWER = pgettext("web", "Your answer")
# The button that sends what was typed in the text box.
SEND = pgettext("web", "Send")
# A button at the bottom of the web page: keeps the session after the browser closes.
KEEP = pgettext("web", "Keep my progress on this device")
# Shown after "Keep my progress on this device" was pressed.
KEPT = pgettext("web", "Your progress is kept on this device. Press Exit at any time to delete it.")
# The kind page shown when one browser sends too many requests at once.
SLOW_DOWN = pgettext("web", "That was a lot at once. Please wait a moment, then try again.")
# A link on that page back to the conversation.
BACK_TO_CHAT = pgettext("web", "Back to the conversation")
# A link on the web page where Beacon made a certificate: downloads it as a PDF file.
DOWNLOAD_PDF = pgettext("web", "Download the certificate (PDF)")
# A link beside it: downloads the same certificate as a picture (a PNG image file).
DOWNLOAD_PNG = pgettext("web", "Download the certificate as a picture (PNG)")
# After a download link: the file's size in kilobytes (KB).
FILE_SIZE = pgettext("web", "{size} KB")
# The page a certificate download link opens when it cannot give the file: the link is from
# another browser, its conversation ended (Exit, or idle too long), or the address is wrong.
NO_CERTIFICATE = pgettext(
    "web",
    "This certificate cannot be downloaded here. A certificate downloads only in the browser "
    "that finished the course, while that conversation lasts. Its verification code can still "
    "be checked.",
)
# The heading of the public page that checks a certificate's verification code, and the link
# to it.
VERIFY_HEADING = pgettext("web", "Check a Beacon certificate")
# On that page, above the text box. Keep the example code exactly as written.
VERIFY_PROMPT = pgettext(
    "web",
    "Type the verification code printed on the certificate, for example BCN-1234-ABCD-5678.",
)
# The button that checks the typed code.
VERIFY_CHECK = pgettext("web", "Check")
# Shown above the main menu when a web campaign link (a poster's address) names no campaign
# Beacon knows, e.g. a typo in the address. Calm; it is not the person's fault.
NO_SUCH_CAMPAIGN = pgettext(
    "web", "This link does not lead anywhere in Beacon, so here is the main menu instead."
)
# On every page of a kiosk (a shared tablet at an event), below the conversation.
KIOSK_IDLE = pgettext(
    "kiosk",
    "This is a shared tablet. When no one taps for a while, it starts again from the "
    "beginning and deletes this conversation.",
)
# A button on a kiosk's last screen of a path: starts again from the beginning for the next
# person (this conversation is deleted).
START_AGAIN = pgettext("kiosk", "Start again")
# The page shown at a kiosk address whose campaign does not exist. An organizer reads it;
# the command shown below it is not translated.
KIOSK_MISSING = pgettext(
    "kiosk",
    "This kiosk is not set up. An organizer sets it up by creating its campaign with this command:",
)
