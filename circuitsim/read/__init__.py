"""Text to a validated spec: text checks, YAML with file positions, the spec records and their parser, the JSON Schema."""
