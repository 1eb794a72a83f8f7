"""Hand-written runtime of the SDK: the request pipeline, codec, OAuth2, retries and errors.

Generated code (models, sub-clients) only declares data and calls into this package.
"""
