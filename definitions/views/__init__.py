"""Definition pages, one module per page group: definitions, proposals, drafts, versions."""
