"""Contracts shared by every HuleEdu service: enums, topics, the event envelope and event models.

Services depend on this package and never on each other. Kafka plumbing lives in
`common_core.kafka`, logging in `common_core.logging`, shared SQL helpers in `common_core.db`.
"""
