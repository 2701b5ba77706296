"""PDF documents of an assessment (registered in reports.registry)."""
