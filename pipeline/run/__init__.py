"""Running the stages: the stage functions, the pre-flight checks, notebook execution with
papermill, one year's run (lock, staging, swap, failed runs), the stage cache, JupyterLab's
staging and publishing, and the command line."""
