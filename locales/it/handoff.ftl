# Testi di sistema del passaggio all'operatore, scritti dal server nella conversazione.

handoff-closed-outside-hours = Il nostro team non è disponibile in questo momento. Lasciaci un messaggio e ti risponderemo via e-mail.
handoff-closed-nobody-available = Al momento nessun operatore è disponibile. Lasciaci un messaggio e ti risponderemo via e-mail.
handoff-closed-wait-too-long = Ci scusiamo per l'attesa: il nostro team è ancora occupato. Lasciaci un messaggio e ti risponderemo via e-mail.
handoff-cancelled = Sei uscito dalla coda. Sono qui se ti serve altro.
handoff-cancelled-gone = Sei stato assente per un po', quindi sei uscito dalla coda. Sono qui se ti serve altro.
