"""Tools beside the product: the benchmark harness and the BMKG replay server.

Not part of the ``server`` package. They reach the ``kendali`` command through the
``kendali.commands`` entry point (:func:`tools.cli.register`): ``kendali bench …`` (needs the
``bench`` extra: tipg, uvicorn, aiohttp) and ``kendali bmkg replay``.
"""
