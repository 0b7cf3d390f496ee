"""Contract test suites and fixtures shipped with the package."""
