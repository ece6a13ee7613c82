"""Models of the agents' work queue, call attempts and surveys."""
