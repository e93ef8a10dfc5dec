"""Stand-ins for the systems around the wizard, for the demo and the tests."""
