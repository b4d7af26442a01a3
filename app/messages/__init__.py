"""Messages to registrants: the composer, scheduled reminders, the wording of the standard
emails and the sent log. The blueprint lives in routes.py, because notifications import
the wording module, and a package that pulled its routes in on import would loop back."""
