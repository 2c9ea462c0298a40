"""Use cases of the booking service; they own the transaction boundary and know no HTTP.

* :class:`booking.service.context.ServiceContext` — sessions, Dispatcher, stops, clock, live bus, plan lock.
* :class:`booking.service.bookings.BookingService` — offers, bookings, cancel, ETA.
* :class:`booking.service.operations.OperationsService` — fleet, out of service, driver events, re-plan, restore.
* :class:`booking.service.accounts.AccountService` — accounts and credentials.
* :class:`booking.service.errors.ServiceError` — every failure a caller can understand (German detail).
"""
