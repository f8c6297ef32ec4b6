"""The respondent's survey as plain HTML forms on the app's own ASGI server.

A front door like :mod:`study.ui` and :mod:`study.cli`: Starlette routes
(:func:`study.web.routes.survey_routes`) mounted beside Streamlit by the launcher
``server.py`` through ``st.App(routes=..., middleware=...)``. Each survey page is a
form; a POST stores the page through :mod:`study.surveys.responding` inside
``Database.transaction()`` and redirects (POST-redirect-GET). Nothing is kept
between requests but the database and signed hidden form fields
(:mod:`study.web.signing`), so any number of processes serve it without sticky
sessions; no cookie, no script, no third-party asset.

Owns: the survey routes and their handlers (``survey.py``), the page texts in both
languages (``texts.py``), the form signing (``signing.py``), Jinja2 templates in
``templates/`` and the one stylesheet in ``static/``.

May import: ``study.surveys`` (the respondent's library path and survey logic),
``study.db`` (the ``Database``), the foundation (``config``, ``errors``), Starlette
and Jinja2. Never streamlit; no capability imports this package.
"""
