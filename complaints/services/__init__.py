"""Complaint services; import from the submodules (intake, steps, deadlines, assessment)."""
