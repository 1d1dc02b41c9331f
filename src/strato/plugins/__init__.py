"""Optional features a service turns on by including them.

Nothing here is wired by :func:`strato.initialize`: list a plug-in in the
``includes`` setting (``includes = strato.plugins.flush``) or call
``config.include("strato.plugins.flush")`` after initializing.
"""

__all__: list[str] = []
