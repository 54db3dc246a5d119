"""Which workspace a row belongs to: every table keys its rows by `workspace_id`.

A workspace is a Slack organization for an org-wide install, else a Slack team: their IDs never
collide. A bot configured with one bot token serves one workspace, stored as `SINGLE`.
"""

SINGLE = "local"
"""The workspace of a single-workspace bot: every store method's default."""
