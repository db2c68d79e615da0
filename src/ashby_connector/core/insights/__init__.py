"""Questions about a connection's local copy, answered from the store: candidate search, a
candidate's timeline, a job's pipeline, stalled applications, upcoming interviews, open jobs and
openings, offers waiting on someone.

What the agents' face (MCP) serves, and what any other face may call. Every answer:

- reads the store only (no Ashby request), except a ``lazy`` child list a question needs (a
  candidate's notes, applications' stage history), fetched through the same lazy path as the REST
  API, within the key's shared budget (at most ``lazy_history_limit`` applications' history per
  answer), and listed in the answer's ``lazyFetches``;
- says how fresh it is: the last successful sync of every list it read (``freshness``);
- is allowed only when the connection's requested operations cover the models it reads; parts of
  a timeline on models not requested are left out and named in ``omitted``.
"""

from ashby_connector.core.insights.answers import Answer, Freshness
from ashby_connector.core.insights.service import Insights

__all__ = ["Answer", "Freshness", "Insights"]
