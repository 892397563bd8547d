"""Batch Orchestrator Service: batches, their course context and pipeline state."""
