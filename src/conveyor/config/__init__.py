"""Conveyor's own settings: ``.conveyor.yml`` in a repository, and the user's
``~/.config/conveyor/config.yml`` under it (see ``conveyor.config.load``)."""
