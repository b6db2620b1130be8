# Textos de sistema del traspaso a un agente, escritos por el servidor en la conversación.

handoff-closed-outside-hours = Nuestro equipo no está disponible en este momento. Déjanos un mensaje y te responderemos por correo electrónico.
handoff-closed-nobody-available = Ahora mismo no hay nadie de nuestro equipo disponible. Déjanos un mensaje y te responderemos por correo electrónico.
handoff-closed-wait-too-long = Perdona la espera: nuestro equipo sigue ocupado. Déjanos un mensaje y te responderemos por correo electrónico.
handoff-cancelled = Has salido de la cola. Aquí estoy si necesitas algo más.
handoff-cancelled-gone = Estuviste ausente un rato, así que saliste de la cola. Aquí estoy si necesitas algo más.
