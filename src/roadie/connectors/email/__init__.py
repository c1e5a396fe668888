"""Email: receive over SMTP (``roadie smtpd``) and IMAP (``roadie imap-poll``), send over SMTP.

Every message is stored raw (``contacts.RawInbound``) before it is parsed; parsing, threading
and deduplication happen in :mod:`.intake`, sending in :mod:`.outbound`.
"""
