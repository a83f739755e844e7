"""How people write a duration and a host:port: one reading of each, for every layer above."""
