# Textes système du transfert vers un conseiller, écrits par le serveur dans la conversation.

handoff-closed-outside-hours = Notre équipe n'est pas disponible pour le moment. Laissez-nous un message et nous vous répondrons par e-mail.
handoff-closed-nobody-available = Aucun membre de notre équipe n'est disponible pour le moment. Laissez-nous un message et nous vous répondrons par e-mail.
handoff-closed-wait-too-long = Désolés pour l'attente : notre équipe est encore occupée. Laissez-nous un message et nous vous répondrons par e-mail.
handoff-cancelled = Vous avez quitté la file d'attente. Je suis là si vous avez besoin d'autre chose.
handoff-cancelled-gone = Vous étiez absent un moment, vous avez donc quitté la file d'attente. Je suis là si vous avez besoin d'autre chose.
