"""One module per ``linky-exporter`` subcommand."""
