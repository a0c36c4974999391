"""The transactional outbox: messages written in a change's own unit of work, delivered after commit.

store/outbox.py holds the table's reads and writes; here are what a mail says (mail.py), how it goes
out (transport.py) and the worker that claims, sends and retries (delivery.py).
"""
