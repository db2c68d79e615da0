"""The application core: the use cases, as plain objects built once per process (layer 4).

Delivery (server, worker, cli) parses input, calls these objects and renders their answers.
"""
