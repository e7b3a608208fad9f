"""Optional embeddings of the catalog, blended into goal and topic matching."""
