"""Keeping a whistleblower's exact point out of PostgreSQL's own log.

The area lookup sends the point to the database in the statement's text. A server that logs
slow statements (``log_min_duration_statement``), all statements (``log_statement``) or the
statement of an error would write it to its log file, outside Kendali's control. Before such
a lookup the transaction switches that logging off for itself (superuser-only settings: where
the role may not, the operator must keep them off, and the README says so).
"""

from __future__ import annotations

import logging

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

_QUIET = (
    "SET LOCAL log_statement = 'none'; SET LOCAL log_min_duration_statement = -1; "
    "SET LOCAL log_min_error_statement = 'panic'"
)
_warned = False


def quiet_statement_log(session: Session) -> bool:
    """Turn PostgreSQL's statement logging off until the end of this transaction.

    Returns False (and warns once) when the database role may not change those settings.
    """
    global _warned
    try:
        with session.begin_nested():
            session.execute(text(_QUIET))
        return True
    except DBAPIError:
        if not _warned:
            _warned = True
            log.warning(
                "cannot switch PostgreSQL statement logging off for whistleblower lookups "
                "(not a superuser): keep log_statement and log_min_duration_statement off"
            )
        return False
