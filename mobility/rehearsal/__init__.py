"""The rehearsal: a whole service day played against the real service through its HTTP API.

The service (the same app as ``mobility serve``) runs on a settable clock that the rehearsal moves from one due
action to the next (:mod:`.clock`); residents book (:mod:`.residents`), drivers work their manifests
(:mod:`.drivers`), the dispatcher acts and the background work is triggered at simulated times (:mod:`.control`),
every response is counted and the feeds are checked at snapshots (:mod:`.checks`); the figures end in a table
(:mod:`.report`). This package knows the service only through HTTP and the small :class:`.ports.ServiceControl`
port the composition root (``mobility.cli.rehearse``) hands in.
"""
