# Testi della console degli operatori (serviti da GET /api/v1/agent/texts). I segnaposto
# come { $name } li riempie la console; un messaggio può essere una sola scelta su un numero
# (plurali), niente di più complesso.

## Pagina e accesso

console-title = Console operatori Staffetta
console-title-sign-in = Accedi - Console operatori Staffetta
console-brand-sub = console operatori
console-skip-link = Vai alle conversazioni
console-login-heading = Accedi
console-login-hint = L'amministratore del sito ti fornisce l'id del sito, il login e la password.
console-login-site = Id del sito
console-login-login = Login
console-login-password = Password
console-login-submit = Accedi
console-login-missing = Inserisci l'id del sito, il login e la password.
console-login-signing-in = Accesso in corso…
console-login-invalid = Id del sito, login o password errati.
console-login-ip-blocked = Troppi accessi falliti da questa rete.
console-login-account-blocked = Troppi accessi falliti per questo account.
console-login-rate-limited = Troppe richieste.
console-login-network = Il server non è raggiungibile. Controlla la connessione e riprova.
console-login-failed = Accesso non riuscito ({ $status }).
console-login-retry-at = Riprova alle { $time } ({ $in }).
console-login-retry-later = Riprova più tardi.
console-login-retry-on = Riprova il { $date } ({ $in }).
console-session-ended = La sessione è terminata. Accedi di nuovo.
console-signed-out = Sei uscito.
console-server-unreachable = Il server non è raggiungibile in questo momento.
console-sign-out-failed = Uscita non riuscita ({ $status }).
console-sign-out-active = Chiudi le chat in corso prima di uscire.

## Barra in alto

console-connection-connecting = Connessione…
console-connection-connected = Connesso
console-connection-reconnecting = Riconnessione…
console-connection-offline = Offline - nuovo tentativo
console-state-label = Il mio stato
console-state-ready = Disponibile
console-state-pause = Pausa
console-state-pause-reason = Pausa: { $reason }
console-state-paused = In pausa
console-state-paused-reason = In pausa: { $reason }
console-state-forced = In pausa: offerta persa
console-state-logged-out = Uscito dal desk
console-state-away = Assente - in riconnessione
console-sound-on = Suono attivo
console-sound-off = Suono disattivato
console-notify-enable = Attiva le notifiche
console-notify-on = Le notifiche desktop sono attive.
console-notify-off = Le notifiche desktop restano disattivate.
console-sign-out = Esci
console-not-connected = Non connesso: l'azione non è stata inviata. Riconnessione…
console-forced = Hai perso un'offerta e sei stato messo in pausa. Scegli Disponibile per ricevere di nuovo chat.
console-logged-out = Sei uscito dal desk. Scegli uno stato per rientrare.

## Desk

console-offers-label = Chat in arrivo
console-conversations-heading = Conversazioni
console-empty = Nessuna conversazione. Quando sei Disponibile, le nuove chat ti vengono offerte qui.
console-side-label = Coda, team e richieste offline
console-team-heading = Team
console-team-empty = Nessun altro è collegato al desk.
console-team-live = { $count ->
    [one] { $count } chat in corso
   *[other] { $count } chat in corso
}
console-team-wrap-up = { $count } in chiusura

## Offerte

console-offer-title = Nuova chat
console-offer-title-queue = Nuova chat per { $queue }
console-offer-accept = Accetta
console-offer-accept-shortcut = Accetta (Alt+Maiusc+A)
console-offer-reject = Rifiuta
console-offer-announce = Nuova offerta di chat: { $seconds } secondi per accettare. Alt+Maiusc+A accetta.
console-offer-announce-queue = Nuova offerta di chat per { $queue }: { $seconds } secondi per accettare. Alt+Maiusc+A accetta.
console-offer-notify-title = Nuova offerta di chat
console-offer-notify = Un visitatore - accetta entro { $seconds } s
console-offer-notify-queue = { $queue } - accetta entro { $seconds } s
console-offer-visitor-wrote = Il visitatore ha scritto: “{ $text }”
console-offer-page = Pagina: { $url }
console-offer-left = { $seconds } s per accettare
console-offer-time-up = Tempo scaduto
console-offer-hurry = { $seconds ->
    [one] Resta { $seconds } secondo per accettare la chat.
   *[other] Restano { $seconds } secondi per accettare la chat.
}
console-offer-accepting = Accettazione…
console-offer-timed-out = L'offerta è scaduta.
console-offer-withdrawn = L'offerta è stata ritirata: il visitatore ha smesso di attendere.

## Conversazioni

console-chat-title = Chat { $n }
console-chat-title-queue = Chat { $n } · { $queue }
console-chat-transcript-label = Trascrizione della chat { $n }
console-chat-open = La chat { $n } è aperta. Il visitatore ti sta aspettando.
console-chat-status = Chat { $n }: { $status }
console-chat-closed = La chat { $n } è chiusa.
console-chat-closed-reason = La chat { $n } è chiusa ({ $reason }).
console-chat-visitor-said = Chat { $n }, visitatore: { $text }
console-phase-live = In corso
console-phase-wrap-up = Chiusura
console-visitor-about = Sul visitatore
console-composer-label = Messaggio
console-composer-hint = Invio invia; Maiusc+Invio va a capo.
console-send = Invia
console-end = Termina chat
console-ending = Chiusura della chat…
console-tools = Trasferisci o blocca
console-transfer-label = Trasferisci a
console-transfer-choose = Scegli…
console-transfer-queues = Code
console-transfer-agents = Operatori
console-transfer-submit = Trasferisci
console-transfer-missing = Scegli dove trasferire la chat.
console-transferring = Trasferimento…
console-ban-label = Blocca l'indirizzo IP del visitatore per
console-ban-hour = 1 ora
console-ban-day = 1 giorno
console-ban-week = 1 settimana
console-ban-ever = sempre (permanente)
console-ban-submit = Blocca indirizzo IP
console-banning = Blocco dell'indirizzo del visitatore…
console-banned-until = L'indirizzo del visitatore è bloccato fino al { $time }.
console-banned-forever = L'indirizzo del visitatore è bloccato in modo permanente.
console-wrapup-heading = Chiusura
console-wrapup-deadline = Completa entro le { $time }; dopo, la chat viene chiusa senza note.
console-disposition-label = Esito
console-disposition-solved = Risolto
console-disposition-follow-up = Da ricontattare
console-disposition-not-solved = Non risolto
console-disposition-spam = Spam
console-notes-label = Note
console-wrapup-submit = Completa la chiusura
console-wrapup-saving = Salvataggio della chiusura…
console-cleared-agent = Hai terminato la chat.
console-cleared-visitor = Il visitatore ha lasciato la chat.
console-cleared-transferred = La chat è stata trasferita.
console-cleared-agent-lost = La chat è tornata in coda mentre eri assente.
console-cleared-other = La chat è terminata.
console-cleared-wrap-up = { $why } Compila la chiusura.
console-visitor-typing = Il visitatore sta scrivendo…
console-history-failed = Non è stato possibile caricare la cronologia ({ $status }).
console-visitor-page = Pagina
console-visitor-referrer = Proveniente da
console-visitor-device = Dispositivo
console-visitor-browser = Browser
console-visitor-browser-on = { $browser } su { $system }
console-visitor-place = Luogo
console-visitor-language = Lingua
console-visitor-ip = Indirizzo IP
console-visitor-earlier = Chat precedenti
console-visitor-earlier-none = nessuna
console-visitor-earlier-count = Chat precedenti ({ $count })
console-earlier-chat-label = Chat del { $when }
console-earlier-chat-none = Nessuna trascrizione: questa chat non è mai arrivata a una persona.
console-earlier-chat-failed = Non è stato possibile caricare la chat.

## Trascrizione

console-from-visitor = Visitatore
console-from-bot = Bot
console-from-agent = Operatore
console-from-system = Sistema
console-handoff-mark = Passata dal bot a una persona
console-event-agent-joined = { $name } è entrato nella chat.
console-event-agent-joined-anonymous = Un operatore è entrato nella chat.
console-event-agent-left = { $name } ha lasciato la chat.
console-event-agent-left-anonymous = L'operatore ha lasciato la chat.
console-event-agent-reconnecting = { $name } ha perso la connessione; al visitatore è stato detto che si sta riconnettendo.
console-event-agent-reconnecting-anonymous = L'operatore ha perso la connessione; al visitatore è stato detto che si sta riconnettendo.
console-event-agent-reconnected = { $name } è tornato in tempo.
console-event-agent-reconnected-anonymous = L'operatore è tornato in tempo.
console-event-queue-position = In attesa di un operatore: posizione { $position }.
console-event-queue-position-wait = In attesa di un operatore: posizione { $position }, circa { $minutes } min.
console-event-queue-closed = Nessuno ha potuto prendere la chat.
console-event-visitor-gone = Il visitatore se n'è andato e ha lasciato la coda.
console-event-handoff-cancelled = Il visitatore ha smesso di attendere.
console-event-ended-by-visitor = La chat è stata terminata dal visitatore.
console-event-ended-by-bot = La chat è stata terminata dal bot.
console-event-ended-by-agent = La chat è stata terminata dall'operatore.
console-event-ended-by-system = La chat è stata terminata dal sistema.
console-event-session-expired = La sessione del visitatore è scaduta.
console-event-identity-expired = L'accesso del visitatore è scaduto.
console-earlier-load = Carica i messaggi precedenti
console-earlier-loading = Caricamento dei messaggi precedenti…
console-earlier-failed = Non è stato possibile caricare i messaggi precedenti ({ $status }). Riprova.
console-earlier-added = { $count ->
    [one] Aggiunta { $count } riga precedente.
   *[other] Aggiunte { $count } righe precedenti.
}
console-earlier-added-start = { $count ->
    [one] Aggiunta { $count } riga precedente: questo è l'inizio della conversazione.
   *[other] Aggiunte { $count } righe precedenti: questo è l'inizio della conversazione.
}

## Richieste offline

console-offline-heading = Richieste offline
console-offline-refresh = Aggiorna l'elenco
console-offline-forbidden = Non puoi vedere le richieste offline.
console-offline-failed = Non è stato possibile caricare le richieste offline ({ $status }).
console-offline-visitor = Visitatore
console-offline-none = Nessuna richiesta offline.
console-offline-new = Nuova richiesta offline da { $name }.
console-offline-new-anonymous = Nuova richiesta offline da un visitatore.
console-offline-notify-title = Nuova richiesta offline

## Pannello Coda (supervisori e amministratori)

console-queues-heading = Coda
console-queues-refresh = Aggiorna la coda
console-queues-none = Il sito non ha code.
console-queues-forbidden = Non puoi vedere le code.
console-queues-failed = Non è stato possibile caricare le code ({ $status }); nuovo tentativo.
console-queues-waiting-count = { $count ->
    [one] { $count } visitatore in attesa,
   *[other] { $count } visitatori in attesa,
}
console-queues-live-count = { $count ->
    [one] { $count } chat in corso.
   *[other] { $count } chat in corso.
}
console-queues-waiting-heading = In attesa ({ $count })
console-queues-waiting-label = In attesa in { $queue }
console-queues-offered-to = Offerta a { $name }
console-queues-place = Posizione { $position } in coda
console-queues-read-waiting = Leggi la chat in attesa dalle { $time }
console-queues-nobody-waiting = Nessuno in attesa.
console-queues-live-heading = In corso ({ $count })
console-queues-live-label = Chat in corso in { $queue }
console-queues-read-live = Leggi la chat di { $name }
console-queues-no-live = Nessuna chat in corso.
console-queues-read = Leggi
console-queues-live-for = da { $time }
console-queues-waiting-for = in attesa da { $time }
console-queues-wrap-up-heading = Lavoro post-chat ({ $count })
console-queues-wrap-up-label = Lavoro post-chat in { $queue }
console-queues-read-wrap-up = Leggi la chat che { $name } sta chiudendo
console-queues-no-wrap-up = Nessun lavoro post-chat.
console-queues-wrapping-for = in chiusura da { $time }
console-transcript-dialog-heading = Trascrizione della chat (sola lettura)
console-transcript-dialog-lines = Trascrizione (sola lettura)
console-transcript-close = Chiudi
console-transcript-loading = Caricamento della trascrizione…
console-transcript-gone = Questa chat non è più disponibile.
console-transcript-failed = Non è stato possibile caricare la trascrizione ({ $status }).
console-transcript-lines = { $count ->
    [one] { $count } riga.
   *[other] { $count } righe.
}
console-transcript-lines-latest = { $count ->
    [one] { $count } riga (le più recenti).
   *[other] { $count } righe (le più recenti).
}
console-transcript-page = Pagina del visitatore: { $url }.

## Rifiuti del desk (frame ERROR)

console-error-gone = Questa chat non è più disponibile.
console-error-forbidden = Non hai il permesso di farlo.
console-error-conversation-ended = Il visitatore ha già lasciato questa chat.
console-error-not-yours = Questa chat non è più tua.
console-error-not-in-wrap-up = Questa chat non è più in attesa di chiusura.
console-error-transfer-to-self = Scegli qualcun altro a cui trasferire.
console-error-transfer-target-unavailable = Quel collega non è più collegato.
console-error-nobody-to-transfer-to = Nessun altro è collegato per quella coda.
console-error-unknown-pause-reason = Quel motivo di pausa non è più configurato.
console-error-bad-command = La console ha inviato qualcosa che il server non ha capito.
