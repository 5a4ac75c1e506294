"""The read-only web page over an artifact store: `flyte-artifacts ui`."""
