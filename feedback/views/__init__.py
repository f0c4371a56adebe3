"""Feedback pages, by page group: thin views over the services and selectors."""
