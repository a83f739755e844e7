"""From meter state to what a client reads: the collector's metric families and the web app's pages."""
