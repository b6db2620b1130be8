# Testi di sistema del motore dei dialoghi (staffetta-engine). Ogni messaggio è usato dal
# motore (MessageKey in engine/src/i18n.rs) e deve esistere in ogni lingua.

## Nuove richieste quando una risposta non è utilizzabile

engine-retry-text = Scusa, non ho capito. Puoi ripetere?
engine-retry-pattern = Non sembra nel formato giusto. Controlla e riprova.
engine-retry-number = Rispondi con un numero, per favore.
engine-retry-number-range = Indica un numero tra { $min } e { $max }.
engine-retry-number-min = Indica un numero non inferiore a { $min }.
engine-retry-number-max = Indica un numero non superiore a { $max }.
engine-retry-date = Non riesco a leggere la data. Sceglila dal calendario.
engine-retry-date-range = Scegli una data tra { $first } e { $last }.
engine-retry-date-from = Scegli { $first } o una data successiva.
engine-retry-date-until = Scegli { $last } o una data precedente.
engine-retry-date-weekday = Quel giorno non è disponibile. Scegli una data in uno di questi giorni: { $days }.
engine-retry-option = Scegli una delle opzioni, per favore.
engine-retry-yes-no = Rispondi sì o no, per favore.
engine-retry-email = Non sembra un indirizzo email. Riprova.
engine-ask-gave-up = Lasciamo perdere per ora. Posso aiutarti in qualcos'altro?

## Comprensione

engine-did-you-mean = Forse intendevi:
engine-none-of-these = Nessuna di queste
engine-fallback = Scusa, non ho capito. Puoi dirlo in un altro modo?
engine-offer-human = Faccio fatica a capirti. Vuoi parlare con una persona?
engine-offer-human-declined = Va bene. Prova a chiedermelo con altre parole.
engine-connecting-to-agent = Vediamo se c'è una persona del nostro team disponibile.
engine-handoff-reason = Il visitatore ha chiesto una persona dopo { $count ->
        [one] un messaggio che il bot non ha capito
       *[other] { $count } messaggi che il bot non ha capito
    }.

## Digressioni

engine-return-offer = Torniamo a «{ $topic }»?
engine-return-declined = D’accordo, lasciamo «{ $topic }» per ora.

## Parole comuni

engine-yes = Sì
engine-no = No

## Sessione

engine-session-expiring = Ci sei ancora? Questa chat si chiuderà tra { $minutes ->
        [one] un minuto
       *[other] { $minutes } minuti
    } se non rispondi.
engine-session-expiring-seconds = Ci sei ancora? Questa chat si chiuderà tra { $seconds ->
        [one] un secondo
       *[other] { $seconds } secondi
    } se non rispondi.
engine-session-expired = Questa chat è stata chiusa per inattività. Scrivi un messaggio per iniziarne una nuova.
engine-session-restored = Bentornato! La chat precedente era scaduta, quindi ricominciamo da capo.
engine-message-too-long = Il messaggio è troppo lungo. Resta sotto i { $limit } caratteri.
engine-empty-message = Non ho ricevuto testo. Puoi scrivere il tuo messaggio?
engine-dialog-changed = Scusa, qualcosa è andato storto da parte nostra. Ricominciamo: come posso aiutarti?

## Formattazione

engine-open-link = Apri { $title }
engine-weekday = { $weekday ->
        [1] lunedì
        [2] martedì
        [3] mercoledì
        [4] giovedì
        [5] venerdì
        [6] sabato
       *[7] domenica
    }
engine-date = { $weekday ->
        [1] lunedì
        [2] martedì
        [3] mercoledì
        [4] giovedì
        [5] venerdì
        [6] sabato
       *[7] domenica
    } { $day } { $month ->
        [1] gennaio
        [2] febbraio
        [3] marzo
        [4] aprile
        [5] maggio
        [6] giugno
        [7] luglio
        [8] agosto
        [9] settembre
        [10] ottobre
        [11] novembre
       *[12] dicembre
    } { $year }
