"""Cleaning, chunking, embedding and the on-disk FAISS + BM25 index."""
