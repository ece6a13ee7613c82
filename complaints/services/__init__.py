"""Complaint services; import from the submodules (workflow, deadlines)."""
