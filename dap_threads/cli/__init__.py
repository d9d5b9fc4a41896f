"""The terminal front end: the `dap-threads` command and its subcommands."""
