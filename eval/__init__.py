"""Evaluation harness: gold-quote matching, metrics and reports."""
