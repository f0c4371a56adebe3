"""Meeting pages, one module per page group: meetings, preparation, answers, records."""
