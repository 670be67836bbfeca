"""Load and process helpers of ``kendali bench`` (see :mod:`tools.bench.commands`)."""
