"""Deploying to Kubernetes with Helm: a release upgraded, verified through the API server,
rolled back by itself when it fails (``run.deploy``), one ``Strategy`` per way of switching
traffic (``rolling``, ``bluegreen``), and the history of every deploy (``history``)."""
