"""Documents any feature may produce: HTML from the templates under reports/ (render),
PDFs from it with WeasyPrint behind a locked URL fetcher (pdf), charts (charts) and the
small-cell suppression every shared figure goes through (suppression). The report
(app.reporting) and the certificates are built on them; this package imports no feature."""
