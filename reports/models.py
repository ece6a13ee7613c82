"""Models of the monthly reports and dashboards."""
