"""Import path kept for the simulator and older callers: the limiters live in `venues/http/ratelimit.py`."""

from alphaloop.venues.http.ratelimit import AsyncRateLimiter, KeyedRateLimiter, Quota, SlidingWindow

__all__ = ["AsyncRateLimiter", "KeyedRateLimiter", "Quota", "SlidingWindow"]
