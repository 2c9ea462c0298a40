"""Adapters of the rider notice channels (:class:`booking.service.ports.NoticeChannel`): e-mail over SMTP, SMS."""
