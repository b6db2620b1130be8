# Textos de la consola de agentes (servidos por GET /api/v1/agent/texts). La consola rellena
# los marcadores como { $name }; un mensaje puede ser una sola selección sobre un número
# (plurales), nada más complejo.

## Página e inicio de sesión

console-title = Consola de agentes de Staffetta
console-title-sign-in = Iniciar sesión - Consola de agentes de Staffetta
console-brand-sub = consola de agentes
console-skip-link = Ir a las conversaciones
console-login-heading = Iniciar sesión
console-login-hint = El administrador de tu sitio te da el id del sitio, el login y la contraseña.
console-login-site = Id del sitio
console-login-login = Login
console-login-password = Contraseña
console-login-submit = Iniciar sesión
console-login-missing = Rellena el id del sitio, el login y la contraseña.
console-login-signing-in = Iniciando sesión…
console-login-invalid = El id del sitio, el login o la contraseña no son correctos.
console-login-ip-blocked = Demasiados inicios de sesión fallidos desde esta red.
console-login-account-blocked = Demasiados inicios de sesión fallidos para esta cuenta.
console-login-rate-limited = Demasiadas solicitudes.
console-login-network = No se puede contactar con el servidor. Comprueba la conexión y vuelve a intentarlo.
console-login-failed = No se pudo iniciar sesión ({ $status }).
console-login-retry-at = Vuelve a intentarlo a las { $time } ({ $in }).
console-login-retry-later = Vuelve a intentarlo más tarde.
console-login-retry-on = Vuelve a intentarlo el { $date } ({ $in }).
console-session-ended = Tu sesión ha terminado. Vuelve a iniciar sesión.
console-signed-out = Has cerrado la sesión.
console-server-unreachable = No se puede contactar con el servidor en este momento.
console-sign-out-failed = No se pudo cerrar la sesión ({ $status }).
console-sign-out-active = Termina tus chats en curso antes de cerrar la sesión.

## Barra superior

console-connection-connecting = Conectando…
console-connection-connected = Conectado
console-connection-reconnecting = Reconectando…
console-connection-offline = Sin conexión - reintentando
console-state-label = Mi estado
console-state-ready = Disponible
console-state-pause = Pausa
console-state-pause-reason = Pausa: { $reason }
console-state-paused = En pausa
console-state-paused-reason = En pausa: { $reason }
console-state-forced = En pausa: oferta perdida
console-state-logged-out = Fuera del desk
console-state-away = Ausente - reconectando
console-sound-on = Sonido activado
console-sound-off = Sonido desactivado
console-notify-enable = Activar notificaciones
console-notify-on = Las notificaciones de escritorio están activadas.
console-notify-off = Las notificaciones de escritorio siguen desactivadas.
console-sign-out = Cerrar sesión
console-not-connected = Sin conexión: la acción no se envió. Reconectando…
console-forced = Perdiste una oferta y se te puso en pausa. Elige Disponible para volver a recibir chats.
console-logged-out = Has salido del desk. Elige un estado para volver a entrar.

## Desk

console-offers-label = Chats entrantes
console-conversations-heading = Conversaciones
console-empty = No hay conversaciones. Cuando estés Disponible, los chats nuevos se te ofrecerán aquí.
console-side-label = Cola, equipo y solicitudes sin conexión
console-team-heading = Equipo
console-team-empty = No hay nadie más conectado al desk.
console-team-live = { $count ->
    [one] { $count } chat en curso
   *[other] { $count } chats en curso
}
console-team-wrap-up = { $count } en cierre

## Ofertas

console-offer-title = Chat nuevo
console-offer-title-queue = Chat nuevo para { $queue }
console-offer-accept = Aceptar
console-offer-accept-shortcut = Aceptar (Alt+Mayús+A)
console-offer-reject = Rechazar
console-offer-announce = Nueva oferta de chat: { $seconds } segundos para aceptar. Alt+Mayús+A acepta.
console-offer-announce-queue = Nueva oferta de chat para { $queue }: { $seconds } segundos para aceptar. Alt+Mayús+A acepta.
console-offer-notify-title = Nueva oferta de chat
console-offer-notify = Un visitante - acepta en { $seconds } s
console-offer-notify-queue = { $queue } - acepta en { $seconds } s
console-offer-visitor-wrote = El visitante escribió: «{ $text }»
console-offer-page = Página: { $url }
console-offer-left = { $seconds } s para aceptar
console-offer-time-up = Se acabó el tiempo
console-offer-hurry = { $seconds ->
    [one] Queda { $seconds } segundo para aceptar el chat.
   *[other] Quedan { $seconds } segundos para aceptar el chat.
}
console-offer-accepting = Aceptando…
console-offer-timed-out = La oferta caducó.
console-offer-withdrawn = La oferta se retiró: el visitante dejó de esperar.

## Conversaciones

console-chat-title = Chat { $n }
console-chat-title-queue = Chat { $n } · { $queue }
console-chat-transcript-label = Transcripción del chat { $n }
console-chat-open = El chat { $n } está abierto. El visitante te está esperando.
console-chat-status = Chat { $n }: { $status }
console-chat-closed = El chat { $n } está cerrado.
console-chat-closed-reason = El chat { $n } está cerrado ({ $reason }).
console-chat-visitor-said = Chat { $n }, visitante: { $text }
console-phase-live = En curso
console-phase-wrap-up = Cierre
console-visitor-about = Sobre el visitante
console-composer-label = Mensaje
console-composer-hint = Intro envía; Mayús+Intro empieza una línea nueva.
console-send = Enviar
console-end = Terminar chat
console-ending = Terminando el chat…
console-tools = Transferir o bloquear
console-transfer-label = Transferir a
console-transfer-choose = Elige…
console-transfer-queues = Colas
console-transfer-agents = Agentes
console-transfer-submit = Transferir
console-transfer-missing = Elige adónde transferir el chat.
console-transferring = Transfiriendo…
console-ban-label = Bloquear la dirección IP del visitante durante
console-ban-hour = 1 hora
console-ban-day = 1 día
console-ban-week = 1 semana
console-ban-ever = siempre (permanente)
console-ban-submit = Bloquear dirección IP
console-banning = Bloqueando la dirección del visitante…
console-banned-until = La dirección del visitante está bloqueada hasta el { $time }.
console-banned-forever = La dirección del visitante está bloqueada de forma permanente.
console-wrapup-heading = Cierre
console-wrapup-deadline = Termina antes de las { $time }; después el chat se cierra sin notas.
console-disposition-label = Resultado
console-disposition-solved = Resuelto
console-disposition-follow-up = Requiere seguimiento
console-disposition-not-solved = No resuelto
console-disposition-spam = Spam
console-notes-label = Notas
console-wrapup-submit = Terminar el cierre
console-wrapup-saving = Guardando el cierre…
console-cleared-agent = Terminaste el chat.
console-cleared-visitor = El visitante dejó el chat.
console-cleared-transferred = El chat se transfirió.
console-cleared-agent-lost = El chat volvió a la cola mientras no estabas.
console-cleared-other = El chat terminó.
console-cleared-wrap-up = { $why } Completa el cierre.
console-visitor-typing = El visitante está escribiendo…
console-history-failed = No se pudo cargar el historial ({ $status }).
console-visitor-page = Página
console-visitor-referrer = Procedencia
console-visitor-device = Dispositivo
console-visitor-browser = Navegador
console-visitor-browser-on = { $browser } en { $system }
console-visitor-place = Lugar
console-visitor-language = Idioma
console-visitor-ip = Dirección IP
console-visitor-earlier = Chats anteriores
console-visitor-earlier-none = ninguno
console-visitor-earlier-count = Chats anteriores ({ $count })
console-earlier-chat-label = Chat del { $when }
console-earlier-chat-none = Sin transcripción: este chat nunca llegó a una persona.
console-earlier-chat-failed = No se pudo cargar el chat.

## Transcripción

console-from-visitor = Visitante
console-from-bot = Bot
console-from-agent = Agente
console-from-system = Sistema
console-handoff-mark = Pasado del bot a una persona
console-event-agent-joined = { $name } se unió al chat.
console-event-agent-joined-anonymous = Un agente se unió al chat.
console-event-agent-left = { $name } dejó el chat.
console-event-agent-left-anonymous = El agente dejó el chat.
console-event-agent-reconnecting = { $name } perdió la conexión; al visitante se le dijo que se está reconectando.
console-event-agent-reconnecting-anonymous = El agente perdió la conexión; al visitante se le dijo que se está reconectando.
console-event-agent-reconnected = { $name } volvió a tiempo.
console-event-agent-reconnected-anonymous = El agente volvió a tiempo.
console-event-queue-position = Esperando a un agente: posición { $position }.
console-event-queue-position-wait = Esperando a un agente: posición { $position }, unos { $minutes } min.
console-event-queue-closed = Nadie pudo atender el chat.
console-event-visitor-gone = El visitante se fue y dejó la cola.
console-event-handoff-cancelled = El visitante dejó de esperar.
console-event-ended-by-visitor = El visitante terminó el chat.
console-event-ended-by-bot = El bot terminó el chat.
console-event-ended-by-agent = El agente terminó el chat.
console-event-ended-by-system = El sistema terminó el chat.
console-event-session-expired = La sesión del visitante caducó.
console-event-identity-expired = El inicio de sesión del visitante caducó.
console-earlier-load = Cargar mensajes anteriores
console-earlier-loading = Cargando mensajes anteriores…
console-earlier-failed = No se pudieron cargar los mensajes anteriores ({ $status }). Vuelve a intentarlo.
console-earlier-added = { $count ->
    [one] Se añadió { $count } línea anterior.
   *[other] Se añadieron { $count } líneas anteriores.
}
console-earlier-added-start = { $count ->
    [one] Se añadió { $count } línea anterior: este es el comienzo de la conversación.
   *[other] Se añadieron { $count } líneas anteriores: este es el comienzo de la conversación.
}

## Solicitudes sin conexión

console-offline-heading = Solicitudes sin conexión
console-offline-refresh = Actualizar la lista
console-offline-forbidden = No puedes ver las solicitudes sin conexión.
console-offline-failed = No se pudieron cargar las solicitudes sin conexión ({ $status }).
console-offline-visitor = Visitante
console-offline-none = No hay solicitudes sin conexión.
console-offline-new = Nueva solicitud sin conexión de { $name }.
console-offline-new-anonymous = Nueva solicitud sin conexión de un visitante.
console-offline-notify-title = Nueva solicitud sin conexión

## Panel de cola (supervisores y administradores)

console-queues-heading = Cola
console-queues-refresh = Actualizar la cola
console-queues-none = El sitio no tiene colas.
console-queues-forbidden = No puedes ver las colas.
console-queues-failed = No se pudieron cargar las colas ({ $status }); reintentando.
console-queues-waiting-count = { $count ->
    [one] { $count } visitante esperando,
   *[other] { $count } visitantes esperando,
}
console-queues-live-count = { $count ->
    [one] { $count } chat en curso.
   *[other] { $count } chats en curso.
}
console-queues-waiting-heading = Esperando ({ $count })
console-queues-waiting-label = Esperando en { $queue }
console-queues-offered-to = Ofrecido a { $name }
console-queues-place = Posición { $position } en la cola
console-queues-read-waiting = Leer el chat que espera desde las { $time }
console-queues-nobody-waiting = No hay nadie esperando.
console-queues-live-heading = En curso ({ $count })
console-queues-live-label = Chats en curso en { $queue }
console-queues-read-live = Leer el chat de { $name }
console-queues-no-live = No hay chats en curso.
console-queues-read = Leer
console-queues-live-for = desde hace { $time }
console-queues-waiting-for = esperando desde hace { $time }
console-queues-wrap-up-heading = Trabajo posterior ({ $count })
console-queues-wrap-up-label = Trabajo posterior en { $queue }
console-queues-read-wrap-up = Leer el chat que { $name } está cerrando
console-queues-no-wrap-up = No hay trabajo posterior.
console-queues-wrapping-for = cerrando desde hace { $time }
console-transcript-dialog-heading = Transcripción del chat (solo lectura)
console-transcript-dialog-lines = Transcripción (solo lectura)
console-transcript-close = Cerrar
console-transcript-loading = Cargando la transcripción…
console-transcript-gone = Este chat ya no está disponible.
console-transcript-failed = No se pudo cargar la transcripción ({ $status }).
console-transcript-lines = { $count ->
    [one] { $count } línea.
   *[other] { $count } líneas.
}
console-transcript-lines-latest = { $count ->
    [one] { $count } línea (las más recientes).
   *[other] { $count } líneas (las más recientes).
}
console-transcript-page = Página del visitante: { $url }.

## Rechazos del desk (tramas ERROR)

console-error-gone = Ese chat ya no está disponible.
console-error-forbidden = No tienes permiso para hacer eso.
console-error-conversation-ended = El visitante ya dejó este chat.
console-error-not-yours = Este chat ya no es tuyo.
console-error-not-in-wrap-up = Este chat ya no espera un cierre.
console-error-transfer-to-self = Elige a otra persona para transferir.
console-error-transfer-target-unavailable = Ese compañero ya no está conectado.
console-error-nobody-to-transfer-to = No hay nadie más conectado para esa cola.
console-error-unknown-pause-reason = Ese motivo de pausa ya no está configurado.
console-error-bad-command = La consola envió algo que el servidor no entendió.
