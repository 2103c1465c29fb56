"""How each kind of step runs, one module each: ``script`` (``run:``), ``builtin``,
``composite``, ``javascript``; ``action`` resolves a ``uses:`` to its kind. Every kind
sees its job only through ``base.JobContext``."""
