"""Run the whole fleet on one machine as local processes (`pdm run fleet up|demo`)."""
