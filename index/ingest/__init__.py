"""Documents -> clean text: extract each source file, drop web chrome, keep page spans; corpus metadata and changes."""
