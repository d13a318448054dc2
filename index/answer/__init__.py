"""Question -> ranked passages -> cited answer: question analysis, hybrid search, sentence scoring, composition."""
