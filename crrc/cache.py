"""Django's Redis cache, keeping its ``redis.Redis`` client instead of building one for every call.

Django's ``RedisCacheClient.get_client`` makes a new ``redis.Redis`` on each cache call (the connection pool is
kept, the client is not), and redis-py's constructor fills a table of ~170 response callbacks each time: on the
portal that is every request's session read (``cached_db``), about a tenth of a signed-in request's CPU in the
benchmark's profile (issue 15). A ``redis.Redis`` is safe to share between threads (redis-py's documentation), and
its pool is the one Django already keeps, so one client per pool changes nothing else.
"""

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class ReusedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)  # kept by Django for the process: its id is stable
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class PortalRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
