"""Generated PDF documents (establishment sheets, receipts, decision letters, assessment reports).

Its own app because every module produces documents through the same pipeline: a ``Report`` row is created,
a Celery task renders it with WeasyPrint, the page polls until it is ready, and the download is tenant-scoped.
"""
