"""The exporter's settings: flags, environment, the YAML file, their errors in one line, logging."""
