# Systemtexte der Dialog-Engine (staffetta-engine). Jede Nachricht wird von der Engine
# verwendet (MessageKey in engine/src/i18n.rs) und muss in jeder Sprache vorhanden sein.

## Erneute Fragen, wenn eine Antwort nicht verwendbar ist

engine-retry-text = Entschuldigung, das habe ich nicht verstanden. Können Sie es wiederholen?
engine-retry-pattern = Das Format scheint nicht zu stimmen. Bitte prüfen Sie es und versuchen Sie es erneut.
engine-retry-number = Bitte antworten Sie mit einer Zahl.
engine-retry-number-range = Bitte geben Sie eine Zahl zwischen { $min } und { $max } an.
engine-retry-number-min = Bitte geben Sie eine Zahl von mindestens { $min } an.
engine-retry-number-max = Bitte geben Sie eine Zahl von höchstens { $max } an.
engine-retry-date = Ich konnte das Datum nicht lesen. Bitte wählen Sie eines im Kalender.
engine-retry-date-range = Bitte wählen Sie ein Datum zwischen { $first } und { $last }.
engine-retry-date-from = Bitte wählen Sie { $first } oder ein späteres Datum.
engine-retry-date-until = Bitte wählen Sie { $last } oder ein früheres Datum.
engine-retry-date-weekday = Dieser Tag ist nicht verfügbar. Bitte wählen Sie ein Datum an einem dieser Tage: { $days }.
engine-retry-option = Bitte wählen Sie eine der Optionen.
engine-retry-yes-no = Bitte antworten Sie mit Ja oder Nein.
engine-retry-email = Das sieht nicht wie eine E-Mail-Adresse aus. Bitte versuchen Sie es erneut.
engine-ask-gave-up = Lassen wir das vorerst. Kann ich Ihnen sonst irgendwie helfen?

## Verstehen

engine-did-you-mean = Meinten Sie:
engine-none-of-these = Nichts davon
engine-fallback = Entschuldigung, das habe ich nicht verstanden. Können Sie es anders formulieren?
engine-offer-human = Ich habe Mühe, Sie zu verstehen. Möchten Sie mit einer Person sprechen?
engine-offer-human-declined = In Ordnung. Versuchen Sie es mit anderen Worten.
engine-connecting-to-agent = Ich sehe nach, ob jemand aus unserem Team verfügbar ist.
engine-handoff-reason = Der Besucher hat nach { $count ->
        [one] einer Nachricht, die der Bot nicht verstanden hat,
       *[other] { $count } Nachrichten, die der Bot nicht verstanden hat,
    } nach einer Person gefragt.

## Abschweifungen

engine-return-offer = Sollen wir zu „{ $topic }“ zurückkehren?
engine-return-declined = Gut, wir lassen „{ $topic }“ vorerst ruhen.

## Häufige Wörter

engine-yes = Ja
engine-no = Nein

## Sitzung

engine-session-expiring = Sind Sie noch da? Dieser Chat wird in { $minutes ->
        [one] einer Minute
       *[other] { $minutes } Minuten
    } geschlossen, wenn Sie nicht antworten.
engine-session-expiring-seconds = Sind Sie noch da? Dieser Chat wird in { $seconds ->
        [one] einer Sekunde
       *[other] { $seconds } Sekunden
    } geschlossen, wenn Sie nicht antworten.
engine-session-expired = Dieser Chat wurde wegen Inaktivität geschlossen. Senden Sie eine Nachricht, um einen neuen zu beginnen.
engine-session-restored = Willkommen zurück! Ihr vorheriger Chat war abgelaufen, daher beginnen wir neu.
engine-message-too-long = Ihre Nachricht ist zu lang. Bitte bleiben Sie unter { $limit } Zeichen.
engine-empty-message = Ich habe keinen Text erhalten. Können Sie Ihre Nachricht eingeben?
engine-dialog-changed = Entschuldigung, bei uns ist etwas schiefgelaufen. Fangen wir neu an: Wie kann ich helfen?

## Formatierung

engine-open-link = { $title } öffnen
engine-weekday = { $weekday ->
        [1] Montag
        [2] Dienstag
        [3] Mittwoch
        [4] Donnerstag
        [5] Freitag
        [6] Samstag
       *[7] Sonntag
    }
engine-date = { $weekday ->
        [1] Montag
        [2] Dienstag
        [3] Mittwoch
        [4] Donnerstag
        [5] Freitag
        [6] Samstag
       *[7] Sonntag
    }, { $day }. { $month ->
        [1] Januar
        [2] Februar
        [3] März
        [4] April
        [5] Mai
        [6] Juni
        [7] Juli
        [8] August
        [9] September
        [10] Oktober
        [11] November
       *[12] Dezember
    } { $year }
