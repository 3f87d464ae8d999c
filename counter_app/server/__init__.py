"""The reference provincial server: a real HTTP service counters sync with (dev, tests, pilots)."""
