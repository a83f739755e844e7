"""What the exporter exposes: the catalogue of metric families and the samples a reading gives."""
