"""One module per command: what it does in one target, and how its result reads."""
