"""Checks of template.yaml, samconfig.toml, events/, examples/ and the StackSets template."""
