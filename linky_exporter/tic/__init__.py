"""Pure TIC protocol code: framing, checksums, label table, meaning. No I/O here."""
