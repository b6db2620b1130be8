# Texte der Agenten-Konsole (ausgeliefert von GET /api/v1/agent/texts). Platzhalter wie
# { $name } füllt die Konsole aus; eine Nachricht darf eine einzige Auswahl über eine Zahl
# sein (Plural), nichts Komplexeres.

## Seite und Anmeldung

console-title = Staffetta Agenten-Konsole
console-title-sign-in = Anmelden - Staffetta Agenten-Konsole
console-brand-sub = Agenten-Konsole
console-skip-link = Zu den Unterhaltungen springen
console-login-heading = Anmelden
console-login-hint = Die Site-ID, den Login und das Passwort erhalten Sie von Ihrer Site-Administration.
console-login-site = Site-ID
console-login-login = Login
console-login-password = Passwort
console-login-submit = Anmelden
console-login-missing = Bitte Site-ID, Login und Passwort eingeben.
console-login-signing-in = Anmeldung läuft…
console-login-invalid = Site-ID, Login oder Passwort ist falsch.
console-login-ip-blocked = Zu viele fehlgeschlagene Anmeldungen aus diesem Netzwerk.
console-login-account-blocked = Zu viele fehlgeschlagene Anmeldungen für dieses Konto.
console-login-rate-limited = Zu viele Anfragen.
console-login-network = Der Server ist nicht erreichbar. Prüfen Sie die Verbindung und versuchen Sie es erneut.
console-login-failed = Anmeldung fehlgeschlagen ({ $status }).
console-login-retry-at = Versuchen Sie es um { $time } erneut ({ $in }).
console-login-retry-later = Versuchen Sie es später erneut.
console-login-retry-on = Versuchen Sie es am { $date } erneut ({ $in }).
console-session-ended = Ihre Sitzung ist beendet. Bitte melden Sie sich erneut an.
console-signed-out = Sie haben sich abgemeldet.
console-server-unreachable = Der Server ist gerade nicht erreichbar.
console-sign-out-failed = Abmeldung fehlgeschlagen ({ $status }).
console-sign-out-active = Beenden Sie Ihre laufenden Chats, bevor Sie sich abmelden.

## Kopfleiste

console-connection-connecting = Verbinden…
console-connection-connected = Verbunden
console-connection-reconnecting = Neu verbinden…
console-connection-offline = Offline - neuer Versuch
console-state-label = Mein Status
console-state-ready = Bereit
console-state-pause = Pause
console-state-pause-reason = Pause: { $reason }
console-state-paused = Pausiert
console-state-paused-reason = Pausiert: { $reason }
console-state-forced = Pausiert: Angebot verpasst
console-state-logged-out = Vom Desk abgemeldet
console-state-away = Abwesend - verbindet neu
console-sound-on = Ton an
console-sound-off = Ton aus
console-notify-enable = Benachrichtigungen aktivieren
console-notify-on = Desktop-Benachrichtigungen sind an.
console-notify-off = Desktop-Benachrichtigungen bleiben aus.
console-sign-out = Abmelden
console-not-connected = Nicht verbunden: Die Aktion wurde nicht gesendet. Neu verbinden…
console-forced = Sie haben ein Angebot verpasst und wurden pausiert. Wählen Sie Bereit, um wieder Chats zu erhalten.
console-logged-out = Sie sind vom Desk abgemeldet. Wählen Sie einen Status, um sich wieder anzumelden.

## Desk

console-offers-label = Eingehende Chats
console-conversations-heading = Unterhaltungen
console-empty = Keine Unterhaltungen. Wenn Sie Bereit sind, werden Ihnen hier neue Chats angeboten.
console-side-label = Warteschlange, Team und Offline-Anfragen
console-team-heading = Team
console-team-empty = Sonst ist niemand am Desk angemeldet.
console-team-live = { $count ->
    [one] { $count } laufender Chat
   *[other] { $count } laufende Chats
}
console-team-wrap-up = { $count } in Nachbearbeitung

## Angebote

console-offer-title = Neuer Chat
console-offer-title-queue = Neuer Chat für { $queue }
console-offer-accept = Annehmen
console-offer-accept-shortcut = Annehmen (Alt+Umschalt+A)
console-offer-reject = Ablehnen
console-offer-announce = Neues Chat-Angebot: { $seconds } Sekunden zum Annehmen. Alt+Umschalt+A nimmt an.
console-offer-announce-queue = Neues Chat-Angebot für { $queue }: { $seconds } Sekunden zum Annehmen. Alt+Umschalt+A nimmt an.
console-offer-notify-title = Neues Chat-Angebot
console-offer-notify = Ein Besucher - innerhalb von { $seconds } s annehmen
console-offer-notify-queue = { $queue } - innerhalb von { $seconds } s annehmen
console-offer-visitor-wrote = Der Besucher schrieb: „{ $text }“
console-offer-page = Seite: { $url }
console-offer-left = Noch { $seconds } s zum Annehmen
console-offer-time-up = Die Zeit ist um
console-offer-hurry = { $seconds ->
    [one] Noch { $seconds } Sekunde, um den Chat anzunehmen.
   *[other] Noch { $seconds } Sekunden, um den Chat anzunehmen.
}
console-offer-accepting = Wird angenommen…
console-offer-timed-out = Das Angebot ist abgelaufen.
console-offer-withdrawn = Das Angebot wurde zurückgezogen: Der Besucher wartet nicht mehr.

## Unterhaltungen

console-chat-title = Chat { $n }
console-chat-title-queue = Chat { $n } · { $queue }
console-chat-transcript-label = Verlauf von Chat { $n }
console-chat-open = Chat { $n } ist offen. Der Besucher wartet auf Sie.
console-chat-status = Chat { $n }: { $status }
console-chat-closed = Chat { $n } ist geschlossen.
console-chat-closed-reason = Chat { $n } ist geschlossen ({ $reason }).
console-chat-visitor-said = Chat { $n }, Besucher: { $text }
console-phase-live = Live
console-phase-wrap-up = Nachbearbeitung
console-visitor-about = Über den Besucher
console-composer-label = Nachricht
console-composer-hint = Eingabe sendet; Umschalt+Eingabe beginnt eine neue Zeile.
console-send = Senden
console-end = Chat beenden
console-ending = Chat wird beendet…
console-tools = Weiterleiten oder sperren
console-transfer-label = Weiterleiten an
console-transfer-choose = Auswählen…
console-transfer-queues = Warteschlangen
console-transfer-agents = Agenten
console-transfer-submit = Weiterleiten
console-transfer-missing = Wählen Sie, wohin der Chat weitergeleitet wird.
console-transferring = Wird weitergeleitet…
console-ban-label = IP-Adresse des Besuchers sperren für
console-ban-hour = 1 Stunde
console-ban-day = 1 Tag
console-ban-week = 1 Woche
console-ban-ever = immer (dauerhaft)
console-ban-submit = IP-Adresse sperren
console-banning = Adresse des Besuchers wird gesperrt…
console-banned-until = Die Adresse des Besuchers ist bis { $time } gesperrt.
console-banned-forever = Die Adresse des Besuchers ist dauerhaft gesperrt.
console-wrapup-heading = Nachbearbeitung
console-wrapup-deadline = Bis { $time } abschließen; danach wird der Chat ohne Notizen geschlossen.
console-disposition-label = Ergebnis
console-disposition-solved = Gelöst
console-disposition-follow-up = Nachfassen nötig
console-disposition-not-solved = Nicht gelöst
console-disposition-spam = Spam
console-notes-label = Notizen
console-wrapup-submit = Nachbearbeitung abschließen
console-wrapup-saving = Nachbearbeitung wird gespeichert…
console-cleared-agent = Sie haben den Chat beendet.
console-cleared-visitor = Der Besucher hat den Chat verlassen.
console-cleared-transferred = Der Chat wurde weitergeleitet.
console-cleared-agent-lost = Der Chat ging in die Warteschlange zurück, während Sie weg waren.
console-cleared-other = Der Chat ist beendet.
console-cleared-wrap-up = { $why } Füllen Sie die Nachbearbeitung aus.
console-visitor-typing = Der Besucher schreibt…
console-history-failed = Der Verlauf konnte nicht geladen werden ({ $status }).
console-visitor-page = Seite
console-visitor-referrer = Kam von
console-visitor-device = Gerät
console-visitor-browser = Browser
console-visitor-browser-on = { $browser } auf { $system }
console-visitor-place = Ort
console-visitor-language = Sprache
console-visitor-ip = IP-Adresse
console-visitor-earlier = Frühere Chats
console-visitor-earlier-none = keine
console-visitor-earlier-count = Frühere Chats ({ $count })
console-earlier-chat-label = Chat vom { $when }
console-earlier-chat-none = Kein Verlauf: Dieser Chat hat nie eine Person erreicht.
console-earlier-chat-failed = Der Chat konnte nicht geladen werden.

## Verlauf

console-from-visitor = Besucher
console-from-bot = Bot
console-from-agent = Agent
console-from-system = System
console-handoff-mark = Vom Bot an eine Person übergeben
console-event-agent-joined = { $name } ist dem Chat beigetreten.
console-event-agent-joined-anonymous = Ein Agent ist dem Chat beigetreten.
console-event-agent-left = { $name } hat den Chat verlassen.
console-event-agent-left-anonymous = Der Agent hat den Chat verlassen.
console-event-agent-reconnecting = { $name } hat die Verbindung verloren; dem Besucher wurde gesagt, dass neu verbunden wird.
console-event-agent-reconnecting-anonymous = Der Agent hat die Verbindung verloren; dem Besucher wurde gesagt, dass neu verbunden wird.
console-event-agent-reconnected = { $name } war rechtzeitig zurück.
console-event-agent-reconnected-anonymous = Der Agent war rechtzeitig zurück.
console-event-queue-position = Wartet auf einen Agenten: Position { $position }.
console-event-queue-position-wait = Wartet auf einen Agenten: Position { $position }, etwa { $minutes } Min.
console-event-queue-closed = Niemand konnte den Chat übernehmen.
console-event-visitor-gone = Der Besucher ist gegangen und hat die Warteschlange verlassen.
console-event-handoff-cancelled = Der Besucher wartet nicht mehr.
console-event-ended-by-visitor = Der Chat wurde vom Besucher beendet.
console-event-ended-by-bot = Der Chat wurde vom Bot beendet.
console-event-ended-by-agent = Der Chat wurde vom Agenten beendet.
console-event-ended-by-system = Der Chat wurde vom System beendet.
console-event-session-expired = Die Sitzung des Besuchers ist abgelaufen.
console-event-identity-expired = Die Anmeldung des Besuchers ist abgelaufen.
console-earlier-load = Frühere Nachrichten laden
console-earlier-loading = Frühere Nachrichten werden geladen…
console-earlier-failed = Frühere Nachrichten konnten nicht geladen werden ({ $status }). Versuchen Sie es erneut.
console-earlier-added = { $count ->
    [one] { $count } frühere Zeile hinzugefügt.
   *[other] { $count } frühere Zeilen hinzugefügt.
}
console-earlier-added-start = { $count ->
    [one] { $count } frühere Zeile hinzugefügt: Hier beginnt die Unterhaltung.
   *[other] { $count } frühere Zeilen hinzugefügt: Hier beginnt die Unterhaltung.
}

## Offline-Anfragen

console-offline-heading = Offline-Anfragen
console-offline-refresh = Liste aktualisieren
console-offline-forbidden = Sie dürfen Offline-Anfragen nicht sehen.
console-offline-failed = Offline-Anfragen konnten nicht geladen werden ({ $status }).
console-offline-visitor = Besucher
console-offline-none = Keine Offline-Anfragen.
console-offline-new = Neue Offline-Anfrage von { $name }.
console-offline-new-anonymous = Neue Offline-Anfrage von einem Besucher.
console-offline-notify-title = Neue Offline-Anfrage

## Warteschlangen (Supervisoren und Admins)

console-queues-heading = Warteschlange
console-queues-refresh = Warteschlange aktualisieren
console-queues-none = Die Site hat keine Warteschlangen.
console-queues-forbidden = Sie dürfen die Warteschlangen nicht sehen.
console-queues-failed = Die Warteschlangen konnten nicht geladen werden ({ $status }); neuer Versuch.
console-queues-waiting-count = { $count ->
    [one] { $count } Besucher wartet,
   *[other] { $count } Besucher warten,
}
console-queues-live-count = { $count ->
    [one] { $count } laufender Chat.
   *[other] { $count } laufende Chats.
}
console-queues-waiting-heading = Wartend ({ $count })
console-queues-waiting-label = Wartend in { $queue }
console-queues-offered-to = Angeboten an { $name }
console-queues-place = Platz { $position } in der Reihe
console-queues-read-waiting = Den Chat lesen, der seit { $time } wartet
console-queues-nobody-waiting = Niemand wartet.
console-queues-live-heading = Live ({ $count })
console-queues-live-label = Laufende Chats in { $queue }
console-queues-read-live = Chat von { $name } lesen
console-queues-no-live = Keine laufenden Chats.
console-queues-read = Lesen
console-queues-live-for = seit { $time }
console-queues-waiting-for = wartet seit { $time }
console-queues-wrap-up-heading = Nachbearbeitung ({ $count })
console-queues-wrap-up-label = Nachbearbeitung in { $queue }
console-queues-read-wrap-up = Den Chat lesen, den { $name } nachbearbeitet
console-queues-no-wrap-up = Keine Nachbearbeitung.
console-queues-wrapping-for = in Nachbearbeitung seit { $time }
console-transcript-dialog-heading = Chat-Verlauf (nur lesen)
console-transcript-dialog-lines = Verlauf (nur lesen)
console-transcript-close = Schließen
console-transcript-loading = Verlauf wird geladen…
console-transcript-gone = Dieser Chat ist nicht mehr verfügbar.
console-transcript-failed = Der Verlauf konnte nicht geladen werden ({ $status }).
console-transcript-lines = { $count ->
    [one] { $count } Zeile.
   *[other] { $count } Zeilen.
}
console-transcript-lines-latest = { $count ->
    [one] { $count } Zeile (die neuesten).
   *[other] { $count } Zeilen (die neuesten).
}
console-transcript-page = Seite des Besuchers: { $url }.

## Ablehnungen des Desks (ERROR-Frames)

console-error-gone = Dieser Chat ist nicht mehr verfügbar.
console-error-forbidden = Das dürfen Sie nicht.
console-error-conversation-ended = Der Besucher hat diesen Chat bereits verlassen.
console-error-not-yours = Dieser Chat gehört nicht mehr Ihnen.
console-error-not-in-wrap-up = Dieser Chat wartet nicht mehr auf eine Nachbearbeitung.
console-error-transfer-to-self = Wählen Sie jemand anderen für die Weiterleitung.
console-error-transfer-target-unavailable = Diese Kollegin oder dieser Kollege ist nicht mehr angemeldet.
console-error-nobody-to-transfer-to = Für diese Warteschlange ist sonst niemand angemeldet.
console-error-unknown-pause-reason = Dieser Pausengrund ist nicht mehr eingerichtet.
console-error-bad-command = Die Konsole hat etwas gesendet, das der Server nicht verstanden hat.
