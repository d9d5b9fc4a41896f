"""The DAP layer: Content-Length framing, typed messages, the request registry, dispatch and servers.

It never calls ptrace and never imports the engine or the session: handlers
reach it through ``requests.request`` and the session's protocol object.
"""
