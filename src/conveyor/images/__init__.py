"""Container images. ``bootstrap`` builds the base images jobs' ``container:`` and
``services:`` name (``debian:bookworm``, ``python:3.12``, ``postgres:16``, ``redis:7``...)
from Debian packages into podman's storage, so they resolve without a registry: the
recipes are in ``recipes``, what they take from this machine in ``host``, ``trees`` and
``rootfs``, the podman calls in ``podman``. ``build`` builds and pushes users' images."""
