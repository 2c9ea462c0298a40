"""German texts for residents and dispatchers, one per rejection reason."""

from __future__ import annotations

from mobility.domain.rides import RejectionReason

MESSAGES: dict[RejectionReason, str] = {
    RejectionReason.OUTSIDE_SERVICE_AREA: "Der Ort liegt außerhalb des Bediengebiets Salzlandkreis.",
    RejectionReason.NO_STOP_NEARBY: "In Gehweite gibt es keine Haltestelle des Rufbusses.",
    RejectionReason.SAME_ORIGIN_DESTINATION: "Start und Ziel führen zur selben Haltestelle.",
    RejectionReason.OUTSIDE_SERVICE_HOURS: "Zu dieser Zeit fährt kein Rufbus.",
    RejectionReason.TOO_SHORT_NOTICE: "Die Fahrt wurde zu kurzfristig angefragt.",
    RejectionReason.BEYOND_HORIZON: "So weit im Voraus kann noch nicht gebucht werden.",
    RejectionReason.IN_THE_PAST: "Der gewünschte Zeitpunkt liegt in der Vergangenheit.",
    RejectionReason.NO_SUITABLE_VEHICLE: "Kein Fahrzeug der Flotte hat Platz für diese Gruppe und ihren Bedarf.",
    RejectionReason.NO_CAPACITY: "Zur gewünschten Zeit ist leider kein Platz mehr frei.",
    RejectionReason.OFFER_EXPIRED: "Das Angebot ist abgelaufen. Bitte fragen Sie die Fahrt erneut an.",
}

SEAT_GONE = "Der angebotene Platz ist inzwischen vergeben. Bitte fragen Sie ein neues Angebot an."


def message(reason: RejectionReason) -> str:
    """The German text for ``reason``."""
    return MESSAGES[reason]
