"""The review console (``screening serve``): web pages over the same library as the CLI.

``app.create_app(settings)`` builds the ASGI application; ``core`` holds the one gate every
page goes through (session, role, CSRF, department scope); ``pages/`` one module per page;
``jobs`` the background worker that screens uploads and retrains the model.
"""
