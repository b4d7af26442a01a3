"""Privacy: retention and its sweep, erasure, the organisers' pages for the erasure and
access logs, and a participant's own data (download, erasure request). It sits above the
features it erases and calls their services; the logs themselves are in
`app.privacy_records`, which every feature may use. The blueprint lives in routes.py."""
