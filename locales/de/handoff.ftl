# Systemtexte der Übergabe an einen Mitarbeiter, vom Server in das Gespräch geschrieben.

handoff-closed-outside-hours = Unser Team ist gerade nicht erreichbar. Hinterlassen Sie uns eine Nachricht, wir antworten per E-Mail.
handoff-closed-nobody-available = Im Moment ist niemand aus unserem Team verfügbar. Hinterlassen Sie uns eine Nachricht, wir antworten per E-Mail.
handoff-closed-wait-too-long = Entschuldigen Sie die lange Wartezeit: Unser Team ist noch beschäftigt. Hinterlassen Sie uns eine Nachricht, wir antworten per E-Mail.
handoff-cancelled = Sie haben die Warteschlange verlassen. Ich bin hier, wenn Sie noch etwas brauchen.
handoff-cancelled-gone = Sie waren eine Weile nicht da, deshalb haben Sie die Warteschlange verlassen. Ich bin hier, wenn Sie noch etwas brauchen.
