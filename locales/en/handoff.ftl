# System texts of the live-agent handoff, written into the conversation by the server.

handoff-closed-outside-hours = Our team is not available at the moment. Leave us a message and we will reply by e-mail.
handoff-closed-nobody-available = Nobody from our team is available right now. Leave us a message and we will reply by e-mail.
handoff-closed-wait-too-long = Sorry for the long wait: our team is still busy. Leave us a message and we will reply by e-mail.
handoff-cancelled = You left the queue. I'm here if you need anything else.
handoff-cancelled-gone = You were away for a while, so you left the queue. I'm here if you need anything else.
