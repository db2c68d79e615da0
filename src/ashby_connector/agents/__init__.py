"""The agents' face: an MCP server (the official MCP Python SDK) over a connection's local copy.

- ``tools``: ``build_server(core, scope, writes=...)`` makes the MCP server: tools that answer
  questions from the copy (``core.insights``), ``ashby://{model}/{id}`` resources rendered as the
  REST API renders records, and, only when asked for, writes through the core's write path.
- ``stdio``: ``ashby-connector mcp --db URL --connection ID`` for desktop agents.
- ``http``: the streamable HTTP endpoint the REST server mounts at ``/mcp`` (platform key as a
  Bearer token, the connection named by ``X-Connection-Id``).

The SDK is imported only by these modules, so nothing else pays for it.
"""
