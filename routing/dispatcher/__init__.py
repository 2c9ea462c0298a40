"""The live plan of a service area: quote by insertion, atomic confirm, driver events, re-optimisation."""

from routing.dispatcher.background import ReoptimiseLoop
from routing.dispatcher.config import DispatcherConfig
from routing.dispatcher.events import EventError
from routing.dispatcher.live import LiveDispatcher

__all__ = ["DispatcherConfig", "EventError", "LiveDispatcher", "ReoptimiseLoop"]
