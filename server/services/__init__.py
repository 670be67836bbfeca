"""Use cases: they call queries and geo, commit, then append to the event log."""
