"""Use cases: each runs inside one unit of work, with the acting user checked first."""
