"""Who is on the other end of a connection, and whether they may act on processes through us.

A root adapter on a socket is a way into root for whoever can connect, so
every connection is identified where it is accepted (``peer``, ``tcp_table``)
and a per-connection ``Gate`` applies the adapter's ``AccessPolicy`` before
any request that touches a process (``policy``, ``token``). This room uses
nothing of the rest of dap_threads: the servers (``dap/``), the session and
the command line all build on it.
"""
