"""The node's HTTP status API (asyncio, stdlib only): health, status, members, metrics.

server.py is a minimal HTTP/1.1 server with a route table; routes.py holds the endpoints.
Nothing here waits on the engine on the event loop, so health checks answer while queries run.
"""
