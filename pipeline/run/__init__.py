"""Running the stages: the stage functions, notebook execution with papermill, one year's
run (lock, staging, swap), the stage cache and the command line."""
