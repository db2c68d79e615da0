"""Ashby's API operations: the handler registry, the context a handler gets, pagination, and one
module of handlers per area (imported on the first call by ``registry.load_handlers``)."""
