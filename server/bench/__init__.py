"""Load and process helpers of ``kendali bench`` (see :mod:`server.commands.bench`)."""
