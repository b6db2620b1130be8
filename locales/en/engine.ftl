# System texts of the dialog engine (staffetta-engine). Every message here is used by the
# engine (MessageKey in engine/src/i18n.rs) and must exist in every locale.

## Re-prompts when an answer cannot be used

engine-retry-text = Sorry, I didn't catch that. Could you say it again?
engine-retry-pattern = That doesn't look quite right. Please check the format and try again.
engine-retry-number = Please answer with a number.
engine-retry-number-range = Please give a number between { $min } and { $max }.
engine-retry-number-min = Please give a number of at least { $min }.
engine-retry-number-max = Please give a number no larger than { $max }.
engine-retry-date = I couldn't read that date. Please pick one from the calendar.
engine-retry-date-range = Please choose a date between { $first } and { $last }.
engine-retry-date-from = Please choose { $first } or a later date.
engine-retry-date-until = Please choose { $last } or an earlier date.
engine-retry-date-weekday = That day isn't available. Please choose a date on one of these days: { $days }.
engine-retry-option = Please choose one of the options.
engine-retry-yes-no = Please answer yes or no.
engine-retry-email = That doesn't look like an email address. Please try again.
engine-ask-gave-up = Let's leave that for now. Is there anything else I can help you with?

## Understanding

engine-did-you-mean = Did you mean:
engine-none-of-these = None of these
engine-fallback = Sorry, I didn't understand. Could you put it another way?
engine-offer-human = I'm having trouble understanding you. Would you like to talk to a person?
engine-offer-human-declined = All right. Try asking me in other words.
engine-connecting-to-agent = Let me see whether a member of our team is available.
engine-handoff-reason = The visitor asked for a person after { $count ->
        [one] one message the bot did not understand
       *[other] { $count } messages the bot did not understand
    }.

## Digressions

engine-return-offer = Shall we go back to “{ $topic }”?
engine-return-declined = OK, we’ll leave “{ $topic }” for now.

## Common words

engine-yes = Yes
engine-no = No

## Session

engine-session-expiring = Are you still there? This chat will close in { $minutes ->
        [one] one minute
       *[other] { $minutes } minutes
    } unless you reply.
engine-session-expiring-seconds = Are you still there? This chat will close in { $seconds ->
        [one] one second
       *[other] { $seconds } seconds
    } unless you reply.
engine-session-expired = This chat was closed after a period of inactivity. Send a message to start a new one.
engine-session-restored = Welcome back! Your previous chat had timed out, so we're starting afresh.
engine-message-too-long = Your message is too long. Please keep it under { $limit } characters.
engine-empty-message = I didn't receive any text. Could you type your message?
engine-dialog-changed = Sorry, something went wrong on our side. Let's start over: how can I help?

## Formatting

engine-open-link = Open { $title }
engine-weekday = { $weekday ->
        [1] Monday
        [2] Tuesday
        [3] Wednesday
        [4] Thursday
        [5] Friday
        [6] Saturday
       *[7] Sunday
    }
engine-date = { $weekday ->
        [1] Monday
        [2] Tuesday
        [3] Wednesday
        [4] Thursday
        [5] Friday
        [6] Saturday
       *[7] Sunday
    }, { $month ->
        [1] January
        [2] February
        [3] March
        [4] April
        [5] May
        [6] June
        [7] July
        [8] August
        [9] September
        [10] October
        [11] November
       *[12] December
    } { $day }, { $year }
