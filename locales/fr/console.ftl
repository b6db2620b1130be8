# Textes de la console des agents (servis par GET /api/v1/agent/texts). Les paramètres
# comme { $name } sont remplis par la console ; un message peut être un seul choix sur un
# nombre (pluriels), rien de plus complexe.

## Page et connexion

console-title = Console agents Staffetta
console-title-sign-in = Connexion - Console agents Staffetta
console-brand-sub = console agents
console-skip-link = Aller aux conversations
console-login-heading = Connexion
console-login-hint = L'administrateur de votre site vous donne l'identifiant du site, le login et le mot de passe.
console-login-site = Identifiant du site
console-login-login = Login
console-login-password = Mot de passe
console-login-submit = Se connecter
console-login-missing = Renseignez l'identifiant du site, le login et le mot de passe.
console-login-signing-in = Connexion…
console-login-invalid = L'identifiant du site, le login ou le mot de passe est incorrect.
console-login-ip-blocked = Trop de connexions échouées depuis ce réseau.
console-login-account-blocked = Trop de connexions échouées pour ce compte.
console-login-rate-limited = Trop de requêtes.
console-login-network = Le serveur est injoignable. Vérifiez la connexion et réessayez.
console-login-failed = Échec de la connexion ({ $status }).
console-login-retry-at = Réessayez à { $time } ({ $in }).
console-login-retry-later = Réessayez plus tard.
console-login-retry-on = Réessayez le { $date } ({ $in }).
console-session-ended = Votre session est terminée. Reconnectez-vous.
console-signed-out = Vous êtes déconnecté.
console-server-unreachable = Le serveur est injoignable pour le moment.
console-sign-out-failed = Échec de la déconnexion ({ $status }).
console-sign-out-active = Terminez vos chats en cours avant de vous déconnecter.

## Barre du haut

console-connection-connecting = Connexion…
console-connection-connected = Connecté
console-connection-reconnecting = Reconnexion…
console-connection-offline = Hors ligne - nouvel essai
console-state-label = Mon statut
console-state-ready = Disponible
console-state-pause = Pause
console-state-pause-reason = Pause : { $reason }
console-state-paused = En pause
console-state-paused-reason = En pause : { $reason }
console-state-forced = En pause : offre manquée
console-state-logged-out = Déconnecté du desk
console-state-away = Absent - reconnexion
console-sound-on = Son activé
console-sound-off = Son coupé
console-notify-enable = Activer les notifications
console-notify-on = Les notifications du bureau sont activées.
console-notify-off = Les notifications du bureau restent désactivées.
console-sign-out = Se déconnecter
console-not-connected = Non connecté : l'action n'a pas été envoyée. Reconnexion…
console-forced = Vous avez manqué une offre et avez été mis en pause. Choisissez Disponible pour recevoir à nouveau des chats.
console-logged-out = Vous êtes déconnecté du desk. Choisissez un statut pour vous reconnecter.

## Desk

console-offers-label = Chats entrants
console-conversations-heading = Conversations
console-empty = Aucune conversation. Quand vous êtes Disponible, les nouveaux chats vous sont proposés ici.
console-side-label = File d'attente, équipe et demandes hors ligne
console-team-heading = Équipe
console-team-empty = Personne d'autre n'est connecté au desk.
console-team-live = { $count ->
    [one] { $count } chat en cours
   *[other] { $count } chats en cours
}
console-team-wrap-up = { $count } en clôture

## Offres

console-offer-title = Nouveau chat
console-offer-title-queue = Nouveau chat pour { $queue }
console-offer-accept = Accepter
console-offer-accept-shortcut = Accepter (Alt+Maj+A)
console-offer-reject = Refuser
console-offer-announce = Nouvelle offre de chat : { $seconds } secondes pour accepter. Alt+Maj+A accepte.
console-offer-announce-queue = Nouvelle offre de chat pour { $queue } : { $seconds } secondes pour accepter. Alt+Maj+A accepte.
console-offer-notify-title = Nouvelle offre de chat
console-offer-notify = Un visiteur - acceptez dans les { $seconds } s
console-offer-notify-queue = { $queue } - acceptez dans les { $seconds } s
console-offer-visitor-wrote = Le visiteur a écrit : « { $text } »
console-offer-page = Page : { $url }
console-offer-left = { $seconds } s pour accepter
console-offer-time-up = Le temps est écoulé
console-offer-hurry = { $seconds ->
    [one] Plus que { $seconds } seconde pour accepter le chat.
   *[other] Plus que { $seconds } secondes pour accepter le chat.
}
console-offer-accepting = Acceptation…
console-offer-timed-out = L'offre a expiré.
console-offer-withdrawn = L'offre a été retirée : le visiteur n'attend plus.

## Conversations

console-chat-title = Chat { $n }
console-chat-title-queue = Chat { $n } · { $queue }
console-chat-transcript-label = Transcription du chat { $n }
console-chat-open = Le chat { $n } est ouvert. Le visiteur vous attend.
console-chat-status = Chat { $n } : { $status }
console-chat-closed = Le chat { $n } est fermé.
console-chat-closed-reason = Le chat { $n } est fermé ({ $reason }).
console-chat-visitor-said = Chat { $n }, visiteur : { $text }
console-phase-live = En cours
console-phase-wrap-up = Clôture
console-visitor-about = À propos du visiteur
console-composer-label = Message
console-composer-hint = Entrée envoie ; Maj+Entrée commence une nouvelle ligne.
console-send = Envoyer
console-end = Terminer le chat
console-ending = Fin du chat…
console-tools = Transférer ou bannir
console-transfer-label = Transférer à
console-transfer-choose = Choisir…
console-transfer-queues = Files d'attente
console-transfer-agents = Agents
console-transfer-submit = Transférer
console-transfer-missing = Choisissez où transférer le chat.
console-transferring = Transfert…
console-ban-label = Bannir l'adresse IP du visiteur pendant
console-ban-hour = 1 heure
console-ban-day = 1 jour
console-ban-week = 1 semaine
console-ban-ever = toujours (permanent)
console-ban-submit = Bannir l'adresse IP
console-banning = Bannissement de l'adresse du visiteur…
console-banned-until = L'adresse du visiteur est bannie jusqu'au { $time }.
console-banned-forever = L'adresse du visiteur est bannie définitivement.
console-wrapup-heading = Clôture
console-wrapup-deadline = Terminez avant { $time } ; ensuite le chat est fermé sans notes.
console-disposition-label = Résultat
console-disposition-solved = Résolu
console-disposition-follow-up = À relancer
console-disposition-not-solved = Non résolu
console-disposition-spam = Spam
console-notes-label = Notes
console-wrapup-submit = Terminer la clôture
console-wrapup-saving = Enregistrement de la clôture…
console-cleared-agent = Vous avez terminé le chat.
console-cleared-visitor = Le visiteur a quitté le chat.
console-cleared-transferred = Le chat a été transféré.
console-cleared-agent-lost = Le chat est retourné dans la file d'attente pendant votre absence.
console-cleared-other = Le chat est terminé.
console-cleared-wrap-up = { $why } Remplissez la clôture.
console-visitor-typing = Le visiteur écrit…
console-history-failed = L'historique n'a pas pu être chargé ({ $status }).
console-visitor-page = Page
console-visitor-referrer = Provenance
console-visitor-device = Appareil
console-visitor-browser = Navigateur
console-visitor-browser-on = { $browser } sur { $system }
console-visitor-place = Lieu
console-visitor-language = Langue
console-visitor-ip = Adresse IP
console-visitor-earlier = Chats précédents
console-visitor-earlier-none = aucun
console-visitor-earlier-count = Chats précédents ({ $count })
console-earlier-chat-label = Chat du { $when }
console-earlier-chat-none = Pas de transcription : ce chat n'a jamais atteint une personne.
console-earlier-chat-failed = Le chat n'a pas pu être chargé.

## Transcription

console-from-visitor = Visiteur
console-from-bot = Bot
console-from-agent = Agent
console-from-system = Système
console-handoff-mark = Transmis du bot à une personne
console-event-agent-joined = { $name } a rejoint le chat.
console-event-agent-joined-anonymous = Un agent a rejoint le chat.
console-event-agent-left = { $name } a quitté le chat.
console-event-agent-left-anonymous = L'agent a quitté le chat.
console-event-agent-reconnecting = { $name } a perdu la connexion ; le visiteur a été informé de la reconnexion.
console-event-agent-reconnecting-anonymous = L'agent a perdu la connexion ; le visiteur a été informé de la reconnexion.
console-event-agent-reconnected = { $name } est revenu à temps.
console-event-agent-reconnected-anonymous = L'agent est revenu à temps.
console-event-queue-position = En attente d'un agent : position { $position }.
console-event-queue-position-wait = En attente d'un agent : position { $position }, environ { $minutes } min.
console-event-queue-closed = Personne n'a pu prendre le chat.
console-event-visitor-gone = Le visiteur est parti et a quitté la file d'attente.
console-event-handoff-cancelled = Le visiteur n'attend plus.
console-event-ended-by-visitor = Le chat a été terminé par le visiteur.
console-event-ended-by-bot = Le chat a été terminé par le bot.
console-event-ended-by-agent = Le chat a été terminé par l'agent.
console-event-ended-by-system = Le chat a été terminé par le système.
console-event-session-expired = La session du visiteur a expiré.
console-event-identity-expired = La connexion du visiteur a expiré.
console-earlier-load = Charger les messages précédents
console-earlier-loading = Chargement des messages précédents…
console-earlier-failed = Les messages précédents n'ont pas pu être chargés ({ $status }). Réessayez.
console-earlier-added = { $count ->
    [one] { $count } ligne précédente ajoutée.
   *[other] { $count } lignes précédentes ajoutées.
}
console-earlier-added-start = { $count ->
    [one] { $count } ligne précédente ajoutée : c'est le début de la conversation.
   *[other] { $count } lignes précédentes ajoutées : c'est le début de la conversation.
}

## Demandes hors ligne

console-offline-heading = Demandes hors ligne
console-offline-refresh = Actualiser la liste
console-offline-forbidden = Vous ne pouvez pas voir les demandes hors ligne.
console-offline-failed = Les demandes hors ligne n'ont pas pu être chargées ({ $status }).
console-offline-visitor = Visiteur
console-offline-none = Aucune demande hors ligne.
console-offline-new = Nouvelle demande hors ligne de { $name }.
console-offline-new-anonymous = Nouvelle demande hors ligne d'un visiteur.
console-offline-notify-title = Nouvelle demande hors ligne

## Files d'attente (superviseurs et administrateurs)

console-queues-heading = File d'attente
console-queues-refresh = Actualiser la file d'attente
console-queues-none = Le site n'a pas de file d'attente.
console-queues-forbidden = Vous ne pouvez pas voir les files d'attente.
console-queues-failed = Les files d'attente n'ont pas pu être chargées ({ $status }) ; nouvel essai.
console-queues-waiting-count = { $count ->
    [one] { $count } visiteur en attente,
   *[other] { $count } visiteurs en attente,
}
console-queues-live-count = { $count ->
    [one] { $count } chat en cours.
   *[other] { $count } chats en cours.
}
console-queues-waiting-heading = En attente ({ $count })
console-queues-waiting-label = En attente dans { $queue }
console-queues-offered-to = Proposé à { $name }
console-queues-place = Position { $position } dans la file
console-queues-read-waiting = Lire le chat en attente depuis { $time }
console-queues-nobody-waiting = Personne n'attend.
console-queues-live-heading = En cours ({ $count })
console-queues-live-label = Chats en cours dans { $queue }
console-queues-read-live = Lire le chat de { $name }
console-queues-no-live = Aucun chat en cours.
console-queues-read = Lire
console-queues-live-for = depuis { $time }
console-queues-waiting-for = en attente depuis { $time }
console-queues-wrap-up-heading = Travail après chat ({ $count })
console-queues-wrap-up-label = Travail après chat dans { $queue }
console-queues-read-wrap-up = Lire le chat que { $name } termine
console-queues-no-wrap-up = Aucun travail après chat.
console-queues-wrapping-for = en clôture depuis { $time }
console-transcript-dialog-heading = Transcription du chat (lecture seule)
console-transcript-dialog-lines = Transcription (lecture seule)
console-transcript-close = Fermer
console-transcript-loading = Chargement de la transcription…
console-transcript-gone = Ce chat n'est plus disponible.
console-transcript-failed = La transcription n'a pas pu être chargée ({ $status }).
console-transcript-lines = { $count ->
    [one] { $count } ligne.
   *[other] { $count } lignes.
}
console-transcript-lines-latest = { $count ->
    [one] { $count } ligne (les plus récentes).
   *[other] { $count } lignes (les plus récentes).
}
console-transcript-page = Page du visiteur : { $url }.

## Refus du desk (trames ERROR)

console-error-gone = Ce chat n'est plus disponible.
console-error-forbidden = Vous n'avez pas le droit de faire cela.
console-error-conversation-ended = Le visiteur a déjà quitté ce chat.
console-error-not-yours = Ce chat n'est plus le vôtre.
console-error-not-in-wrap-up = Ce chat n'attend plus de clôture.
console-error-transfer-to-self = Choisissez quelqu'un d'autre pour le transfert.
console-error-transfer-target-unavailable = Ce collègue n'est plus connecté.
console-error-nobody-to-transfer-to = Personne d'autre n'est connecté pour cette file d'attente.
console-error-unknown-pause-reason = Ce motif de pause n'est plus configuré.
console-error-bad-command = La console a envoyé quelque chose que le serveur n'a pas compris.
