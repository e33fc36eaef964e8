"""Reference blocks from official implementations, transcribed for equivalence tests."""
