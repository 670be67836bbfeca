"""Complaints from the four channels: intake, placement, duplicates, follow-up, service levels.

Submodules: :mod:`.intake` (single and batch, one path), :mod:`.placement` (points, addresses,
what is sealed), :mod:`.followup` (status, assignment, manual placement, merges),
:mod:`.overdue` (the service-level job), :mod:`.present` (what leaves the server).
"""
