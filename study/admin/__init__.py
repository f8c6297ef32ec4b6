"""The study and who works on it: the study row, organisations, accounts, the audit log.

- :mod:`study.admin.studies`: the one study a database holds.
- :mod:`study.admin.organisations`: the organisations compared (cases).
- :mod:`study.admin.accounts`: local accounts, roles, argon2id passwords, login throttling.
- :mod:`study.admin.sessions`: lasting staff logins (session rows, hashes of their ids).
- :mod:`study.admin.password_links`: one-time set-password links (invitations, resets).
- :mod:`study.admin.audit`: the audit log, written in the same transaction as the change.
- :mod:`study.admin.overview`: the counts the Overview page shows.
- :mod:`study.admin.records`: ``PlainRecord``, the ``as_dict()`` of the records functions return.

May import: :mod:`study.db` and the foundation modules (``study.config``,
``study.errors``, ``study.cells``, ``study.yamlfile``). Every capability package
imports from here; nothing here imports a capability, ``ui`` or ``cli``.
"""
