"""All SQL about complaints, per concern: intake (bulk, set-based), reads (scoped lists,
detail, timeline), follow-up (status, placement, merges, service levels), the summary
counters, and the demo generator."""
