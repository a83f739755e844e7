"""Where bytes come from: serial ports (and pyserial URLs), capture files, the simulated meter."""
