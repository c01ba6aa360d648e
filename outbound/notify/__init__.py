"""Texts, emails and letters through GOV.UK Notify, joined to the call queue.

A campaign template declares its messages (``templates``); enrolment, bookings and
expiry dates queue them in the outbox with a reference (``outbox``, ``due``); one
sender in ``outbound serve`` sends each exactly once within Notify's limits
(``sender``, ``client``) and asks what became of it; a message that cannot go, or
fails, becomes a call with the reason shown to the agent (``status``); and the
per-person outcome goes to the commissioners (``outcomes``).
"""
