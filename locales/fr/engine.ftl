# Textes système du moteur de dialogue (staffetta-engine). Chaque message est utilisé par
# le moteur (MessageKey dans engine/src/i18n.rs) et doit exister dans chaque langue.

## Nouvelles demandes quand une réponse est inutilisable

engine-retry-text = Désolé, je n'ai pas compris. Pouvez-vous répéter ?
engine-retry-pattern = Le format ne semble pas correct. Vérifiez et réessayez.
engine-retry-number = Merci de répondre par un nombre.
engine-retry-number-range = Indiquez un nombre entre { $min } et { $max }.
engine-retry-number-min = Indiquez un nombre d’au moins { $min }.
engine-retry-number-max = Indiquez un nombre d’au plus { $max }.
engine-retry-date = Je n'arrive pas à lire cette date. Choisissez-en une dans le calendrier.
engine-retry-date-range = Choisissez une date entre le { $first } et le { $last }.
engine-retry-date-from = Choisissez le { $first } ou une date ultérieure.
engine-retry-date-until = Choisissez le { $last } ou une date antérieure.
engine-retry-date-weekday = Ce jour n'est pas disponible. Choisissez une date un de ces jours : { $days }.
engine-retry-option = Merci de choisir l'une des options.
engine-retry-yes-no = Merci de répondre par oui ou par non.
engine-retry-email = Cela ne ressemble pas à une adresse e-mail. Réessayez.
engine-ask-gave-up = Laissons cela pour l'instant. Puis-je vous aider pour autre chose ?

## Compréhension

engine-did-you-mean = Vouliez-vous dire :
engine-none-of-these = Aucune de ces options
engine-fallback = Désolé, je n'ai pas compris. Pouvez-vous reformuler ?
engine-offer-human = J'ai du mal à vous comprendre. Voulez-vous parler à une personne ?
engine-offer-human-declined = D'accord. Essayez de me le demander autrement.
engine-connecting-to-agent = Je regarde si un membre de notre équipe est disponible.
engine-handoff-reason = Le visiteur a demandé une personne après { $count ->
        [one] un message que le bot n'a pas compris
       *[other] { $count } messages que le bot n'a pas compris
    }.

## Digressions

engine-return-offer = Voulez-vous revenir à « { $topic } » ?
engine-return-declined = D’accord, nous laissons « { $topic } » de côté pour l’instant.

## Mots courants

engine-yes = Oui
engine-no = Non

## Session

engine-session-expiring = Êtes-vous toujours là ? Cette conversation se fermera dans { $minutes ->
        [one] une minute
       *[other] { $minutes } minutes
    } sans réponse de votre part.
engine-session-expiring-seconds = Êtes-vous toujours là ? Cette conversation se fermera dans { $seconds ->
        [one] une seconde
       *[other] { $seconds } secondes
    } sans réponse de votre part.
engine-session-expired = Cette conversation a été fermée pour inactivité. Envoyez un message pour en commencer une nouvelle.
engine-session-restored = Bon retour ! Votre conversation précédente avait expiré, nous repartons de zéro.
engine-message-too-long = Votre message est trop long. Restez sous { $limit } caractères.
engine-empty-message = Je n'ai reçu aucun texte. Pouvez-vous écrire votre message ?
engine-dialog-changed = Désolé, un problème est survenu de notre côté. Recommençons : comment puis-je vous aider ?

## Mise en forme

engine-open-link = Ouvrir { $title }
engine-weekday = { $weekday ->
        [1] lundi
        [2] mardi
        [3] mercredi
        [4] jeudi
        [5] vendredi
        [6] samedi
       *[7] dimanche
    }
engine-date = { $weekday ->
        [1] lundi
        [2] mardi
        [3] mercredi
        [4] jeudi
        [5] vendredi
        [6] samedi
       *[7] dimanche
    } { $day } { $month ->
        [1] janvier
        [2] février
        [3] mars
        [4] avril
        [5] mai
        [6] juin
        [7] juillet
        [8] août
        [9] septembre
        [10] octobre
        [11] novembre
       *[12] décembre
    } { $year }
