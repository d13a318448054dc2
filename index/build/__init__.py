"""Clean text -> passages -> vectors + BM25: chunking, encoders, lexical and ANN indexes, and the index directory."""
