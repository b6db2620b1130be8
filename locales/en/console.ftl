# Texts of the agent console (served by GET /api/v1/agent/texts, ids unchanged; the page
# marks its elements with data-i18n, the scripts call t('console-...')). Placeables such as
# { $name } are filled in by the console; a message may be one select on a number (plurals),
# nothing more complex: no references to other messages, no functions.

## Page and sign-in

console-title = Staffetta agent console
console-title-sign-in = Sign in - Staffetta agent console
console-brand-sub = agent console
console-skip-link = Skip to the conversations
console-login-heading = Sign in
console-login-hint = Your site administrator gives you the site id, login and password.
console-login-site = Site id
console-login-login = Login
console-login-password = Password
console-login-submit = Sign in
console-login-missing = Fill in the site id, login and password.
console-login-signing-in = Signing in…
console-login-invalid = Site id, login or password is wrong.
console-login-ip-blocked = Too many failed sign-ins from this network.
console-login-account-blocked = Too many failed sign-ins for this account.
console-login-rate-limited = Too many requests.
console-login-network = The server cannot be reached. Check the connection and try again.
console-login-failed = Sign-in failed ({ $status }).
# $time: the time of day when signing in works again; $in: how long until then ("in 15 minutes").
console-login-retry-at = Try again at { $time } ({ $in }).
console-login-retry-later = Try again later.
# $date: the date and time when signing in works again (a block of half a day or more).
console-login-retry-on = Try again on { $date } ({ $in }).
console-session-ended = Your session ended. Please sign in again.
console-signed-out = You signed out.
console-server-unreachable = The server cannot be reached right now.
console-sign-out-failed = Sign-out failed ({ $status }).
console-sign-out-active = End your live chats before signing out.

## Top bar

console-connection-connecting = Connecting…
console-connection-connected = Connected
console-connection-reconnecting = Reconnecting…
console-connection-offline = Offline - retrying
console-state-label = My state
console-state-ready = Ready
console-state-pause = Pause
console-state-pause-reason = Pause: { $reason }
console-state-paused = Paused
console-state-paused-reason = Paused: { $reason }
console-state-forced = Paused: missed an offer
console-state-logged-out = Signed out of the desk
console-state-away = Away - reconnecting
console-sound-on = Sound on
console-sound-off = Sound off
console-notify-enable = Enable notifications
console-notify-on = Desktop notifications are on.
console-notify-off = Desktop notifications stay off.
console-sign-out = Sign out
console-not-connected = Not connected: the action was not sent. Reconnecting…
console-forced = You missed an offer and were paused. Choose Ready to get chats again.
console-logged-out = You are signed out of the desk. Choose a state to sign in again.

## Desk

console-offers-label = Incoming chats
console-conversations-heading = Conversations
console-empty = No conversations. When you are Ready, new chats are offered here.
console-side-label = Queue, team and offline requests
console-team-heading = Team
console-team-empty = Nobody else is signed in at the desk.
console-team-live = { $count ->
    [one] { $count } live chat
   *[other] { $count } live chats
}
console-team-wrap-up = { $count } in wrap-up

## Offers

console-offer-title = New chat
console-offer-title-queue = New chat for { $queue }
console-offer-accept = Accept
console-offer-accept-shortcut = Accept (Alt+Shift+A)
console-offer-reject = Reject
console-offer-announce = New chat offer: { $seconds } seconds to accept. Alt+Shift+A accepts.
console-offer-announce-queue = New chat offer for { $queue }: { $seconds } seconds to accept. Alt+Shift+A accepts.
console-offer-notify-title = New chat offer
console-offer-notify = A visitor - accept within { $seconds } s
console-offer-notify-queue = { $queue } - accept within { $seconds } s
console-offer-visitor-wrote = The visitor wrote: “{ $text }”
console-offer-page = Page: { $url }
console-offer-left = { $seconds } s left to accept
console-offer-time-up = Time is up
console-offer-hurry = { $seconds ->
    [one] { $seconds } second left to accept the chat.
   *[other] { $seconds } seconds left to accept the chat.
}
console-offer-accepting = Accepting…
console-offer-timed-out = The offer timed out.
console-offer-withdrawn = The offer was withdrawn: the visitor stopped waiting.

## Conversations

console-chat-title = Chat { $n }
console-chat-title-queue = Chat { $n } · { $queue }
console-chat-transcript-label = Transcript of chat { $n }
console-chat-open = Chat { $n } is open. The visitor is waiting for you.
console-chat-status = Chat { $n }: { $status }
console-chat-closed = Chat { $n } is closed.
console-chat-closed-reason = Chat { $n } is closed ({ $reason }).
console-chat-visitor-said = Chat { $n }, visitor: { $text }
console-phase-live = Live
console-phase-wrap-up = Wrap-up
console-visitor-about = About the visitor
console-composer-label = Message
console-composer-hint = Enter sends; Shift+Enter starts a new line.
console-send = Send
console-end = End chat
console-ending = Ending the chat…
console-tools = Transfer or ban
console-transfer-label = Transfer to
console-transfer-choose = Choose…
console-transfer-queues = Queues
console-transfer-agents = Agents
console-transfer-submit = Transfer
console-transfer-missing = Choose where to transfer the chat.
console-transferring = Transferring…
console-ban-label = Ban the visitor's IP address for
console-ban-hour = 1 hour
console-ban-day = 1 day
console-ban-week = 1 week
console-ban-ever = ever (permanent)
console-ban-submit = Ban IP address
console-banning = Banning the visitor's address…
console-banned-until = The visitor's address is banned until { $time }.
console-banned-forever = The visitor's address is banned permanently.
console-wrapup-heading = Wrap-up
console-wrapup-deadline = Finish by { $time }; after that the chat is closed without notes.
console-disposition-label = Disposition
console-disposition-solved = Solved
console-disposition-follow-up = Needs follow-up
console-disposition-not-solved = Not solved
console-disposition-spam = Spam
console-notes-label = Notes
console-wrapup-submit = Finish wrap-up
console-wrapup-saving = Saving the wrap-up…
console-cleared-agent = You ended the chat.
console-cleared-visitor = The visitor left the chat.
console-cleared-transferred = The chat was transferred.
console-cleared-agent-lost = The chat went back to the queue while you were away.
console-cleared-other = The chat ended.
console-cleared-wrap-up = { $why } Fill in the wrap-up.
console-visitor-typing = The visitor is typing…
console-history-failed = The history could not be loaded ({ $status }).
console-visitor-page = Page
console-visitor-referrer = Came from
console-visitor-device = Device
console-visitor-browser = Browser
console-visitor-browser-on = { $browser } on { $system }
console-visitor-place = Place
console-visitor-language = Language
console-visitor-ip = IP address
console-visitor-earlier = Earlier chats
console-visitor-earlier-none = none
console-visitor-earlier-count = Earlier chats ({ $count })
console-earlier-chat-label = Chat of { $when }
console-earlier-chat-none = No transcript: this chat never reached a person.
console-earlier-chat-failed = The chat could not be loaded.

## Transcript

console-from-visitor = Visitor
console-from-bot = Bot
console-from-agent = Agent
console-from-system = System
console-handoff-mark = Handed over from the bot to a person
console-event-agent-joined = { $name } joined the chat.
console-event-agent-joined-anonymous = An agent joined the chat.
console-event-agent-left = { $name } left the chat.
console-event-agent-left-anonymous = The agent left the chat.
console-event-agent-reconnecting = { $name } lost the connection; the visitor was told they are reconnecting.
console-event-agent-reconnecting-anonymous = The agent lost the connection; the visitor was told they are reconnecting.
console-event-agent-reconnected = { $name } was back in time.
console-event-agent-reconnected-anonymous = The agent was back in time.
console-event-queue-position = Waiting for an agent: position { $position }.
console-event-queue-position-wait = Waiting for an agent: position { $position }, about { $minutes } min.
console-event-queue-closed = Nobody could take the chat.
console-event-visitor-gone = The visitor went away and left the queue.
console-event-handoff-cancelled = The visitor stopped waiting.
console-event-ended-by-visitor = The chat was ended by the visitor.
console-event-ended-by-bot = The chat was ended by the bot.
console-event-ended-by-agent = The chat was ended by the agent.
console-event-ended-by-system = The chat was ended by the system.
console-event-session-expired = The visitor's session expired.
console-event-identity-expired = The visitor's sign-in expired.
console-earlier-load = Load earlier messages
console-earlier-loading = Loading earlier messages…
console-earlier-failed = Earlier messages could not be loaded ({ $status }). Try again.
console-earlier-added = { $count ->
    [one] Added { $count } earlier line.
   *[other] Added { $count } earlier lines.
}
console-earlier-added-start = { $count ->
    [one] Added { $count } earlier line: this is the start of the conversation.
   *[other] Added { $count } earlier lines: this is the start of the conversation.
}

## Offline requests

console-offline-heading = Offline requests
console-offline-refresh = Refresh the list
console-offline-forbidden = You may not see offline requests.
console-offline-failed = Offline requests could not be loaded ({ $status }).
console-offline-visitor = Visitor
console-offline-none = No offline requests.
console-offline-new = New offline request from { $name }.
console-offline-new-anonymous = New offline request from a visitor.
console-offline-notify-title = New offline request

## Queue panel (supervisors and admins)

console-queues-heading = Queue
console-queues-refresh = Refresh the queue
console-queues-none = The site has no queues.
console-queues-forbidden = You may not see the queues.
console-queues-failed = The queues could not be loaded ({ $status }); retrying.
console-queues-waiting-count = { $count ->
    [one] { $count } visitor waiting,
   *[other] { $count } visitors waiting,
}
console-queues-live-count = { $count ->
    [one] { $count } live chat.
   *[other] { $count } live chats.
}
console-queues-waiting-heading = Waiting ({ $count })
console-queues-waiting-label = Waiting in { $queue }
console-queues-offered-to = Offered to { $name }
console-queues-place = Place { $position } in line
console-queues-read-waiting = Read the chat waiting since { $time }
console-queues-nobody-waiting = Nobody is waiting.
console-queues-live-heading = Live ({ $count })
console-queues-live-label = Live chats in { $queue }
console-queues-read-live = Read { $name }'s chat
console-queues-no-live = No live chats.
console-queues-read = Read
console-queues-live-for = for { $time }
console-queues-waiting-for = waiting { $time }
console-queues-wrap-up-heading = After-chat work ({ $count })
console-queues-wrap-up-label = After-chat work in { $queue }
console-queues-read-wrap-up = Read the chat { $name } is wrapping up
console-queues-no-wrap-up = No after-chat work.
console-queues-wrapping-for = wrapping up for { $time }
console-transcript-dialog-heading = Chat transcript (read-only)
console-transcript-dialog-lines = Transcript (read-only)
console-transcript-close = Close
console-transcript-loading = Loading the transcript…
console-transcript-gone = This chat is no longer available.
console-transcript-failed = The transcript could not be loaded ({ $status }).
console-transcript-lines = { $count ->
    [one] { $count } line.
   *[other] { $count } lines.
}
console-transcript-lines-latest = { $count ->
    [one] { $count } line (the latest ones).
   *[other] { $count } lines (the latest ones).
}
console-transcript-page = Visitor's page: { $url }.

## Refusals of the desk (ERROR frames)

console-error-gone = That chat is no longer available.
console-error-forbidden = You are not allowed to do that.
console-error-conversation-ended = The visitor has already left this chat.
console-error-not-yours = This chat is no longer yours.
console-error-not-in-wrap-up = This chat is not waiting for a wrap-up any more.
console-error-transfer-to-self = Choose someone else to transfer to.
console-error-transfer-target-unavailable = That colleague is not signed in any more.
console-error-nobody-to-transfer-to = Nobody else is signed in for that queue.
console-error-unknown-pause-reason = That pause reason is not configured any more.
console-error-bad-command = The console sent something the server did not understand.
