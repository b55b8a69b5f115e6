"""Script rules: the spec (one JSON shape), matching, the rule book and the Python DSL."""
