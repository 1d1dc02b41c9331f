"""The bucket hierarchy: buckets, groups, collections and records.

Scanned by :func:`storage_service.includeme`; each module registers one
resource and the subscribers keeping its children consistent.
"""
