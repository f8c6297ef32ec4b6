"""Matching a REFI-QDA project that comes back to the rows the study holds.

Used by :mod:`study.exchange.qdpx_import`, whose docstring states the rules; the records
it matches by are :mod:`study.exchange.identities`.
"""
