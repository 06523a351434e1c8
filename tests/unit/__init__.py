"""Unit tests of the pure core: glob subsumption, the policy engine, custom resource properties."""
