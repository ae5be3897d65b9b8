def current_creator(request) -> dict:
    membership = getattr(request, "membership", None)
    return {"membership": membership, "creator": membership.creator if membership else None}
