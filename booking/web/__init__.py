"""Web pages for residents, dispatchers and drivers, built on the booking service's JSON API.

Mount them on an application with :func:`booking.web.mount_web`; the pages talk to ``/api/v1`` only.
"""

from booking.web.router import create_router, mount_web

__all__ = ["create_router", "mount_web"]
