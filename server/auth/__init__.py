"""Authentication and authorization.

- :mod:`.scope` (pure): principals, roles, scope and room names; importable by services.
- :mod:`.credentials`: password hashes, tokens, channel keys, wall codes.
- :mod:`.request`: the request's principal, ``require``, CSRF (Flask request state).
"""
