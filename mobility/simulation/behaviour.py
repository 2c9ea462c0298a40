"""The rider behaviour model: ask for an offer, take an alternative time if offered, accept or decline, book."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from mobility.domain.ports import Dispatcher
from mobility.domain.rides import NoOffer, Offer, RideRequest
from mobility.simulation.scenario import BehaviourParams


@dataclass(frozen=True, slots=True)
class Answer:
    """What came of a request at submission: a confirmed offer, or why not (``reason``)."""

    offer: Offer | None
    declined: bool = False
    reason: str = ""


def shift_s(offer: Offer, request: RideRequest) -> float:
    """How far (seconds) the offer is from the wished time: pickup vs departure, or drop-off vs arrival."""
    if request.departure is not None:
        return abs((offer.planned_pickup - request.departure).total_seconds())
    assert request.arrival is not None
    return abs((request.arrival - offer.planned_dropoff).total_seconds())


def acceptable(offer: Offer, request: RideRequest, params: BehaviourParams) -> bool:
    """A rider takes an offer within ``max_shift_min`` of the wished time."""
    return shift_s(offer, request) <= params.max_shift_min * 60


def _alternative(answer: NoOffer, request: RideRequest, params: BehaviourParams) -> RideRequest | None:
    wished = request.requested_time
    near = [t for t in answer.alternatives if abs((t - wished).total_seconds()) <= params.max_shift_min * 60]
    if not near:
        return None
    best = min(near, key=lambda t: (abs((t - wished).total_seconds()), t))
    if request.departure is not None:
        return replace(request, departure=best)
    return replace(request, arrival=best)


def ask(dispatcher: Dispatcher, request: RideRequest, now: datetime, params: BehaviourParams) -> Answer:
    """Quote, maybe re-quote at an offered alternative time, accept or decline, and confirm an accepted offer."""
    quote = dispatcher.quote(request, now)
    if isinstance(quote, NoOffer) and params.accept_alternatives:
        alternative = _alternative(quote, request, params)
        if alternative is not None:
            second = dispatcher.quote(alternative, now)
            if isinstance(second, Offer):
                quote = second
    if isinstance(quote, NoOffer):
        return Answer(None, reason=quote.reason.value)
    if not acceptable(quote, request, params):
        return Answer(None, declined=True, reason="declined")
    booked = dispatcher.confirm(quote, request.id, now)
    if isinstance(booked, NoOffer):  # the seat went meanwhile: one fresh quote
        again = dispatcher.quote(request, now)
        if isinstance(again, NoOffer) or not acceptable(again, request, params):
            return Answer(None, reason=booked.reason.value)
        booked = dispatcher.confirm(again, request.id, now)
        if isinstance(booked, NoOffer):
            return Answer(None, reason=booked.reason.value)
    return Answer(booked)


