# Textos de sistema del motor de diálogos (staffetta-engine). Cada mensaje lo usa el motor
# (MessageKey en engine/src/i18n.rs) y debe existir en todos los idiomas.

## Nuevas preguntas cuando una respuesta no sirve

engine-retry-text = Perdona, no te he entendido. ¿Puedes repetirlo?
engine-retry-pattern = El formato no parece correcto. Revísalo e inténtalo de nuevo.
engine-retry-number = Responde con un número, por favor.
engine-retry-number-range = Indica un número entre { $min } y { $max }.
engine-retry-number-min = Indica un número de al menos { $min }.
engine-retry-number-max = Indica un número no mayor que { $max }.
engine-retry-date = No he podido leer la fecha. Elige una en el calendario.
engine-retry-date-range = Elige una fecha entre el { $first } y el { $last }.
engine-retry-date-from = Elige el { $first } o una fecha posterior.
engine-retry-date-until = Elige el { $last } o una fecha anterior.
engine-retry-date-weekday = Ese día no está disponible. Elige una fecha en uno de estos días: { $days }.
engine-retry-option = Elige una de las opciones, por favor.
engine-retry-yes-no = Responde sí o no, por favor.
engine-retry-email = No parece una dirección de correo electrónico. Inténtalo de nuevo.
engine-ask-gave-up = Dejémoslo por ahora. ¿Puedo ayudarte con otra cosa?

## Comprensión

engine-did-you-mean = ¿Quisiste decir:
engine-none-of-these = Ninguna de estas
engine-fallback = Perdona, no te he entendido. ¿Puedes decirlo de otra manera?
engine-offer-human = Me cuesta entenderte. ¿Quieres hablar con una persona?
engine-offer-human-declined = De acuerdo. Prueba a preguntármelo con otras palabras.
engine-connecting-to-agent = Voy a ver si hay alguien de nuestro equipo disponible.
engine-handoff-reason = El visitante pidió una persona después de { $count ->
        [one] un mensaje que el bot no entendió
       *[other] { $count } mensajes que el bot no entendió
    }.

## Digresiones

engine-return-offer = ¿Volvemos a «{ $topic }»?
engine-return-declined = De acuerdo, dejamos «{ $topic }» por ahora.

## Palabras comunes

engine-yes = Sí
engine-no = No

## Sesión

engine-session-expiring = ¿Sigues ahí? Este chat se cerrará en { $minutes ->
        [one] un minuto
       *[other] { $minutes } minutos
    } si no respondes.
engine-session-expiring-seconds = ¿Sigues ahí? Este chat se cerrará en { $seconds ->
        [one] un segundo
       *[other] { $seconds } segundos
    } si no respondes.
engine-session-expired = Este chat se cerró por inactividad. Envía un mensaje para empezar uno nuevo.
engine-session-restored = ¡Hola de nuevo! Tu chat anterior había caducado, así que empezamos de cero.
engine-message-too-long = Tu mensaje es demasiado largo. No superes los { $limit } caracteres.
engine-empty-message = No he recibido ningún texto. ¿Puedes escribir tu mensaje?
engine-dialog-changed = Perdona, algo ha fallado por nuestra parte. Empecemos de nuevo: ¿en qué puedo ayudarte?

## Formato

engine-open-link = Abrir { $title }
engine-weekday = { $weekday ->
        [1] lunes
        [2] martes
        [3] miércoles
        [4] jueves
        [5] viernes
        [6] sábado
       *[7] domingo
    }
engine-date = { $weekday ->
        [1] lunes
        [2] martes
        [3] miércoles
        [4] jueves
        [5] viernes
        [6] sábado
       *[7] domingo
    }, { $day } de { $month ->
        [1] enero
        [2] febrero
        [3] marzo
        [4] abril
        [5] mayo
        [6] junio
        [7] julio
        [8] agosto
        [9] septiembre
        [10] octubre
        [11] noviembre
       *[12] diciembre
    } de { $year }
