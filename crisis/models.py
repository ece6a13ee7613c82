"""Models of the crisis cases (grade G)."""
