"""A coaching session: options, tick sources, the frame loop, building a session from options."""
