"""Contracts shared by every HuleEdu service: enums, topics, the event envelope and event models.

Services depend on this package and never on each other. Kafka plumbing lives in
`common_core.kafka`, logging in `common_core.logs`, settings in `common_core.config`, HTTP
plumbing in `common_core.web`, shared SQL helpers in `common_core.db` and the transactional
outbox in `common_core.outbox`. docs/architecture.md shows how the services use them.
"""
