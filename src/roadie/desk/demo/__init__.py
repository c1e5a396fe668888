"""Demo data and demo traffic, for `roadie demo` and the tests."""
