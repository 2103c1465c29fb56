"""``conveyor serve``: webhooks and git pushes start runs, a durable queue leases jobs to
workers, and people watch, approve and re-run them over HTTP (API and web UI).

The server runs the same engine as ``conveyor run``; it watches runs through the
engine's event stream, and hands jobs out through the queue (``queue``), never by a
second execution path.
"""
