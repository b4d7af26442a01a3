"""Privacy: retention and its sweep, the erasure log, the log of who looked at personal
data, and a participant's own data (download, erasure request). The blueprint lives in
routes.py, so that features can call `access_log` without pulling in these pages."""
