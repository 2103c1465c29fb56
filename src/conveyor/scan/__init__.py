"""Vulnerability scanning of images and folders, offline: an inventory of the packages a
root filesystem holds, matched against a folder of OSV records (``base.Scanner`` is the
plug-in point; ``external`` shells out to a real Trivy or Grype where one is installed).
Nothing heavy is imported here."""
