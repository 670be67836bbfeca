"""Background work of a server process.

- :mod:`.loops` starts a process's loops (publisher, leader-elected poller and scheduler).
- :mod:`.leader` is the advisory-lock election both leader loops run under.
- :mod:`.feed` polls BMKG; :mod:`.scheduler` runs the periodic jobs of :mod:`.registry`,
  the one list of every periodic job.
"""
