"""The redactor: PDF extraction (paragraphs, headings, blobs), true redaction, scrubbing and verification."""
